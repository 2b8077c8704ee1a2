/**
 * The chat server's /metrics after real terminal clients did things, over
 * real TCP sockets and a real HTTP scrape (in process: the server, its
 * SQLite history and the metrics endpoint on ephemeral loopback ports).
 * Every counter moves by what the users did, exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { ChatServer, type ChatServerOptions } from '../../../tcp-server/chat-server.ts';
import { SqliteHistoryStore } from '../../../tcp-server/history/sqlite-history-store.ts';
import { chatMetricsRegistry } from '../../../tcp-server/metrics/chat-metrics.ts';
import { MetricsEndpoint } from '../../../tcp-server/metrics/metrics-endpoint.ts';
import { LineClient, talkUntilLeave } from '../../helpers/line-client.ts';
import { scrape } from '../../helpers/prometheus.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(options: ChatServerOptions = {}, history = SqliteHistoryStore.open(':memory:', { max: 10_000 })) {
  const server = new ChatServer({ host: '127.0.0.1', port: 0, history, ...options });
  const { port } = await server.listen();
  cleanups.push(() => server.close());
  const registry = chatMetricsRegistry({ ...server.metricsSources(), history });
  const endpoint = await MetricsEndpoint.start(registry, { host: '127.0.0.1', port: 0 });
  cleanups.push(() => endpoint.close());
  const url = `http://127.0.0.1:${endpoint.address.port}/metrics`;
  const clients: LineClient[] = [];
  const track = (c: LineClient) => {
    clients.push(c);
    cleanups.push(() => c.close());
    return c;
  };
  return {
    server,
    url,
    clients,
    history,
    metrics: async () => (await scrape(url)).samples,
    connect: async () => track(await LineClient.connect(port)),
    join: async (name: string) => track(await LineClient.join(port, name)),
  };
}

/** A round trip: every line the server sent `c` before this answer has arrived. */
async function sync(c: LineClient): Promise<void> {
  c.send('/users');
  await c.next((l) => l.startsWith('Online ('));
}

/** Bytes a client received: its lines and their LFs. */
const received = (clients: readonly LineClient[]) =>
  clients.reduce((sum, c) => sum + c.lines.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0), 0);

