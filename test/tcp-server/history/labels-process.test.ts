/**
 * Labels with real processes: a process using the store killed with
 * `kill -9`, the real `npm run tcp-server` upgrading a file written before
 * labels, and the settings that stop it at start (exit code 2).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LineClient } from '../../helpers/line-client.ts';
import { killAll, runScript, startTcpServer } from '../../helpers/processes.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../tcp-server/history/schema.ts';
import { SqliteHistoryStore } from '../../../tcp-server/history/sqlite-history-store.ts';

let dir: string;
const clients: LineClient[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat-labels-'));
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  killAll();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(killAll);

describe('labels across kill -9 of the process that remembered them', () => {
  it('keeps every committed label with its line, and loses an uncommitted line and its label together', async () => {
    const db = join(dir, 'chat.db');
    const child = runScript('test/helpers/label-store-main.ts', { CHAT_DB: db, LABELS_COUNT: '50' });
    const [, first, last] = await child.waitForOutput(/^committed (\d+) (\d+)$/m);
    await child.waitForOutput(/^pending$/m);
    expect(await child.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

    const store = SqliteHistoryStore.open(db, { max: 10_000 });
    try {
      const lines = store.recent(100);
      expect(lines.map((l) => l.text)).toEqual(Array.from({ length: 50 }, (_, i) => `linha ${i}`));
      expect(lines[0]!.id).toBe(Number(first));
      expect(lines.at(-1)!.id).toBe(Number(last));
      lines.forEach((l, i) => {
        expect(store.findLabel(`pub-${i}`)).toEqual({ label: `pub-${i}`, id: l.id, time: l.time });
        expect(store.findLabel(`priv-${i}`)).toEqual({ label: `priv-${i}`, id: null, time: l.time });
      });
      // The turn in flight at the kill: neither its line nor its label.
      expect(store.findLabel('lost')).toBeUndefined();
      expect(lines.some((l) => l.text === 'perdida')).toBe(false);
    } finally {
      store.close();
    }
  });
});

describe('the real server and the database written before labels', () => {
  it('upgrades a schema-1 file at start and answers /history with its lines', async () => {
    const db = join(dir, 'chat.db');
    const old = new Database(db);
    old.pragma('journal_mode = WAL');
    old.exec(MIGRATIONS[0]!);
    old.pragma('user_version = 1');
    old.prepare('INSERT INTO messages (id, time, name, text) VALUES (?, ?, ?, ?)').run(7, Date.now(), 'ana', 'de antes');
    old.close();

    const server = await startTcpServer({ CHAT_DB: db });
    const bob = await LineClient.join(server.port, 'bob');
    clients.push(bob);
    bob.send('/history');
    await bob.next((l) => l.startsWith('Histórico ('));
    expect((await bob.next()).endsWith(' ana: de antes')).toBe(true);
    expect(await bob.next()).toBe('Fim do histórico.');
    expect(await server.stop()).toEqual({ code: 0, signal: null });

    const after = new Database(db, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(after.prepare("SELECT name FROM sqlite_master WHERE name = 'labels'").get()).toEqual({ name: 'labels' });
    after.close();
  });

  it('refuses a file of a newer schema with exit code 2 naming CHAT_DB, leaving it as it was', async () => {
    const db = join(dir, 'newer.db');
    const newer = new Database(db);
    newer.exec('CREATE TABLE future (x)');
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    const before = readFileSync(db);
    const run = runScript('tcp-server/main.ts', { CHAT_HOST: '127.0.0.1', CHAT_PORT: '0', CHAT_DB: db });
    expect(await run.stop('SIGCONT')).toEqual({ code: 2, signal: null });
    expect(run.stderr).toContain(
      `CHAT_DB: ${db} was written by a newer version of the chat (schema ${SCHEMA_VERSION + 1}, this one knows ${SCHEMA_VERSION}); it was left untouched`,
    );
    expect(readFileSync(db).equals(before)).toBe(true);
  });
});

describe('CHAT_LABELS_MAX', () => {
  it.each(['0', '-1', '2.5', 'muitos', '10000001'])('refuses %j with exit code 2 and a message naming it', async (bad) => {
    const run = runScript('tcp-server/main.ts', { CHAT_PORT: '0', CHAT_DB: ':memory:', CHAT_LABELS_MAX: bad });
    expect(await run.stop('SIGCONT')).toEqual({ code: 2, signal: null });
    expect(run.stderr).toContain(`CHAT_LABELS_MAX must be a whole number from 1 to 10000000, got "${bad}"`);
  });

  it('is read from the environment: the process keeps no more than that many labels in its file', async () => {
    const db = join(dir, 'chat.db');
    const child = runScript('test/helpers/label-store-main.ts', { CHAT_DB: db, LABELS_COUNT: '80', CHAT_LABELS_MAX: '10' });
    await child.waitForOutput(/^pending$/m);
    await child.stop('SIGKILL');
    // Read with the default limit, so what is left is what the child kept.
    const file = new Database(db, { readonly: true });
    try {
      const rows = file.prepare<[], { label: string }>('SELECT label FROM labels ORDER BY seq').all().map((r) => r.label);
      // 160 labels remembered: older ones deleted in batches of 100 behind the newest 10.
      expect(rows.length).toBeLessThanOrEqual(10 + 100);
      const all = Array.from({ length: 80 }, (_, i) => [`pub-${i}`, `priv-${i}`]).flat();
      expect(rows).toEqual(all.slice(-rows.length));
    } finally {
      file.close();
    }
    const store = SqliteHistoryStore.open(db, { max: 10_000, labelsMax: 10 });
    try {
      const all = Array.from({ length: 80 }, (_, i) => [`pub-${i}`, `priv-${i}`]).flat();
      expect(all.filter((l) => store.findLabel(l) !== undefined)).toEqual(all.slice(-10));
    } finally {
      store.close();
    }
  });
});
