/**
 * History meets the paced room log (issue 11 §5, issue 12): every line the
 * server writes is stored first, whichever write carries it; plain
 * clients and clients with ids each get the room's lines in their own form,
 * readers or not; a client with ids that never reads is cut off like any
 * other. Real TCP sockets against an in-process ChatServer on a real
 * SQLite file.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { ChatServer, type ChatServerOptions } from '../../../tcp-server/chat-server.ts';
import { SqliteHistoryStore } from '../../../tcp-server/history/sqlite-history-store.ts';
import { LineClient, talkUntilLeave } from '../../helpers/line-client.ts';
import { parseServerLine } from '../../../protocol/index.ts';

const servers: ChatServer[] = [];
const clients: LineClient[] = [];
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(joinPath(tmpdir(), 'chat-delivery-'));
  unstored = [];
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  watchedStore = null;
  rmSync(dir, { recursive: true, force: true });
});

/** A server on a history file the test can look into while it runs. */
async function start(options: ChatServerOptions = {}) {
  const store = SqliteHistoryStore.open(joinPath(dir, 'chat.db'), { max: 10_000 });
  watchedStore = store;
  const server = new ChatServer({ host: '127.0.0.1', port: 0, history: store, rate: 100_000, burst: 100_000, ...options });
  servers.push(server);
  const { port } = await server.listen();
  const track = (c: LineClient) => (clients.push(c), c);
  return {
    store,
    join: async (name: string) => track(await LineClient.join(port, name)),
    /** Joins after opting in to history ids. */
    joinExt: async (name: string) => track(await LineClient.joinWithIds(port, name)),
  };
}

/**
 * Every write the server makes to a client socket is looked at as it is
 * made (through Node's `net.server.socket` diagnostics channel; the write
 * itself is unchanged): each public line, `+msg` and `+ack` in it must
 * already be in the history table, where only a commit puts rows.
 */
let watchedStore: SqliteHistoryStore | null = null;
let unstored: string[] = [];

function noteUnstored(chunk: unknown): void {
  const store = watchedStore;
  if (store === null || store.database.open === false) return;
  const db = store.database;
  for (const line of String(chunk).split('\n')) {
    const e = parseServerLine(line);
    let stored = true;
    if (e.type === 'ext-public' || e.type === 'ext-ack') {
      stored = db.prepare('SELECT 1 FROM messages WHERE id = ?').get(e.id) !== undefined;
    } else if (e.type === 'public') {
      stored = db.prepare('SELECT 1 FROM messages WHERE name = ? AND text = ?').get(e.from, e.text) !== undefined;
    }
    if (!stored) unstored.push(line);
  }
}

