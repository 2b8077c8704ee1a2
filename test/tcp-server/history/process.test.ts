/**
 * History in the real `npm run tcp-server` process: kept across a restart and
 * across `kill -9`, stamped in the process's TZ, the settings, and the
 * answers to storage that cannot be used. Real `nc` at the end.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { CHAT_READY_RE } from '../../../common/ready-lines.ts';
import { parseServerLine } from '../../../protocol/index.ts';
import { LineClient } from '../../helpers/line-client.ts';
import { killNetcats, netcat } from '../../helpers/netcat.ts';
import { REPO, killAll, runScript, startTcpServer } from '../../helpers/processes.ts';

let dir: string;
const clients: LineClient[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chat-history-'));
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  killNetcats();
  killAll();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(killAll);

const track = (c: LineClient) => (clients.push(c), c);
const join_ = async (port: number, name: string) => track(await LineClient.join(port, name));
const joinExt = async (port: number, name: string) => track(await LineClient.joinWithIds(port, name));

/** Everything stored, through the page's protocol: `/since` until done. */
async function allStored(c: LineClient): Promise<string[]> {
  const texts: string[] = [];
  let last = 0;
  for (;;) {
    c.send(`/since ${last}`);
    for (;;) {
      const e = parseServerLine(await c.next((l) => l.startsWith('+hist')));
      if (e.type === 'ext-history') {
        texts.push(`${e.from}: ${e.text}`);
        last = e.id;
      } else if (e.type === 'ext-history-end') {
        if (!e.more) return texts;
        break;
      }
    }
  }
}

/** What `bob` gets for `/history <n>`, without the stamps. */
async function historyBodies(c: LineClient, n: number): Promise<string[]> {
  c.send(`/history ${n}`);
  const first = await c.next();
  if (!first.startsWith('Histórico (')) return [first];
  const out: string[] = [];
  for (let l = await c.next(); l !== 'Fim do histórico.'; l = await c.next()) out.push(l.slice(14));
  return out;
}

