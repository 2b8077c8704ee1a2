/**
 * GATEWAY_WORKERS=2: real gateway processes (a primary and two workers)
 * sharing one HTTP port, in front of two real chat servers and a dead port.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.ts';
import { type GatewayProcess, killAll, startGateway } from '../helpers/processes.ts';
import { WsClient } from '../helpers/ws-client.ts';
import { deadPort, onCleanup, scrapeMetrics, startChat } from './fixture.ts';

afterAll(killAll);

/** The pids of the workers that logged `msg` so far (pino lines: one JSON object each). */
function pidsLogging(gateway: GatewayProcess, msg: string): number[] {
  const pids = gateway.stdout
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => (JSON.parse(l) as { pid: number }).pid);
  return [...new Set(pids)].sort();
}

/** The workers the primary says it started, in order. */
function startedWorkers(gateway: GatewayProcess): number[] {
  return gateway.stdout
    .split('\n')
    .filter((l) => l.includes('"msg":"worker started"'))
    .map((l) => (JSON.parse(l) as { worker: number }).worker);
}

async function twoWorkers(extraEnv: Record<string, string> = {}) {
  const dead = await deadPort();
  const one = await startChat();
  const two = await startChat();
  const gateway = await startGateway({
    chatPort: one.port,
    env: {
      GATEWAY_WORKERS: '2',
      CHAT_SERVERS: [dead, one.port, two.port].map((p) => `127.0.0.1:${p}`).join(','),
      UPSTREAM_COOLDOWN_MS: '60000',
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
  });
  onCleanup(() => gateway.stop());
  const join = async (name: string) => {
    const c = await WsClient.join(gateway.wsUrl, gateway.url, name);
    onCleanup(() => c.close());
    return c;
  };
  return { gateway, dead, one, two, join };
}

/** How many users the chat server at `port` has, as a newcomer's welcome says (the newcomer left out). */
async function usersOn(port: number): Promise<number> {
  const c = await LineClient.join(port, 'contador');
  const welcome = c.lines.find((l) => l.startsWith('Bem-vindo, '))!;
  c.close();
  return Number(/Online \((\d+)\)/.exec(welcome)![1]) - 1;
}

describe('GATEWAY_WORKERS=2', () => {
  it('serves browsers from two worker processes, spread over the live chat servers, summed in /metrics', async () => {
    const { gateway, dead, one, two, join } = await twoWorkers();
    const workers = startedWorkers(gateway);
    expect(workers).toHaveLength(2);
    expect(workers).not.toContain(gateway.proc.pid);
    // Unnamed nodes: a resume cannot be routed to them. Said once, by the primary, not by each worker.
    const unnamed = gateway.stdout.split('\n').filter((l) => l.includes('have no name'));
    expect(unnamed.map((l) => (JSON.parse(l) as { role?: string; level: number }).role)).toEqual(['primary']);

    const N = 20;
    const browsers = await Promise.all(Array.from({ length: N }, (_, i) => join(`u${i}`)));
    // Both workers took browsers (each logs the sockets it opens).
    expect(pidsLogging(gateway, 'websocket opened')).toEqual([...workers].sort());
    // Each worker spreads its own by least connections: the two nodes differ by at most one per worker.
    const counts = [await usersOn(one.port), await usersOn(two.port)];
    expect(counts[0]! + counts[1]!).toBe(N);
    expect(Math.abs(counts[0]! - counts[1]!)).toBeLessThanOrEqual(2);

    // Each browser says something; /metrics sums both workers exactly. A
    // terminal user on each node sees the lines arrive, so every one was counted.
    const terms = [await LineClient.join(one.port, 'term1'), await LineClient.join(two.port, 'term2')];
    onCleanup(() => terms.forEach((t) => t.close()));
    for (const [i, b] of browsers.entries()) b.send(`linha ${i}`);
    const sentBytes = browsers.reduce((sum, _, i) => sum + Buffer.byteLength(`linha ${i}`), 0);
    // Each terminal gets its prompt, its welcome, then one line from each browser on its node.
    await terms[0]!.waitForCount(2 + counts[0]!);
    await terms[1]!.waitForCount(2 + counts[1]!);
    const heard = [...terms[0]!.lines.slice(2), ...terms[1]!.lines.slice(2)].sort();
    expect(heard).toEqual(browsers.map((_, i) => `u${i}: linha ${i}`).sort());
    const m = await scrapeMetrics(gateway.url);
    expect(m.get('gateway_sockets_open')).toBe(N);
    expect(m.get('gateway_sockets_opened_total')).toBe(N);
    expect(m.get('gateway_frames_received_total')).toBe(N * 2); // a name and a line each
    const names = browsers.reduce((sum, _, i) => sum + Buffer.byteLength(`u${i}`), 0);
    expect(m.get('gateway_received_bytes_total')).toBe(names + sentBytes);
    expect(m.get(`gateway_upstream_connections{node="127.0.0.1:${one.port}"}`)).toBe(counts[0]);
    expect(m.get(`gateway_upstream_connections{node="127.0.0.1:${two.port}"}`)).toBe(counts[1]);
    // The dead node: each worker tried it (the sockets dialing at once before its first
    // refusal came back each take it in turn), and it holds nobody.
    expect(m.get(`gateway_upstream_connect_failures_total{node="127.0.0.1:${dead}",reason="error"}`)).toBeGreaterThanOrEqual(2);
    expect(m.get(`gateway_upstream_connections{node="127.0.0.1:${dead}"}`)).toBe(0);
  });

  it('answers /healthz with every node, from the primary’s probes', async () => {
    const { gateway, dead, one, two } = await twoWorkers();
    const res = await fetch(`${gateway.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      upstream: 'up',
      gateway: 'ok',
      nodes: [
        { node: `127.0.0.1:${dead}`, state: 'down' },
        { node: `127.0.0.1:${one.port}`, state: 'up' },
        { node: `127.0.0.1:${two.port}`, state: 'up' },
      ],
    });
  });

  it('starts another worker when one is killed, and the chat goes on', async () => {
    const { gateway, join } = await twoWorkers();
    const [victim, survivor] = startedWorkers(gateway);
    const browsers: WsClient[] = [];
    for (let i = 0; i < 6; i++) browsers.push(await join(`u${i}`)); // one by one: the workers take turns
    process.kill(victim!, 'SIGKILL');
    await gateway.waitForOutput(/"msg":"worker stopped; starting another"/);
    await gateway.waitForOutput(/(?:"msg":"worker listening"[^]*){3}/);
    const replacement = startedWorkers(gateway)[2]!;
    expect([victim, survivor]).not.toContain(replacement);

    // Each browser either lost its socket with its worker (1006, no close frame) or still chats.
    const outcomes = await Promise.all(
      browsers.map(async (b) => {
        b.send('/users');
        const answered = b.next((f) => f.startsWith('Online')).then(
          () => 'chats',
          () => 'closed', // closed before answering: the race below says how
        );
        const closed = b.closed.then((c) => String(c.code));
        return (await Promise.race([answered, closed])) === 'chats' ? 'chats' : closed;
      }),
    );
    expect(outcomes.filter((o) => o === '1006').length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 'chats').length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o !== 'chats' && o !== '1006')).toEqual([]);

    // New browsers are served by the survivor and the replacement.
    const mark = gateway.stdout.length;
    for (let i = 0; i < 4; i++) await join(`novo${i}`);
    const servedBy = gateway.stdout
      .slice(mark)
      .split('\n')
      .filter((l) => l.includes('"msg":"websocket opened"'))
      .map((l) => (JSON.parse(l) as { pid: number }).pid);
    expect([...new Set(servedBy)].sort()).toEqual([survivor, replacement].sort());
    expect(gateway.proc.exitCode).toBeNull();
  });

  it('on SIGTERM, each worker relays the chat server’s farewell before closing, and the primary exits 0', async () => {
    // The chat server stops at the same moment, as with Ctrl-C: every browser gets its farewell.
    const { gateway, one, two, join } = await twoWorkers({ SHUTDOWN_RELAY_MS: '10000' });
    const browsers = await Promise.all(Array.from({ length: 8 }, (_, i) => join(`u${i}`)));
    expect(pidsLogging(gateway, 'websocket opened')).toHaveLength(2);
    const exit = gateway.stop('SIGTERM');
    await gateway.waitForOutput(/"role":"primary"[^\n]*"msg":"shutting down"/);
    await Promise.all([one.chat.close(), two.chat.close()]);
    for (const b of browsers) {
      expect(await b.closed).toEqual({ code: 1000, reason: 'chat server closed the connection' });
      expect(b.frames.at(-1)).toBe('Servidor encerrando.');
    }
    expect(await exit).toEqual({ code: 0, signal: null });
  });
});
