/**
 * Line labels in every history store (issue 13): SQLite on real files in a
 * temporary folder, SQLite `:memory:`, and CHAT_HISTORY=off.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_CONFIG } from '../../../tcp-server/config.ts';
import { DisabledHistory, type HistoryStore } from '../../../tcp-server/history/history-store.ts';
import { openHistoryStore } from '../../../tcp-server/history/open-history.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../../tcp-server/history/schema.ts';
import { HistoryOpenError, SqliteHistoryStore } from '../../../tcp-server/history/sqlite-history-store.ts';

let dir: string;
const open: HistoryStore[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat-labels-'));
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(path = join(dir, 'chat.db'), labelsMax = 1000, log: (l: string) => void = () => {}) {
  const store = SqliteHistoryStore.open(path, { max: 10_000, labelsMax, log });
  open.push(store);
  return store;
}
const labelRows = (store: SqliteHistoryStore) =>
  store.database.prepare<[], { n: number }>('SELECT count(*) AS n FROM labels').get()!.n;
const line = (text: string, time = 1_700_000_000_000) => ({ time, name: 'ana', text });
/** Which of `labels` the store knows. */
const known = (store: HistoryStore, labels: string[]) => labels.filter((l) => store.findLabel(l) !== undefined);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `l${from + i}`);