/** `DD/MM HH:MM` of `time` in `timeZone`, computed independently of the server. */
function stampIn(time: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(time)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.day}/${parts.month} ${parts.hour}:${parts.minute}`;
}

describe('kept across restarts', () => {
  it('answers /history after a normal restart with what was said before', async () => {
    const env = { CHAT_DB: join(dir, 'chat.db') };
    const first = await startTcpServer(env);
    const ana = await join_(first.port, 'ana');
    const bob = await join_(first.port, 'bob');
    ana.write('oi, pessoal\nalguém aí?\n');
    await bob.next((l) => l === 'ana: alguém aí?');
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    const second = await startTcpServer(env);
    const carol = await join_(second.port, 'carol');
    expect(await historyBodies(carol, 20)).toEqual(['ana: oi, pessoal', 'ana: alguém aí?']);
    await second.stop();
  });

  it('after kill -9 in the middle of a stream, has every line anyone received, in order', async () => {
    // Paced, so the 5,000 lines go through in many small turns (many commits) and the kill lands among them.
    const env = { CHAT_DB: join(dir, 'chat.db'), CHAT_RATE: '2000', CHAT_BURST: '100' };
    const first = await startTcpServer(env);
    const ana = await join_(first.port, 'ana');
    const bob = await join_(first.port, 'bob');
    const sent = Array.from({ length: 5000 }, (_, i) => `linha ${i + 1}`);
    ana.write(sent.map((t) => t + '\n').join(''));
    await bob.next((l) => l === 'ana: linha 300');
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await bob.closed;
    const received = bob.lines.filter((l) => l.startsWith('ana: '));
    expect(received.length).toBeGreaterThanOrEqual(300);

    const second = await startTcpServer(env);
    const stored = await allStored(await joinExt(second.port, 'page'));
    expect(stored.length).toBeGreaterThanOrEqual(received.length);
    expect(stored.slice(0, received.length)).toEqual(received);
    // Nothing but what ana sent, in her order.
    expect(stored).toEqual(sent.slice(0, stored.length).map((t) => `ana: ${t}`));
    await second.stop();
  });
});

describe('ids across restarts', () => {
  it('keep growing when history starts over (CHAT_DB=:memory:), so "since the last id I saw" still finds new lines', async () => {
    const first = await startTcpServer({ CHAT_DB: ':memory:' });
    const page = await joinExt(first.port, 'page');
    page.send('antes do reinício');
    const before = parseServerLine(await page.next((l) => l.startsWith('+ack ')));
    await first.stop();
    if (before.type !== 'ext-ack') throw new Error('no ack');

    const second = await startTcpServer({ CHAT_DB: ':memory:' });
    const ana = await join_(second.port, 'ana');
    const again = await joinExt(second.port, 'page');
    ana.send('depois do reinício');
    await again.next((l) => l.startsWith('+msg ') && l.endsWith(' ana: depois do reinício'));
    again.send(`/since ${before.id}`);
    const answer = parseServerLine(await again.next((l) => l.startsWith('+hist')));
    expect(answer).toMatchObject({ type: 'ext-history', from: 'ana', text: 'depois do reinício' });
    expect(answer.type === 'ext-history' && answer.id).toBeGreaterThan(before.id);
    await again.expect('+hist-end done');
    await second.stop();
  });
});

describe('time stamps', () => {
  it('shows the stored time in the server’s TZ, so the same line reads differently under another TZ', async () => {
    const db = join(dir, 'chat.db');
    const india = await startTcpServer({ CHAT_DB: db, TZ: 'Asia/Kolkata' });
    const page = await joinExt(india.port, 'page');
    page.send('olá');
    const ack = parseServerLine(await page.next((l) => l.startsWith('+ack ')));
    if (ack.type !== 'ext-ack') throw new Error(`not an ack: ${JSON.stringify(ack)}`);
    const bob = await join_(india.port, 'bob');
    bob.send('/history 1');
    await bob.expect('Histórico (1):');
    await bob.expect(`[${stampIn(ack.time, 'Asia/Kolkata')}] page: olá`);
    await india.stop();

    const brazil = await startTcpServer({ CHAT_DB: db, TZ: 'America/Sao_Paulo' });
    const carol = await join_(brazil.port, 'carol');
    carol.send('/history 1');
    await carol.expect('Histórico (1):');
    await carol.expect(`[${stampIn(ack.time, 'America/Sao_Paulo')}] page: olá`);
    expect(stampIn(ack.time, 'America/Sao_Paulo')).not.toBe(stampIn(ack.time, 'Asia/Kolkata'));
    await brazil.stop();
  });
});

describe('settings', () => {
  it('creates data/chat.db under the working directory by default', async () => {
    const cwd = join(dir, 'work');
    mkdirSync(cwd);
    const tsx = pathToFileURL(createRequire(join(REPO, 'package.json')).resolve('tsx')).href;
    const proc = spawn(process.execPath, ['--import', tsx, join(REPO, 'tcp-server/main.ts')], {
      cwd,
      env: { ...process.env, CHAT_HOST: '127.0.0.1', CHAT_PORT: '0', CHAT_DB: '', CHAT_HISTORY: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(proc, 'exit');
    let out = '';
    proc.stdout!.setEncoding('utf8');
    for await (const chunk of proc.stdout!) {
      out += chunk;
      if (CHAT_READY_RE.test(out)) break;
    }
    const port = Number(CHAT_READY_RE.exec(out)![2]);
    const ana = await join_(port, 'ana');
    ana.send('guardada');
    ana.send('/history 1');
    await ana.expect('Histórico (1):');
    proc.kill('SIGTERM');
    await exited;
    const db = new Database(join(cwd, 'data', 'chat.db'), { readonly: true });
    const rows = db.prepare('SELECT name, text FROM messages').all();
    db.close();
    expect(rows).toEqual([{ name: 'ana', text: 'guardada' }]);
  });

  it('applies CHAT_HISTORY_MAX and CHAT_HISTORY_PAGE from the environment', async () => {
    const server = await startTcpServer({ CHAT_HISTORY_MAX: '3', CHAT_HISTORY_PAGE: '2' });
    const ana = await join_(server.port, 'ana');
    const page = await joinExt(server.port, 'page');
    ana.write('um\ndois\ntrês\nquatro\ncinco\n');
    await page.next((l) => l.endsWith(' ana: cinco'));
    expect(await historyBodies(page, 200)).toEqual(['ana: três', 'ana: quatro', 'ana: cinco']);
    page.send('/since 0');
    const answer = [await page.next((l) => l.startsWith('+hist')), await page.next(), await page.next()];
    expect(answer.map((l) => l.replace(/^\+hist \d+ \d+ /, ''))).toEqual(['ana: três', 'ana: quatro', '+hist-end more']);
    await server.stop();
  });

  it('runs without history when CHAT_HISTORY=off, and says so on /history', async () => {
    const server = await startTcpServer({ CHAT_HISTORY: 'off', CHAT_DB: join(dir, 'nunca', 'chat.db') });
    const bob = await join_(server.port, 'bob');
    bob.send('/history');
    await bob.expect('Histórico desativado neste servidor.');
    await server.stop();
    expect(existsSync(join(dir, 'nunca'))).toBe(false);
  });

  it.each([
    [{ CHAT_HISTORY: 'talvez' }, 'CHAT_HISTORY must be "on" or "off", got "talvez"'],
    [{ CHAT_HISTORY_MAX: '0' }, 'CHAT_HISTORY_MAX must be a whole number'],
    [{ CHAT_HISTORY_PAGE: 'muitas' }, 'CHAT_HISTORY_PAGE must be a whole number'],
  ])('refuses %j with exit code 2 and a message naming the variable', async (env, message) => {
    const run = runScript('tcp-server/main.ts', { CHAT_PORT: '0', CHAT_DB: ':memory:', ...env });
    expect(await run.stop('SIGCONT')).toEqual({ code: 2, signal: null });
    expect(run.stderr).toContain(message);
  });
});

describe('storage that cannot be used stops the server at start (exit code 2, naming CHAT_DB and the path)', () => {
  async function refused(db: string) {
    const run = runScript('tcp-server/main.ts', { CHAT_HOST: '127.0.0.1', CHAT_PORT: '0', CHAT_DB: db });
    expect(await run.stop('SIGCONT')).toEqual({ code: 2, signal: null });
    expect(run.stdout).toBe('');
    return run.stderr;
  }

  it('a folder that cannot be created', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const db = join(file, 'sub', 'chat.db');
    expect(await refused(db)).toContain(`CHAT_DB: cannot create the folder ${join(file, 'sub')} for the history database ${db}`);
  });

  it('a path that cannot be opened as a database (a folder)', async () => {
    expect(await refused(dir)).toContain(`CHAT_DB: cannot open the history database ${dir}`);
  });

  it('a file that is not SQLite, left byte for byte as it was', async () => {
    const db = join(dir, 'chat.db');
    const bytes = Buffer.from('%PDF-1.7 não é um banco\n'.repeat(500));
    writeFileSync(db, bytes);
    expect(await refused(db)).toContain(`CHAT_DB: ${db} is not a SQLite database; it was left untouched`);
    expect(readFileSync(db).equals(bytes)).toBe(true);
    expect(readdirSync(dir)).toEqual(['chat.db']);
  });

  it('a database another chat server is using, which goes on undisturbed', async () => {
    const db = join(dir, 'chat.db');
    const first = await startTcpServer({ CHAT_DB: db });
    expect(await refused(db)).toContain(`CHAT_DB: ${db} is in use by another process`);
    const ana = await join_(first.port, 'ana');
    const bob = await join_(first.port, 'bob');
    ana.send('ainda funciona');
    await bob.expect('ana: ainda funciona');
    expect(await historyBodies(bob, 1)).toEqual(['ana: ainda funciona']);
    await first.stop();
  });
});

describe('a terminal user with real nc', () => {
  it('types /history and sees the exact lines', async () => {
    const server = await startTcpServer({ TZ: 'UTC' });
    const ana = await join_(server.port, 'ana');
    const nc = netcat(server.port);
    await nc.sees('Digite seu nome:\n');
    nc.type('bruno');
    await nc.sees('Bem-vindo, bruno!');
    nc.type('/history');
    await nc.sees('Nenhuma mensagem no histórico.\n');
    const before = Date.now();
    ana.send('oi, pessoal');
    await nc.sees('ana: oi, pessoal\n');
    nc.type('olá!');
    await ana.next((l) => l === 'bruno: olá!');
    const after = Date.now();
    nc.type('/history 5');
    await nc.sees('Fim do histórico.\n');
    const answer = nc.screen.slice(nc.screen.indexOf('Histórico (2):'));
    const stamps = new Set([stampIn(before, 'UTC'), stampIn(after, 'UTC')]);
    const lines = answer.split('\n');
    expect(lines[0]).toBe('Histórico (2):');
    expect([...stamps].map((s) => `[${s}] ana: oi, pessoal`)).toContain(lines[1]);
    expect([...stamps].map((s) => `[${s}] bruno: olá!`)).toContain(lines[2]);
    expect(lines[3]).toBe('Fim do histórico.');
    nc.type('/history 0');
    await nc.sees('Uso: /history [n], com n de 1 a 200.\n');
    nc.type('/quit');
    nc.hangUp();
    await nc.exited;
    await server.stop();
  });
});
