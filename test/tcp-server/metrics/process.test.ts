/**
 * `npm run tcp-server` with CHAT_METRICS_PORT, as a process: the endpoint
 * comes up before the chat, listens on loopback only, answers after real
 * clients chatted, and goes away with the process; a bad or busy port stops
 * the process with a message naming the variable.
 */
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { CHAT_METRICS_READY_RE, CHAT_READY_RE } from '../../../common/ready-lines.ts';
import { killAll, runScript, startTcpServer } from '../../helpers/processes.ts';
import { LineClient } from '../../helpers/line-client.ts';
import { freePort } from '../../helpers/redis-server.ts';
import { scrape } from '../../helpers/prometheus.ts';

afterAll(killAll);

/** Resolves with the connection's fate: 'connected' or its error code. */
async function tryConnect(host: string, port: number): Promise<string> {
  const socket = net.connect({ host, port });
  try {
    await once(socket, 'connect');
    return 'connected';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'error';
  } finally {
    socket.destroy();
  }
}

describe('tcp-server with CHAT_METRICS_PORT', () => {
  it('serves the metrics on 127.0.0.1 only, counting what real clients did, and stops with the process', async () => {
    const metricsPort = await freePort();
    const server = await startTcpServer({ CHAT_METRICS_PORT: String(metricsPort) });
    const [, url] = server.stdout.match(CHAT_METRICS_READY_RE)!;
    expect(url).toBe(`http://127.0.0.1:${metricsPort}/metrics`);
    // Up before the chat: its line comes first.
    expect(server.stdout.indexOf('Metrics:')).toBeLessThan(server.stdout.search(CHAT_READY_RE));

    const ana = await LineClient.join(server.port, 'ana');
    const bia = await LineClient.join(server.port, 'bia');
    ana.send('olá, bia');
    await bia.next((l) => l === 'ana: olá, bia');
    const { samples, types } = await scrape(url!);
    expect(samples.get('chat_members')).toBe(2);
    expect(samples.get('chat_connections_open')).toBe(2);
    expect(samples.get('chat_messages_total{kind="public"}')).toBe(1);
    expect(samples.get('chat_history_lines_written_total')).toBe(1);
    expect(samples.get('chat_connections_max')).toBe(10_000);
    // The process's own metrics too, under their standard names.
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');

    // Loopback's other addresses and IPv6 loopback reach nothing: it is bound to 127.0.0.1 alone.
    expect(await tryConnect('127.0.0.2', metricsPort)).toBe('ECONNREFUSED');
    expect(await tryConnect('::1', metricsPort)).toMatch(/^E/);
    expect(await tryConnect('127.0.0.1', metricsPort)).toBe('connected');

    // A scraper's kept-alive connection does not hold the shutdown back.
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) =>
      http.get(url!, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
    );
    const exit = server.stop('SIGTERM');
    expect((await ana.rest()).at(-1)).toBe('Servidor encerrando.');
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(server.stdout).toMatch(/Servidor encerrado\.\n$/);
    agent.destroy();
    expect(await tryConnect('127.0.0.1', metricsPort)).toBe('ECONNREFUSED');
    bia.close();
  });

  it.each(['abc', '70000', '-1', '80.5'])('refuses CHAT_METRICS_PORT=%s with exit code 2 naming the variable', async (value) => {
    const run = runScript('tcp-server/main.ts', { CHAT_PORT: '0', CHAT_DB: ':memory:', CHAT_METRICS_PORT: value });
    expect(await run.stop('SIGCONT')).toEqual({ code: 2, signal: null });
    expect(run.stderr).toContain(`CHAT_METRICS_PORT must be a whole number from 0 to 65535, got "${value}"`);
    expect(run.stdout).toBe('');
  });

  it('stops before letting any user in when the metrics port is in use, naming the variable', async () => {
    const busy = net.createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const port = (busy.address() as net.AddressInfo).port;
    try {
      const run = runScript('tcp-server/main.ts', { CHAT_PORT: '0', CHAT_DB: ':memory:', CHAT_METRICS_PORT: String(port) });
      expect(await run.stop('SIGCONT')).toEqual({ code: 1, signal: null });
      expect(run.stderr).toBe(
        `tcp-server: CHAT_METRICS_PORT: cannot serve metrics on 127.0.0.1:${port} (the port is in use; see CHAT_METRICS_HOST)\n`,
      );
      expect(run.stdout).not.toMatch(CHAT_READY_RE);
    } finally {
      busy.close();
    }
  });

  it('has no metrics endpoint unless asked (the default, and CHAT_METRICS_PORT=0)', async () => {
    for (const env of [{}, { CHAT_METRICS_PORT: '0' }] as Record<string, string>[]) {
      const server = await startTcpServer(env);
      expect(server.stdout).toBe(`Servidor rodando em 127.0.0.1:${server.port}...\n`);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
