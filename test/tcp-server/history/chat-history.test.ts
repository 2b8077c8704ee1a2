/**
 * History as users see it, over real TCP sockets against an in-process
 * ChatServer: `/history` (each row of the table), what is and is not stored,
 * the opt-in id protocol (`/ext ids`, `+msg`, `+ack`, `/since`, `/last`),
 * trimming, flood pacing and write errors.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import Database from 'better-sqlite3';
import { ChatServer, type ChatServerOptions } from '../../../tcp-server/chat-server.ts';
import { SqliteHistoryStore } from '../../../tcp-server/history/sqlite-history-store.ts';
import { LineClient } from '../../helpers/line-client.ts';
import { historyStamp, parseServerLine } from '../../../protocol/index.ts';

const servers: ChatServer[] = [];
const clients: LineClient[] = [];
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(joinPath(tmpdir(), 'chat-history-'));
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: ChatServerOptions = {}) {
  const log: string[] = [];
  const server = new ChatServer({ host: '127.0.0.1', port: 0, log: (l) => log.push(l), ...options });
  servers.push(server);
  const { port } = await server.listen();
  const track = (c: LineClient) => (clients.push(c), c);
  return {
    server,
    log,
    connect: async () => track(await LineClient.connect(port)),
    join: async (name: string) => track(await LineClient.join(port, name)),
    /** Joins after opting in to history ids. */
    joinExt: async (name: string) => track(await LineClient.joinWithIds(port, name)),
  };
}

/** A round trip: every line the server sent `c` before this reply has arrived. */
async function sync(c: LineClient): Promise<void> {
  c.send('/users');
  await c.next((l) => l.startsWith('Online ('));
}

/** Sends `/history…` and returns the answer's lines (up to the end line or the one-line answer). */
async function history(c: LineClient, command = '/history'): Promise<string[]> {
  c.send(command);
  const first = await c.next();
  if (!first.startsWith('Histórico (')) return [first];
  const out = [first];
  for (;;) {
    const l = await c.next();
    out.push(l);
    if (l === 'Fim do histórico.') return out;
  }
}

/** `ana` says each text; returns once `listener` has received them all. */
async function say(ana: LineClient, listener: LineClient, texts: string[]): Promise<void> {
  ana.write(texts.map((t) => t + '\n').join(''));
  const last = texts.at(-1)!;
  await listener.next((l) => l.endsWith(`: ${last}`));
}

const texts = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
/** The name and text of each `[DD/MM HH:MM] name: text` line, the stamp checked for its shape. */
const bodies = (answer: string[]) =>
  answer.slice(1, -1).map((l) => {
    expect(l).toMatch(/^\[\d\d\/\d\d \d\d:\d\d\] /);
    return l.slice(14);
  });

