/**
 * The gateway as a process (`npm run gateway`): its signals and its start.
 * The launcher (`npm start`) is tested in test/scripts/start.test.ts.
 */
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

  it('exits with code 2 and a message naming the variable on a bad setting', async () => {
    const run = runScript('gateway/main.ts', { ALLOWED_HOSTS: 'http://chat.example', HTTP_PORT: '0' });
    const [code] = await once(run.proc, 'exit');
    expect(code).toBe(2);
    expect(run.stderr).toContain('gateway: ALLOWED_HOSTS: "http://chat.example" is not a host name');
  });
});
