/**
 * The gateway as a process (`npm run gateway`) and the whole product as
 * `npm start` launches it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, REPO, startGateway, startTcpServer } from '../helpers/processes.ts';
import { CHAT_READY_RE, GATEWAY_READY_RE } from '../../common/ready-lines.ts';
import { LineClient } from '../helpers/line-client.ts';
import { WsClient } from '../helpers/ws-client.ts';

afterAll(killAll);

describe('npm run gateway', () => {
  it('on SIGTERM closes every socket with 1001 and exits 0', async () => {
    const chat = await startTcpServer();
    const gateway = await startGateway({ chatPort: chat.port });
    const web = await WsClient.join(gateway.wsUrl, gateway.url, 'ana');
    const exit = gateway.stop('SIGTERM');
    expect(await web.closed).toEqual({ code: 1001, reason: 'gateway shutting down' });
    expect(await exit).toEqual({ code: 0, signal: null });
    await chat.stop();
  });
});

describe('npm start', () => {
  it('runs both processes, serves the page, survives a gateway crash and stops on SIGTERM', async () => {
    const proc = spawn('npm', ['start'], {
      cwd: REPO,
      // The build already ran (npm test builds first); rebuilding here would
      // rewrite dist/ under the other tests' feet.
      // History in memory: data/chat.db belongs to whoever runs `npm start` here (one server per file).
      env: { ...process.env, SKIP_BUILD: '1', CHAT_PORT: '0', HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', CHAT_DB: ':memory:' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const waiters: Array<() => void> = [];
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      waiters.splice(0).forEach((w) => w());
    });
    proc.stderr!.resume();
    const exited = once(proc, 'exit');
    const waitFor = async (re: RegExp, from = 0) => {
      for (;;) {
        const m = re.exec(out.slice(from));
        if (m) return m;
        if (proc.exitCode !== null) throw new Error(`npm start exited:\n${out}`);
        await new Promise<void>((r) => waiters.push(r));
      }
    };
    try {
      const [, , chatPort] = (await waitFor(CHAT_READY_RE))!;
      const [, url] = (await waitFor(GATEWAY_READY_RE))!;
      const [, gatewayPid] = (await waitFor(/"pid":(\d+)[^\n]*Server listening/))!;

      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<!doctype html>');

      const ana = await LineClient.join(Number(chatPort), 'ana');
      const bia = await LineClient.join(Number(chatPort), 'bia');
      const mark = out.length;
      process.kill(Number(gatewayPid), 'SIGKILL');
      ana.send('o gateway caiu, e nós?');
      expect(await bia.next((l) => l.startsWith('ana:'))).toBe('ana: o gateway caiu, e nós?');
      // …and the launcher brings the gateway back.
      const [, newUrl] = (await waitFor(GATEWAY_READY_RE, mark))!;
      expect((await fetch(newUrl!)).status).toBe(200);

      process.kill(-proc.pid!, 'SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
      expect(await ana.rest()).toContain('Servidor encerrando.');
    } finally {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
});