function watchWrites(message: unknown): void {
  const socket = (message as { socket: Socket }).socket;
  const write = socket.write;
  socket.write = function (this: Socket, ...args: unknown[]) {
    noteUnstored(args[0]);
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof socket.write;
}

beforeAll(() => diagnostics.subscribe('net.server.socket', watchWrites));
afterAll(() => diagnostics.unsubscribe('net.server.socket', watchWrites));

describe('nothing written before it is stored', () => {
  it('in a pass over the room, to plain clients and clients with ids', async () => {
    const { join, joinExt } = await start();
    const ana = await join('ana');
    const page = await joinExt('page');
    const bob = await join('bob');
    ana.write('um\ndois\n');
    page.write('três\n');
    await bob.next((l) => l === 'ana: dois');
    await bob.next((l) => l === 'page: três');
    await page.next((l) => l.endsWith(' ana: dois'));
    await page.next((l) => l.startsWith('+ack '));
    await ana.next((l) => l === 'page: três');
    expect(unstored).toEqual([]);
  });

  it('in a reply written at once because it is large (an early flush), its +ack included', async () => {
    const { join, joinExt } = await start();
    // 40 members with long names: each /users answer is about 1.4 KB.
    for (let i = 0; i < 39; i++) await join(`membro_${String(i).padStart(2, '0')}_${'n'.repeat(20)}`);
    const page = await joinExt('page');
    // In one chunk: a public line, then 60 /users whose answers (over 64 KB)
    // go out before the turn ends, the +ack of the line first.
    page.write('grande\n' + '/users\n'.repeat(60));
    const ack = parseServerLine(await page.next((l) => l.startsWith('+ack ')));
    expect(ack.type).toBe('ext-ack');
    for (let i = 0; i < 60; i++) await page.next((l) => l.startsWith('Online (40): '));
    expect(unstored).toEqual([]);
  });

  it('in the last write before the server closes a connection (/quit right after a line)', async () => {
    const { joinExt } = await start();
    const page = await joinExt('page');
    page.write('tchau\n/quit\n');
    const rest = await page.rest();
    expect(rest.filter((l) => l.startsWith('+ack '))).toHaveLength(1);
    expect(unstored).toEqual([]);
  });
});

describe('each audience gets the room in its own form', () => {
  it('plain and ids members, readers or not, get every other member’s lines once, in order; senders get acks, not echoes', async () => {
    const { join, joinExt } = await start();
    const MEMBERS = 24;
    const LINES = 40;
    const members: Array<{ c: LineClient; name: string; ids: boolean }> = [];
    for (let i = 0; i < MEMBERS; i++) {
      const ids = i % 2 === 1;
      const name = `m${i}`;
      members.push({ c: ids ? await joinExt(name) : await join(name), name, ids });
    }
    // Every member has seen every later join: what follows is the talk.
    for (const m of members) {
      if (m.name !== `m${MEMBERS - 1}`) await m.c.next((l) => l === `m${MEMBERS - 1} entrou no chat!`);
    }
    const base = members.map((m) => m.c.lines.length);
    // Half of the others stop reading (plain and ids alike) until the readers have it all.
    for (const [i, m] of members.entries()) if (i % 4 < 2 && i >= 4) m.c.socket.pause();
    // Four talkers, two plain and two with ids, all at once.
    const talkers = members.slice(0, 4);
    const said = (name: string) => Array.from({ length: LINES }, (_, i) => `${name}-${i} ${'t'.repeat(200)}`);
    for (const t of talkers) t.c.write(said(t.name).map((l) => l + '\n').join(''));
    /** Waits until `m` has every other talker's lines (and, talking with ids, its acks). */
    const caughtUp = async (m: (typeof members)[number]) => {
      const got = () => m.c.lines.slice(base[members.indexOf(m)]);
      for (const t of talkers) {
        if (t === m) continue;
        const last = `${t.name}: ${said(t.name).at(-1)!}`;
        while (!got().some((l) => l.endsWith(last))) await m.c.next();
      }
      if (m.ids && talkers.includes(m)) {
        while (got().filter((l) => l.startsWith('+ack ')).length < LINES) await m.c.next();
      }
    };
    // The readers get everything while the others are behind; then those read again.
    await Promise.all(members.filter((m) => !m.c.socket.isPaused()).map(caughtUp));
    for (const m of members) m.c.socket.resume();
    await Promise.all(members.map(caughtUp));
    const idOf = new Map<string, number>(); // "name: text" → id, as the ids members saw it
    for (const [i, m] of members.entries()) {
      const got = m.c.lines.slice(base[i]);
      for (const t of talkers) {
        const fromT = got.filter((l) => l.includes(` ${t.name}-`) || l.startsWith(`${t.name}: `));
        if (t === m) {
          expect(fromT).toEqual([]); // never its own lines back
          continue;
        }
        if (!m.ids) {
          expect(fromT).toEqual(said(t.name).map((l) => `${t.name}: ${l}`));
          continue;
        }
        const events = fromT.map(parseServerLine);
        expect(events.map((e) => (e.type === 'ext-public' ? `${e.from}: ${e.text}` : e.type))).toEqual(
          said(t.name).map((l) => `${t.name}: ${l}`),
        );
        for (const e of events) {
          if (e.type !== 'ext-public') continue;
          const key = `${e.from}: ${e.text}`;
          // The same line has the same id for every ids member.
          expect(idOf.get(key) ?? e.id).toBe(e.id);
          idOf.set(key, e.id);
        }
      }
      if (!m.ids) expect(got.some((l) => l.startsWith('+'))).toBe(false);
    }
    // An ids talker's acks name, in order, the ids the others saw for its lines.
    for (const t of talkers.filter((t) => t.ids)) {
      const acks = t.c.lines.filter((l) => l.startsWith('+ack ')).map(parseServerLine);
      expect(acks.map((e) => (e.type === 'ext-ack' ? e.id : NaN))).toEqual(said(t.name).map((l) => idOf.get(`${t.name}: ${l}`)));
    }
    expect(unstored).toEqual([]);
  }, 60_000);
});

describe('slow readers with ids', () => {
  it('cuts off a client with ids that never reads, while the others keep chatting in both forms', async () => {
    const { join, joinExt } = await start({ sendQueue: 64 * 1024 });
    const sleeper = await joinExt('sleeper');
    sleeper.socket.pause(); // never reads again
    const talker = await join('talker');
    const listener = await joinExt('listener');
    const plain = await join('plain');
    expect(await talkUntilLeave(talker, listener, 'sleeper', { maxLines: 20_000 })).toBe(true);
    talker.send('depois');
    expect(parseServerLine(await listener.next((l) => l.endsWith(' talker: depois')))).toMatchObject({ type: 'ext-public', text: 'depois' });
    expect(await plain.next((l) => l === 'talker: depois')).toBe('talker: depois');
  });
});
