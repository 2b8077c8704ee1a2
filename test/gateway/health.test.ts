/**
 * GET /healthz: the chat server's state (up, full, down) and the gateway's
 * own room, at a bounded cost to the chat server however often it is asked.
 */
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { Health } from '../../gateway/health.ts';
import { SERVER_FULL_LINE } from '../../protocol/index.ts';
import { LineClient } from '../helpers/line-client.ts';
import { killAll, startGateway, startTcpServer } from '../helpers/processes.ts';
import { onCleanup, startChat, startGatewayApp, startStack } from './fixture.ts';

afterAll(killAll);

/**
 * A real TCP relay in front of the chat server that counts the connections
 * made through it: total, and the most open at once.
 */
async function countingRelay(targetPort: number) {
  const stats = { total: 0, open: 0, maxOpen: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    stats.total++;
    stats.maxOpen = Math.max(stats.maxOpen, ++stats.open);
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) sockets.add(s);
    client.pipe(upstream).pipe(client);
    const done = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) s.on('error', done).on('close', done);
    client.once('close', () => stats.open--);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, stats };
}

/**
 * A newcomer joins as a page would: when the chat server answers that it is
 * full, try again after a short pause. Returns how many retries it took.
 */
async function joinRetrying(port: number, name: string, maxRetries: number): Promise<{ client: LineClient; retries: number }> {
  for (let retries = 0; ; retries++) {
    const client = await LineClient.connect(port);
    const first = await client.next();
    if (first === 'Digite seu nome:') {
      client.send(name);
      await client.next((l) => l.startsWith('Bem-vindo, '));
      return { client, retries };
    }
    expect(first).toBe(SERVER_FULL_LINE);
    client.close();
    if (retries === maxRetries) throw new Error(`${name} was refused ${retries + 1} times`);
    await sleep(500); // the page's first retry comes after up to 500 ms too (web/lib/backoff.ts)
  }
}

describe('/healthz', () => {
  it('is 200 when the chat server accepts connections', async () => {
    const s = await startStack();
    const res = await s.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    const node = `127.0.0.1:${s.chatPort}`;
    expect(res.json()).toEqual({ status: 'ok', upstream: 'up', gateway: 'ok', nodes: [{ node, state: 'up' }] });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('is 503 when it does not', async () => {
    const s = await startStack();
    await s.chat.close();
    const res = await s.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(503);
    const node = `127.0.0.1:${s.chatPort}`;
    expect(res.json()).toEqual({ status: 'unavailable', upstream: 'down', gateway: 'ok', nodes: [{ node, state: 'down' }] });
  });

  it('is 503 with "upstream": "full" when the chat server answers that it is full', async () => {
    const s = await startStack({ maxClients: 1 });
    await s.joinTcp('ana');
    const res = await s.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(503);
    const node = `127.0.0.1:${s.chatPort}`;
    expect(res.json()).toEqual({ status: 'unavailable', upstream: 'full', gateway: 'ok', nodes: [{ node, state: 'full' }] });
  });

  it('is "down" when something that is not the chat server answers at its address', async () => {
    const impostor = net.createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    impostor.listen(0, '127.0.0.1');
    await once(impostor, 'listening');
    onCleanup(() => impostor.close());
    const g = await startGatewayApp((impostor.address() as AddressInfo).port);
    const res = await g.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ upstream: 'down' });
  });

  /** 1,000 GET /healthz, 50 at a time; resolves with how often each answer came (the node list left out). */
  async function hammer(origin: string): Promise<Map<string, number>> {
    const answers = new Map<string, number>();
    const worker = async () => {
      for (let i = 0; i < 20; i++) {
        const res = await fetch(`${origin}/healthz`);
        const { status, upstream, gateway } = (await res.json()) as Health;
        const key = `${res.status} ${JSON.stringify({ status, upstream, gateway })}`;
        answers.set(key, (answers.get(key) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    return answers;
  }
  const UP = '200 {"status":"ok","upstream":"up","gateway":"ok"}';
  const FULL = '503 {"status":"unavailable","upstream":"full","gateway":"ok"}';

  it('costs the chat server one connection at a time and one per HEALTH_CACHE_MS, however hard it is asked', async () => {
    // The gateway reaches the chat server through a relay that counts its connections.
    const { port } = await startChat();
    const relay = await countingRelay(port);
    const g = await startGatewayApp(relay.port, { healthCacheMs: 1000 });
    const started = performance.now();
    const answers = await hammer(g.origin);
    const seconds = (performance.now() - started) / 1000;
    expect([...answers]).toEqual([[UP, 1000]]);
    expect(relay.stats.maxOpen).toBe(1);
    expect(relay.stats.total).toBeGreaterThanOrEqual(1);
    expect(relay.stats.total).toBeLessThanOrEqual(Math.floor(seconds) + 1);
  });

  it('keeps that bound with GATEWAY_WORKERS=2: the primary probes for both workers', async () => {
    const { port } = await startChat();
    const relay = await countingRelay(port);
    const gateway = await startGateway({
      chatPort: relay.port,
      env: { GATEWAY_WORKERS: '2', HEALTH_CACHE_MS: '1000' },
    });
    onCleanup(() => gateway.stop());
    const started = performance.now();
    const answers = await hammer(gateway.url);
    const seconds = (performance.now() - started) / 1000;
    expect([...answers]).toEqual([[UP, 1000]]);
    // The requests came on up to 50 connections, spread over both workers;
    // the chat server still saw one probe at a time, one per second.
    expect(relay.stats.maxOpen).toBe(1);
    expect(relay.stats.total).toBeLessThanOrEqual(Math.floor(seconds) + 1);
  });

  it('lets newcomers join while it is hammered with 19 of CHAT_MAX_CLIENTS=20 online (at worst one retry)', async () => {
    // Real processes, as deployed: the probe's slot is held only as long as
    // the gateway's own event loop takes to read a line and hang up.
    const chat = await startTcpServer({ CHAT_MAX_CLIENTS: '20' });
    const gateway = await startGateway({ chatPort: chat.port });
    onCleanup(async () => {
      await gateway.stop();
      await chat.stop();
    });
    const members: LineClient[] = [];
    for (let i = 0; i < 19; i++) members.push(await LineClient.join(chat.port, `membro${i}`));
    onCleanup(() => members.forEach((m) => m.close()));
    const watcher = members[0]!;

    let hammering = true;
    const answered = hammer(gateway.url).finally(() => (hammering = false));
    // Meanwhile newcomers come and go through the one free slot.
    const retries: number[] = [];
    try {
      while (hammering) {
        const name = `novo${retries.length}`;
        const { client, retries: r } = await joinRetrying(chat.port, name, 1);
        retries.push(r);
        client.close();
        await watcher.next((l) => l === `${name} saiu do chat.`);
      }
    } finally {
      await answered.catch(() => {}); // nothing left running when the servers stop
    }
    const answers = await answered;

    expect([...answers.values()].reduce((a, b) => a + b, 0)).toBe(1000);
    for (const answer of answers.keys()) expect([UP, FULL]).toContain(answer);
    expect(retries.length).toBeGreaterThan(0);
    expect(Math.max(...retries)).toBeLessThanOrEqual(1);
  });
});
