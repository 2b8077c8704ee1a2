/**
 * `npm run tcp-server` as a process: console output, signals, configuration.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, runScript, startTcpServer } from '../helpers/processes.ts';
import { LineClient } from '../helpers/line-client.ts';

afterAll(killAll);

describe('tcp-server process', () => {
  it('prints the original console lines for start, joins and leaves', async () => {
    const server = await startTcpServer();
    expect(server.stdout).toBe(`Servidor rodando em 127.0.0.1:${server.port}...\n`);
    const bob = await LineClient.join(server.port, 'bob');
    await server.waitForOutput(/bob entrou no chat!\n/);
    bob.close();
    await server.waitForOutput(/bob desconectado\.\n/);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('on %s tells every client, closes them and exits 0', async (signal) => {
    const server = await startTcpServer();
    const bob = await LineClient.join(server.port, 'bob');
    const anon = await LineClient.connect(server.port);
    await anon.expect('Digite seu nome:');
    const exit = server.stop(signal);
    expect(await bob.rest()).toEqual(['Servidor encerrando.']);
    expect(await anon.rest()).toEqual(['Servidor encerrando.']);
    expect(await exit).toEqual({ code: 0, signal: null });
  });

  it('refuses a bad setting with a message naming the variable', async () => {
    const run = runScript('tcp-server/main.ts', { CHAT_PORT: '0', CHAT_RATE: 'fast' });
    expect(await run.stop('SIGCONT')).toEqual({ code: 2, signal: null });
    expect(run.stderr).toContain('CHAT_RATE must be a whole number');
  });

  it('applies limits from the environment', async () => {
    const server = await startTcpServer({ CHAT_MAX_LINE: '10' });
    const bob = await LineClient.join(server.port, 'bob');
    bob.send('12345678901');
    await bob.expect('Mensagem muito longa (máximo 10 bytes).');
    bob.close();
    await server.stop();
  });
});
