/**
 * The gateway as a process (`npm run gateway`): its signals and its start.
 * The launcher (`npm start`) is tested in test/scripts/start.test.ts.
 */
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.ts';
import { killAll, runScript, startGateway, startTcpServer } from '../helpers/processes.ts';
import { WsClient } from '../helpers/ws-client.ts';

afterAll(killAll);

describe('npm run gateway', () => {
  it('on SIGTERM, with its chat server still running, relays for SHUTDOWN_RELAY_MS, then closes every socket with 1001 and exits 0', async () => {
    const chat = await startTcpServer();
    const gateway = await startGateway({ chatPort: chat.port, env: { LOG_LEVEL: 'info' } });
    const web = await WsClient.join(gateway.wsUrl, gateway.url, 'ana');
    const term = await LineClient.join(chat.port, 'bruno');
    await web.next((f) => f === 'bruno entrou no chat!');
    const exit = gateway.stop('SIGTERM');
    await gateway.waitForOutput(/"msg":"shutting down"/);
    // Told to stop, it still relays what the chat server sends…
    term.send('ainda aí?');
    expect(await web.next()).toBe('bruno: ainda aí?');
    // …until SHUTDOWN_RELAY_MS has passed with the upstream still open.
    expect(await web.closed).toEqual({ code: 1001, reason: 'gateway shutting down' });
    term.close();
    expect(await exit).toEqual({ code: 0, signal: null });
    await chat.stop();
  });

  it('warns once at start when several chat servers are listed and some have no name (a resume cannot be routed there)', async () => {
    const gateway = await startGateway({ chatPort: 1, env: { CHAT_SERVERS: 'node-1=127.0.0.1:1,127.0.0.1:2', LOG_LEVEL: 'warn' } });
    const warning = await gateway.waitForOutput(/^.*have no name.*$|^.*has no name.*$/m);
    expect(JSON.parse(warning[0])).toMatchObject({
      level: 40,
      msg: expect.stringMatching(/^CHAT_SERVERS: 127\.0\.0\.1:2 has no name \(name=host:port, the node's CHAT_NODE_NAME\)/),
    });
    await gateway.stop();
    expect(gateway.stdout.match(/has no name/g)).toHaveLength(1);
  });

  it('with GATEWAY_WORKERS=2, exits 1 when its workers cannot listen (a busy port), leaving no worker behind', async () => {
    const busy = net.createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    try {
      const run = runScript('gateway/main.ts', {
        GATEWAY_WORKERS: '2',
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String((busy.address() as net.AddressInfo).port),
        LOG_LEVEL: 'info',
      });
      const [code] = await once(run.proc, 'exit');
      expect(code).toBe(1);
      expect(run.stdout).toMatch(/"msg":"a worker could not start; stopping"/);
      const workers = [...run.stdout.matchAll(/"worker":(\d+),"msg":"worker started"/g)].map((m) => Number(m[1]));
      expect(workers).toHaveLength(2);
      for (const pid of workers) expect(() => process.kill(pid, 0)).toThrow(); // gone
    } finally {
      busy.close();
    }
  });

  it.each([
    ['ALLOWED_HOSTS', 'http://chat.example', 'gateway: ALLOWED_HOSTS: "http://chat.example" is not a host name'],
    ['GATEWAY_WORKERS', '0', 'gateway: GATEWAY_WORKERS must be a whole number from 1 to 256, got "0"'],
    ['CHAT_SERVERS', '127.0.0.1', 'gateway: CHAT_SERVERS: "127.0.0.1" is not host:port'],
  ])('exits with code 2 and a message naming the variable on a bad %s', async (name, value, message) => {
    const run = runScript('gateway/main.ts', { [name]: value, HTTP_PORT: '0' });
    const [code] = await once(run.proc, 'exit');
    expect(code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});
