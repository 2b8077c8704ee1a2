/**
 * The launcher (`npm start`, scripts/start.ts) with real processes and real
 * signals: it keeps the chat up through a gateway crash, and on a stop every
 * browser gets the chat server's farewell before its socket closes, whether
 * the signal reaches the launcher alone (a service manager) or the whole
 * process group (Ctrl-C in a terminal).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CHAT_READY_RE, GATEWAY_READY_RE } from '../../common/ready-lines.ts';
import { LineClient } from '../helpers/line-client.ts';
import { killAll, REPO, runScript } from '../helpers/processes.ts';
import { WsClient } from '../helpers/ws-client.ts';

afterAll(killAll);

/**
 * The command lines of the processes still in the group `pgid` (Linux
 * /proc). esbuild helpers that tsx started end on their own once their
 * parent has gone, so only the product's own processes are asked about.
 */
function groupCommands(pgid: number): string[] {
  const commands: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 5 of stat is the process group; the name before it may hold spaces, hence after ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === pgid) commands.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      // gone meanwhile
    }
  }
  return commands;
}

/** The launcher as `npm start` runs it (the page already built), in its own process group. */
async function startLauncher(env: Record<string, string> = {}) {
  const run = runScript('scripts/start.ts', { CHAT_PORT: '0', HTTP_PORT: '0', HTTP_HOST: '127.0.0.1', CHAT_DB: ':memory:', ...env });
  const exited = once(run.proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const [, , chatPort] = await run.waitForOutput(CHAT_READY_RE);
  const [, url] = await run.waitForOutput(GATEWAY_READY_RE);
  return { run, pid: run.proc.pid!, chatPort: Number(chatPort), url: url!, wsUrl: `${url!.replace('http', 'ws')}/ws`, exited };
}

const toLauncher = (pid: number) => process.kill(pid, 'SIGTERM');
const toGroup = (pid: number) => process.kill(-pid, 'SIGINT');

describe('stopping npm start', () => {
  it.each([
    ['SIGTERM to the launcher alone', '1', toLauncher],
    ['SIGINT to the whole process group (Ctrl-C)', '1', toGroup],
    ['SIGTERM to the launcher alone', '2', toLauncher],
    ['SIGINT to the whole process group (Ctrl-C)', '2', toGroup],
  ])('on %s, with GATEWAY_WORKERS=%s, every browser gets "Servidor encerrando." before its socket closes', async (_how, workers, signal) => {
    const l = await startLauncher({ GATEWAY_WORKERS: workers, LOG_LEVEL: 'info' });
    const browsers: WsClient[] = [];
    for (const name of ['ana', 'bia', 'caio', 'duda', 'edu', 'fabi']) browsers.push(await WsClient.join(l.wsUrl, l.url, name));
    // With two workers, both serve (each logs the sockets it opens).
    const servedBy = new Set([...l.run.stdout.matchAll(/"pid":(\d+)[^\n]*"msg":"websocket opened"/g)].map((m) => m[1]));
    expect(servedBy.size).toBe(Number(workers));
    const terminal = await LineClient.join(l.chatPort, 'gil');
    signal(l.pid);
    for (const web of browsers) {
      expect(await web.closed).toEqual({ code: 1000, reason: 'chat server closed the connection' });
      expect(web.frames.at(-1)).toBe('Servidor encerrando.');
    }
    expect(await terminal.rest()).toContain('Servidor encerrando.');
    expect(await l.exited).toEqual([0, null]);
    // Nothing of it is left: not the chat server, not the gateway.
    expect(groupCommands(l.pid).filter((c) => c.includes('main.ts') || c.includes('start.ts'))).toEqual([]);
  });
});

describe('npm start', () => {
  it('runs both processes, serves the page, survives a gateway crash and stops on SIGTERM', async () => {
    const proc = spawn('npm', ['start'], {
      cwd: REPO,
      // The build already ran (npm test builds first); rebuilding here would
      // rewrite dist/ under the other tests' feet.
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