describe('/history', () => {
  it('answers the last 20 public messages, oldest first, with the count and the end line', async () => {
    const { join } = await start();
    const ana = await join('ana');
    const bob = await join('bob');
    await say(ana, bob, texts(25));
    const answer = await history(bob);
    expect(answer[0]).toBe('Histórico (20):');
    expect(bodies(answer)).toEqual(texts(25).slice(5).map((t) => `ana: ${t}`));
    expect(answer.at(-1)).toBe('Fim do histórico.');
  });

  it('answers /history <n> with the last n, for n from 1 to 200, ignoring the case of the command', async () => {
    const { join } = await start();
    const ana = await join('ana');
    const bob = await join('bob');
    await say(ana, bob, texts(25));
    expect(bodies(await history(bob, '/history 3'))).toEqual(['ana: m23', 'ana: m24', 'ana: m25']);
    expect(bodies(await history(bob, '/HISTORY 1'))).toEqual(['ana: m25']);
    const all = await history(bob, '/History 200');
    expect(all[0]).toBe('Histórico (25):');
    expect(bodies(all)).toEqual(texts(25).map((t) => `ana: ${t}`));
  });

  it('stamps each line with the time it was said, in the server’s time zone', async () => {
    const { join } = await start();
    const ana = await join('ana');
    const bob = await join('bob');
    const before = Date.now();
    await say(ana, bob, ['agora']);
    const after = Date.now();
    const [, entry] = await history(bob, '/history 1');
    const stamp = entry!.slice(1, 12);
    expect([historyStamp(before), historyStamp(after)]).toContain(stamp);
  });

  it('says when nothing is stored', async () => {
    const { join } = await start();
    const bob = await join('bob');
    expect(await history(bob)).toEqual(['Nenhuma mensagem no histórico.']);
  });

  it.each(['/history 0', '/history 201', '/history abc', '/history 5 6', '/history -1'])(
    'answers %s with the usage line',
    async (command) => {
      const { join } = await start();
      const bob = await join('bob');
      expect(await history(bob, command)).toEqual(['Uso: /history [n], com n de 1 a 200.']);
    },
  );

  it('names /history in the unknown-command answer', async () => {
    const { join } = await start();
    const bob = await join('bob');
    bob.send('/historia');
    await bob.expect('Comando desconhecido: /historia. Comandos: /users, /history, /quit e //texto para enviar /texto.');
  });

  it('answers that history is off when CHAT_HISTORY=off, and stores nothing', async () => {
    const { join } = await start({ historyMode: 'off' });
    const ana = await join('ana');
    const bob = await join('bob');
    await say(ana, bob, ['não fica']);
    expect(await history(bob)).toEqual(['Histórico desativado neste servidor.']);
    expect(await history(bob, '/history 0')).toEqual(['Histórico desativado neste servidor.']);
  });

  it('does not change joining: the welcome and nothing else until asked', async () => {
    const { join, connect } = await start();
    const ana = await join('ana');
    const bob = await join('bob');
    await say(ana, bob, texts(3));
    const carol = await connect();
    await carol.expect('Digite seu nome:');
    carol.send('carol');
    await carol.expect('Bem-vindo, carol! Online (3): ana, bob, carol');
    carol.send('/users');
    await carol.expect('Online (3): ana, bob, carol');
  });

  it('keeps only CHAT_HISTORY_MAX messages, the newest', async () => {
    const { join } = await start({ historyMax: 5 });
    const ana = await join('ana');
    const bob = await join('bob');
    await say(ana, bob, texts(8));
    const answer = await history(bob, '/history 200');
    expect(answer[0]).toBe('Histórico (5):');
    expect(bodies(answer)).toEqual(['ana: m4', 'ana: m5', 'ana: m6', 'ana: m7', 'ana: m8']);
  });

  it('counts /history against the flood limit like any line', async () => {
    const { join } = await start({ rate: 2, burst: 2 });
    const bob = await join('bob');
    const alice = await join('alice');
    const flooder = await join('flooder'); // its name took one of its 2 tokens
    flooder.write('/history\n'.repeat(6) + 'fim\n');
    // Had /history been free, `fim` would go out in this same turn.
    await flooder.expect('Nenhuma mensagem no histórico.');
    alice.send('ainda aqui');
    expect(await bob.next((l) => l === 'alice: ainda aqui' || l === 'flooder: fim')).toBe('alice: ainda aqui');
    await bob.next((l) => l === 'flooder: fim');
    await sync(flooder);
    const answers = flooder.lines.filter((l) => l === 'Nenhuma mensagem no histórico.' || l.startsWith('Histórico ('));
    expect(answers).toHaveLength(6);
  });
});

describe('what is stored', () => {
  it('stores public lines only: never private lines, name attempts or command lines (checked in the file too)', async () => {
    const path = joinPath(dir, 'chat.db');
    const { join, connect, server } = await start({ history: SqliteHistoryStore.open(path, { max: 100 }) });
    const bob = await join('bob');
    const anon = await connect();
    await anon.expect('Digite seu nome:');
    anon.send('nome inválido com espaços'); // a name attempt, not a line of the room
    await anon.expect('Nome inválido: use de 1 a 32 letras, números, _, - ou . (sem espaços).');
    anon.send('ana');
    await anon.next((l) => l.startsWith('Bem-vindo'));
    anon.send('@bob segredo só pra você');
    await bob.expect('ana entrou no chat!');
    await bob.expect('[privado] ana: segredo só pra você');
    anon.send('/users');
    anon.send('//público com barra');
    await bob.expect('ana: /público com barra');
    expect(bodies(await history(bob, '/history 200'))).toEqual(['ana: /público com barra']);
    await server.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT name, text FROM messages').all();
    db.close();
    expect(rows).toEqual([{ name: 'ana', text: '/público com barra' }]);
  });

  it('refuses the reserved name Uso (its line would look like the usage answer)', async () => {
    const { connect } = await start();
    const c = await connect();
    await c.expect('Digite seu nome:');
    c.send('uso');
    await c.expect('Nome já em uso: uso.');
    await c.expect('Digite seu nome:');
  });
});