describe('chat server /metrics', () => {
  it('counts connections, members, lines, messages, deliveries and bytes as three users chat', async () => {
    const s = await start({ rate: 10_000, burst: 10_000 });
    let m = await s.metrics();
    expect(m.get('chat_connections_open')).toBe(0);
    expect(m.get('chat_members')).toBe(0);
    expect(m.get('chat_sent_bytes_total')).toBe(0);

    const ana = await s.join('ana');
    const bia = await s.join('bia');
    const caio = await s.join('caio');
    ana.send('oi');
    ana.send('tudo bem? ação 🙂');
    bia.send('@caio segredo');
    await caio.next((l) => l === '[privado] bia: segredo');
    await bia.next((l) => l === 'ana: tudo bem? ação 🙂');
    for (const c of [ana, bia, caio]) await sync(c);

    m = await s.metrics();
    expect(m.get('chat_connections_open')).toBe(3);
    expect(m.get('chat_connections_opened_total')).toBe(3);
    expect(m.get('chat_members')).toBe(3);
    // Three names, three lines, three /users.
    expect(m.get('chat_lines_received_total')).toBe(9);
    expect(m.get('chat_messages_total{kind="public"}')).toBe(2);
    expect(m.get('chat_messages_total{kind="private"}')).toBe(1);
    // Joins: bia's to ana, caio's to ana and bia (3); two public lines to two others (4); one private line (1).
    expect(m.get('chat_deliveries_total')).toBe(8);
    // Every byte the server wrote, each client received (the prompt, welcomes, answers included).
    expect(m.get('chat_sent_bytes_total')).toBe(received(s.clients));
    expect(m.get('chat_history_lines_written_total')).toBe(2);

    bia.send('/quit');
    await ana.next((l) => l === 'bia saiu do chat.');
    await caio.next((l) => l === 'bia saiu do chat.');
    await bia.closed;
    for (const c of [ana, caio]) await sync(c);
    m = await s.metrics();
    expect(m.get('chat_connections_open')).toBe(2);
    expect(m.get('chat_members')).toBe(2);
    expect(m.get('chat_deliveries_total')).toBe(8 + 2);
    expect(m.get('chat_lines_received_total')).toBe(9 + 1 + 2);
    expect(m.get('chat_sent_bytes_total')).toBe(received(s.clients));
  });

  it('counts refusals and cut-offs by reason', async () => {
    const s = await start({ maxClients: 3, maxLine: 2000, nameTimeoutMs: 300, sendQueue: 64 * 1024, rate: 100_000, burst: 100_000 });
    const ana = await s.join('ana');
    const bad = await s.connect();
    await bad.expect('Digite seu nome:');
    bad.send('ANA'); // a case variant of a name in use
    await bad.next((l) => l.startsWith('Nome já em uso'));
    bad.send('a b c/d');
    await bad.next((l) => l.startsWith('Nome inválido'));
    ana.send('x'.repeat(2001));
    await ana.next((l) => l.startsWith('Mensagem muito longa'));
    // `bad` never gives a valid name: it is let go after the timeout.
    expect((await bad.rest()).at(-1)).toBe('Tempo para informar o nome esgotado.');

    const sleeper = await s.join('sleeper');
    sleeper.socket.pause(); // never reads again
    const talker = await s.join('talker');
    // ana, sleeper and talker are open: a fourth is refused.
    const fourth = await s.connect();
    expect(await fourth.rest()).toEqual(['Servidor cheio, tente mais tarde.']);
    expect(await talkUntilLeave(talker, ana, 'sleeper')).toBe(true);

    const m = await s.metrics();
    expect(m.get('chat_refusals_total{reason="name_taken"}')).toBe(1);
    expect(m.get('chat_refusals_total{reason="name_invalid"}')).toBe(1);
    expect(m.get('chat_refusals_total{reason="line_too_long"}')).toBe(1);
    expect(m.get('chat_refusals_total{reason="server_full"}')).toBe(1);
    expect(m.get('chat_cutoffs_total{reason="name_timeout"}')).toBe(1);
    expect(m.get('chat_cutoffs_total{reason="slow_reader"}')).toBe(1);
    // Only a cluster node loses names or has a Redis buffer; the series are there, at 0.
    expect(m.get('chat_cutoffs_total{reason="name_lost"}')).toBe(0);
    expect(m.get('chat_refusals_total{reason="name_unavailable"}')).toBe(0);
    expect(m.get('chat_refusals_total{reason="redis_buffer_full"}')).toBe(0);
    expect(m.get('chat_connections_opened_total')).toBe(5);
    expect(m.get('chat_members')).toBe(2);
  });

  it('shows a flooding client as throttled while its lines wait, and counts each pause', async () => {
    const s = await start({ rate: 1, burst: 2 }); // the name takes one token, l1 the other
    const listener = await s.join('ouvinte');
    const flooder = await s.join('apressado');
    await listener.next((l) => l === 'apressado entrou no chat!');
    flooder.write('l1\nl2\nl3\n');
    await listener.next((l) => l === 'apressado: l1');
    let m = await s.metrics();
    expect(m.get('chat_clients_throttled')).toBe(1); // l2 waits for its token (1 s)
    expect(m.get('chat_throttles_total')).toBe(1);
    await listener.next((l) => l === 'apressado: l3');
    m = await s.metrics();
    expect(m.get('chat_clients_throttled')).toBe(0);
    expect(m.get('chat_throttles_total')).toBe(2); // l2 waited, then l3
  });

  it('counts history writes, and the failed ones with their lines (a real SQLITE_FULL)', async () => {
    const dir = mkdtempSync(joinPath(tmpdir(), 'chat-metrics-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = SqliteHistoryStore.open(joinPath(dir, 'chat.db'), { max: 10_000 });
    const s = await start({ rate: 10_000, burst: 10_000 }, store);
    const ana = await s.join('ana');
    const bob = await s.join('bob');
    ana.send('antes');
    await bob.next((l) => l === 'ana: antes');
    store.database.pragma(`max_page_count = ${store.database.pragma('page_count', { simple: true })}`);
    const full = Array.from({ length: 30 }, (_, i) => `cheio-${i}-${'x'.repeat(1500)}`);
    for (const t of full) ana.send(t);
    await bob.next((l) => l === `ana: ${full.at(-1)}`);
    let m = await s.metrics();
    expect(m.get('chat_history_write_failures_total')).toBeGreaterThanOrEqual(1);
    const lost = m.get('chat_history_lines_lost_total')!;
    expect(lost).toBeGreaterThanOrEqual(1);
    // Each line was either stored or lost, never both, never neither.
    expect(m.get('chat_history_lines_written_total')! + lost).toBe(1 + full.length);
    const written = m.get('chat_history_lines_written_total')!;
    store.database.pragma('max_page_count = 1000000');
    ana.send('depois');
    await bob.next((l) => l === 'ana: depois');
    m = await s.metrics();
    expect(m.get('chat_history_lines_written_total')).toBe(written + 1);
    expect(m.get('chat_history_lines_lost_total')).toBe(lost);
  });

  it('counts session resumes by result, and keeps a member whose connection dropped in the room', async () => {
    const s = await start();
    const bia = await s.join('bia');
    const ana = await s.connect();
    await ana.expect('Digite seu nome:');
    ana.send('/ext resume');
    await ana.expect('+ext resume');
    ana.send('ana');
    const token = (await ana.next()).slice('+session '.length);
    await ana.next((l) => l.startsWith('Bem-vindo, ana!'));
    await bia.next((l) => l === 'ana entrou no chat!');
    ana.close(); // the connection drops: the session waits for a resume
    await ana.closed;

    const resumeWith = async (line: string) => {
      const c = await s.connect();
      await c.expect('Digite seu nome:');
      c.send('/ext resume');
      await c.expect('+ext resume');
      c.send(line);
      return c.next();
    };
    bia.send('ana, cadê você?'); // kept for ana's resume
    await sync(bia);
    expect(await resumeWith('/resume AAAAAAAAAAAAAAAAAAAAAA 0')).toBe('+resume-failed unknown');
    let m = await s.metrics();
    expect(m.get('chat_members')).toBe(2); // ana is away, not gone
    // Only ana opted in to resume; her session waits, holding bia's line.
    expect(m.get('chat_sessions')).toBe(1);
    expect(m.get('chat_sessions_detached')).toBe(1);
    expect(m.get('chat_sessions_held_bytes')).toBeGreaterThanOrEqual(Buffer.byteLength('bia: ana, cadê você?\n'));
    const resumed = await resumeWith(`/resume ${token} 1`);
    expect(resumed).toBe('+resumed ana 2');
    m = await s.metrics();
    expect(m.get('chat_sessions')).toBe(1);
    expect(m.get('chat_sessions_detached')).toBe(0);
    expect(m.get('chat_resumes_total{result="resumed"}')).toBe(1);
    expect(m.get('chat_resumes_total{result="unknown"}')).toBe(1);
    expect(m.get('chat_resumes_total{result="gap"}')).toBe(0);
    expect(m.get('chat_members')).toBe(2);
    // bia, ana's new connection, and the one whose resume failed (back at the prompt).
    expect(m.get('chat_connections_open')).toBe(3);
  });

  it('names every metric with the chat_ prefix and every counter with _total, in base units', async () => {
    const s = await start();
    const { types } = await scrape(s.url);
    expect(types.size).toBeGreaterThan(10);
    for (const [name, type] of types) {
      expect(name).toMatch(/^chat_[a-z_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      // Base units only: bytes and seconds, never kilobytes or milliseconds.
      expect(name).not.toMatch(/_(ms|milliseconds|kb|kilobytes|mb|megabytes)(_|$)/);
    }
  });

  it('answers only GET /metrics', async () => {
    const s = await start();
    expect((await fetch(s.url.replace('/metrics', '/'))).status).toBe(404);
    expect((await fetch(s.url, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${s.url}?x=1`)).status).toBe(200);
  });
});