describe('labels in the SQLite store', () => {
  it('finds a label remembered this turn before the commit, and after it with the same answer', () => {
    const store = openStore();
    const id = store.append(line('olá'));
    store.rememberLabel({ label: 'abc', id, time: 1_700_000_000_000 });
    store.rememberLabel({ label: 'priv', id: null, time: 1_700_000_000_001 });
    expect(store.findLabel('abc')).toEqual({ label: 'abc', id, time: 1_700_000_000_000 });
    expect(labelRows(store)).toBe(0); // still pending: written with the line by commit()
    store.commit();
    expect(labelRows(store)).toBe(2);
    expect(store.findLabel('abc')).toEqual({ label: 'abc', id, time: 1_700_000_000_000 });
    expect(store.findLabel('priv')).toEqual({ label: 'priv', id: null, time: 1_700_000_000_001 });
    expect(store.findLabel('outro')).toBeUndefined();
  });

  it('keeps the first answer when a known label is remembered again, pending or committed', () => {
    const store = openStore();
    store.rememberLabel({ label: 'x', id: 1, time: 10 });
    store.rememberLabel({ label: 'x', id: 2, time: 20 });
    store.commit();
    store.rememberLabel({ label: 'x', id: 3, time: 30 });
    store.commit();
    expect(store.findLabel('x')).toEqual({ label: 'x', id: 1, time: 10 });
    expect(labelRows(store)).toBe(1);
  });

  it('remembers labels across a close and a reopen of the file, with the lines they came with', () => {
    const path = join(dir, 'chat.db');
    const first = openStore(path);
    const id = first.append(line('guardada'));
    first.rememberLabel({ label: 'pub', id, time: 5 });
    first.rememberLabel({ label: 'priv', id: null, time: 6 });
    first.close(); // commits what is pending
    const again = openStore(path);
    expect(again.findLabel('pub')).toEqual({ label: 'pub', id, time: 5 });
    expect(again.findLabel('priv')).toEqual({ label: 'priv', id: null, time: 6 });
    expect(again.recent(1)).toEqual([{ id, ...line('guardada') }]);
  });

  it('keeps exactly the newest CHAT_LABELS_MAX labels, deleting the older rows a batch at a time', () => {
    const path = join(dir, 'chat.db');
    const store = openStore(path, 50);
    for (let i = 1; i <= 1000; i++) {
      store.rememberLabel({ label: `l${i}`, id: null, time: i });
      if (i % 3 === 0) store.commit();
      expect(labelRows(store)).toBeLessThanOrEqual(50 + 100);
    }
    expect(known(store, range(1, 1000))).toEqual(range(951, 1000));
    store.commit();
    expect(known(store, range(1, 1000))).toEqual(range(951, 1000));
    store.close();
    const again = openStore(path, 50);
    expect(known(again, range(1, 1000))).toEqual(range(951, 1000));
    // A lower limit at the next start applies at once, in the file too.
    again.close();
    const smaller = openStore(path, 7);
    expect(known(smaller, range(1, 1000))).toEqual(range(994, 1000));
    expect(labelRows(smaller)).toBe(7);
  });

  it('counts this turn’s labels among the newest, so no more than CHAT_LABELS_MAX are ever known', () => {
    const store = openStore(join(dir, 'chat.db'), 5);
    for (let i = 1; i <= 5; i++) store.rememberLabel({ label: `l${i}`, id: null, time: i });
    store.commit();
    store.rememberLabel({ label: 'l6', id: null, time: 6 });
    store.rememberLabel({ label: 'l7', id: null, time: 7 });
    expect(known(store, range(1, 7))).toEqual(range(3, 7));
  });

  it('learns a label again once it was forgotten, as a new label', () => {
    const store = openStore(join(dir, 'chat.db'), 2);
    store.rememberLabel({ label: 'velho', id: 1, time: 1 });
    store.rememberLabel({ label: 'b', id: null, time: 2 });
    store.rememberLabel({ label: 'c', id: null, time: 3 });
    store.commit();
    expect(store.findLabel('velho')).toBeUndefined();
    store.rememberLabel({ label: 'velho', id: 9, time: 9 });
    store.commit();
    expect(store.findLabel('velho')).toEqual({ label: 'velho', id: 9, time: 9 });
    expect(known(store, ['velho', 'b', 'c'])).toEqual(['velho', 'c']);
  });

  it('still recognises labels of a turn it could not write (real SQLITE_FULL), and stores later ones', () => {
    const log: string[] = [];
    const store = openStore(join(dir, 'chat.db'), 1000, (l) => log.push(l));
    store.append(line('antes'));
    store.commit();
    store.database.pragma(`max_page_count = ${store.database.pragma('page_count', { simple: true }) as number}`);
    const lost = store.append(line(`cheia ${'x'.repeat(8000)}`));
    store.rememberLabel({ label: 'sem-lugar', id: lost, time: 1 });
    store.commit();
    expect(log[0]).toMatch(/^history: cannot store lines \(SQLITE_FULL/);
    expect(labelRows(store)).toBe(0);
    // The line was delivered all the same: a resend in this process is still recognised.
    expect(store.findLabel('sem-lugar')).toEqual({ label: 'sem-lugar', id: lost, time: 1 });
    store.database.pragma('max_page_count = 1000000');
    store.rememberLabel({ label: 'depois', id: null, time: 2 });
    store.commit();
    expect(labelRows(store)).toBe(1);
    expect(known(store, ['sem-lugar', 'depois'])).toEqual(['sem-lugar', 'depois']);
  });
});

describe('the schema change that added labels', () => {
  /** A database as the chat wrote it before labels: schema 1, made by that migration. */
  function schemaOneFile(path: string, texts: string[]) {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    const insert = db.prepare('INSERT INTO messages (id, time, name, text) VALUES (?, ?, ?, ?)');
    texts.forEach((text, i) => insert.run(100 + i, 1_700_000_000_000 + i, 'ana', text));
    db.close();
  }

  it('upgrades a file written before labels, keeping its lines and ids', () => {
    expect(SCHEMA_VERSION).toBe(2);
    const path = join(dir, 'old.db');
    schemaOneFile(path, ['um', 'dois']);
    const store = openStore(path);
    expect(store.database.pragma('user_version', { simple: true })).toBe(2);
    expect(store.recent(10).map((r) => [r.id, r.text])).toEqual([
      [100, 'um'],
      [101, 'dois'],
    ]);
    const id = store.append(line('três'));
    expect(id).toBeGreaterThan(101);
    store.rememberLabel({ label: 'nova', id, time: 3 });
    store.close();
    const again = openStore(path);
    expect(again.findLabel('nova')).toEqual({ label: 'nova', id, time: 3 });
  });

  it('upgrades in one transaction: a migration that fails leaves the file at schema 1 with its lines', () => {
    const path = join(dir, 'old.db');
    schemaOneFile(path, ['um']);
    // Someone's own `labels` table makes the migration fail halfway.
    const db = new Database(path);
    db.exec('CREATE TABLE labels (x)');
    db.close();
    expect(() => SqliteHistoryStore.open(path, { max: 10 })).toThrow(HistoryOpenError);
    const after = new Database(path, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(1);
    expect(after.prepare('SELECT text FROM messages').all()).toEqual([{ text: 'um' }]);
    expect(after.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get('labels')).toEqual({ sql: 'CREATE TABLE labels (x)' });
    after.close();
  });

  it('refuses a file of a newer schema and leaves it byte for byte as it was', () => {
    const path = join(dir, 'newer.db');
    const newer = new Database(path);
    newer.exec('CREATE TABLE future (x)');
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    const before = readFileSync(path);
    expect(() => SqliteHistoryStore.open(path, { max: 10 })).toThrow(
      `${path} was written by a newer version of the chat (schema ${SCHEMA_VERSION + 1}, this one knows ${SCHEMA_VERSION}); it was left untouched`,
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('labels where nothing is on disk', () => {
  it.each([
    ['CHAT_HISTORY=off', { historyMode: 'off' as const, db: 'nunca.db' }],
    ['CHAT_DB=:memory:', { historyMode: 'on' as const, db: ':memory:' }],
  ])('with %s, remembers labels (pending ones too) and keeps exactly the newest CHAT_LABELS_MAX', (_, settings) => {
    const store = openHistoryStore({ ...DEFAULT_CONFIG, ...settings, labelsMax: 4 }, () => {}, dir);
    open.push(store);
    store.rememberLabel({ label: 'l1', id: null, time: 1 });
    expect(store.findLabel('l1')).toEqual({ label: 'l1', id: null, time: 1 });
    for (let i = 2; i <= 300; i++) {
      store.rememberLabel({ label: `l${i}`, id: i, time: i });
      if (i % 7 === 0) store.commit();
    }
    expect(known(store, range(1, 300))).toEqual(range(297, 300));
    store.commit();
    expect(known(store, range(1, 300))).toEqual(range(297, 300));
    expect(store.findLabel('l300')).toEqual({ label: 'l300', id: 300, time: 300 });
  });

  it('remembers 100000 labels by default (CHAT_LABELS_MAX), also in a store made without settings', () => {
    expect(DEFAULT_CONFIG.labelsMax).toBe(100_000);
    const off = new DisabledHistory();
    off.rememberLabel({ label: 'a', id: null, time: 1 });
    expect(off.findLabel('a')).toEqual({ label: 'a', id: null, time: 1 });
  });
});