describe('write errors (a real SQLITE_FULL through PRAGMA max_page_count)', () => {
  it('still delivers every line live, logs once, and stores again once writes succeed', async () => {
    const store = SqliteHistoryStore.open(joinPath(dir, 'chat.db'), { max: 10_000, log: (l) => log.push(l) });
    const { join, log } = await start({ history: store, rate: 10_000, burst: 10_000 });
    const ana = await join('ana');
    const bob = await join('bob');
    await say(ana, bob, ['antes']);
    store.database.pragma(`max_page_count = ${store.database.pragma('page_count', { simple: true })}`);
    const full = texts(30, `cheio-${'x'.repeat(1500)}-`);
    await say(ana, bob, full);
    expect(bob.lines.filter((l) => l.startsWith('ana: cheio-'))).toEqual(full.map((t) => `ana: ${t}`));
    expect(log.filter((l) => l.startsWith('history: cannot store lines (SQLITE_FULL'))).toHaveLength(1);
    store.database.pragma('max_page_count = 1000000');
    await say(ana, bob, ['depois']);
    expect(log.at(-1)).toBe('history: storing lines again');
    // Stored: the line before, the full lines that fitted (if any), the line after.
    const stored = bodies(await history(bob, '/history 200'));
    const fitted = stored.length - 2;
    expect(fitted).toBeLessThan(full.length);
    expect(stored).toEqual(['ana: antes', ...full.slice(0, fitted).map((t) => `ana: ${t}`), 'ana: depois']);
  });
});

describe('the opt-in id protocol', () => {
  it('acknowledges /ext ids, tags live public lines with their id and acks the sender’s own, in order', async () => {
    const { join, joinExt } = await start();
    const page = await joinExt('page');
    const other = await joinExt('other');
    const terminal = await join('terminal');
    page.send('um');
    page.send('dois');
    const acks = [await page.next((l) => l.startsWith('+ack ')), await page.next((l) => l.startsWith('+ack '))].map(parseServerLine);
    const first = acks[0]!.type === 'ext-ack' ? acks[0]!.id : NaN;
    expect(acks).toEqual([
      { type: 'ext-ack', id: first, time: expect.any(Number) },
      { type: 'ext-ack', id: first + 1, time: expect.any(Number) },
    ]);
    const tagged = [await other.next((l) => l.startsWith('+msg ')), await other.next((l) => l.startsWith('+msg '))].map(parseServerLine);
    expect(tagged).toEqual(
      ['um', 'dois'].map((text, i) => ({ ...acks[i], type: 'ext-public', from: 'page', text })),
    );
    // A terminal user who never asked sees today's lines, nothing with ids.
    await terminal.expect('page: um');
    await terminal.expect('page: dois');
    terminal.send('de volta');
    const seen = [await page.next((l) => l.startsWith('+msg ')), await other.next((l) => l.startsWith('+msg '))];
    expect(seen[0]).toBe(seen[1]);
    expect(parseServerLine(seen[0]!)).toEqual({ type: 'ext-public', id: first + 2, time: expect.any(Number), from: 'terminal', text: 'de volta' });
    await sync(terminal);
    expect(terminal.lines.some((l) => l.startsWith('+'))).toBe(false);
  });

  it('answers /ext with no features when history is off, and the plain protocol goes on', async () => {
    const { connect, join } = await start({ historyMode: 'off' });
    const c = await connect();
    await c.expect('Digite seu nome:');
    c.send('/ext ids');
    await c.expect('+ext');
    c.send('page');
    await c.expect('Bem-vindo, page! Online (1): page');
    const bob = await join('bob');
    bob.send('oi');
    await c.next((l) => l === 'bob entrou no chat!');
    await c.expect('bob: oi');
    c.send('/since 0');
    await c.expect('Comando desconhecido: /since. Comandos: /users, /history, /quit e //texto para enviar /texto.');
  });

  it('keeps the extension commands unknown to a client that did not opt in, and /ext after joining', async () => {
    const { join, joinExt } = await start();
    const bob = await join('bob');
    bob.send('/since 0');
    await bob.expect('Comando desconhecido: /since. Comandos: /users, /history, /quit e //texto para enviar /texto.');
    bob.send('/last 5');
    await bob.expect('Comando desconhecido: /last. Comandos: /users, /history, /quit e //texto para enviar /texto.');
    const page = await joinExt('page');
    page.send('/ext ids');
    await page.expect('Comando desconhecido: /ext. Comandos: /users, /history, /quit e //texto para enviar /texto.');
    page.send('/since ontem');
    await page.expect('+usage since');
    page.send('/last 0');
    await page.expect('+usage last');
  });

  it('pages /since through 1,200 missed lines: every one once, in order', async () => {
    const { join, joinExt } = await start({ rate: 100_000, burst: 100_000 });
    const ana = await joinExt('ana');
    const bob = await join('bob');
    const all = texts(1200, 'linha ');
    ana.write(all.map((t) => t + '\n').join(''));
    const acks = await acksOf(ana, 1200);
    await bob.next((l) => l === 'ana: linha 1200');
    const page = await joinExt('page');
    const got = await sinceAll(page, 0);
    expect(got.pages).toBe(3); // CHAT_HISTORY_PAGE 500: 500 + 500 + 200
    expect(got.lines.map((e) => e.id)).toEqual(acks);
    expect(got.lines.map((e) => e.text)).toEqual(all);
    // Asking from the middle gives the rest only.
    expect((await sinceAll(page, acks[1149]!)).lines.map((e) => e.id)).toEqual(acks.slice(1150));
  });

  it('bounds a /since answer by bytes so a small send queue never cuts the client off', async () => {
    const { joinExt } = await start({ rate: 100_000, burst: 100_000, sendQueue: 64 * 1024 });
    const ana = await joinExt('ana');
    const all = texts(200, `${'y'.repeat(1000)} `);
    ana.write(all.map((t) => t + '\n').join(''));
    await acksOf(ana, 200);
    const page = await joinExt('page');
    const got = await sinceAll(page, 0);
    expect(got.lines.map((e) => e.text)).toEqual(all);
    expect(got.pages).toBeGreaterThan(10); // about 16 lines per 16 KiB answer
    expect(page.isClosed).toBe(false);
  });

  it('answers /last <n> with the newest n lines and their ids', async () => {
    const { joinExt, join } = await start({ rate: 100_000, burst: 100_000 });
    const ana = await join('ana');
    const page = await joinExt('page');
    ana.write(texts(60).map((t) => t + '\n').join(''));
    await page.next((l) => l.endsWith('ana: m60'));
    page.send('/last 50');
    const got: Array<{ id: number; text: string }> = [];
    for (;;) {
      const e = parseServerLine(await page.next((l) => l.startsWith('+hist')));
      if (e.type === 'ext-history-end') {
        expect(e.more).toBe(false);
        break;
      }
      if (e.type === 'ext-history') got.push({ id: e.id, text: e.text });
    }
    expect(got.map((e) => e.text)).toEqual(texts(60).slice(10));
    expect(got.map((e) => e.id - got[0]!.id)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});

/** The ids of the next `n` acks `c` receives, checking they increase by one. */
async function acksOf(c: LineClient, n: number): Promise<number[]> {
  const ids: number[] = [];
  while (ids.length < n) {
    const e = parseServerLine(await c.next((l) => l.startsWith('+ack ')));
    if (e.type === 'ext-ack') ids.push(e.id);
  }
  expect(ids.map((id) => id - ids[0]!)).toEqual(Array.from({ length: n }, (_, i) => i));
  return ids;
}

/** What a page does after a rejoin: `/since <last id>` until `+hist-end done`. */
async function sinceAll(c: LineClient, after: number) {
  const lines: Array<{ id: number; text: string }> = [];
  let pages = 0;
  let last = after;
  for (;;) {
    c.send(`/since ${last}`);
    pages++;
    for (;;) {
      const e = parseServerLine(await c.next((l) => l.startsWith('+hist')));
      if (e.type === 'ext-history') {
        lines.push({ id: e.id, text: e.text });
        last = e.id;
      } else if (e.type === 'ext-history-end') {
        if (!e.more) return { lines, pages };
        break;
      }
    }
  }
}
