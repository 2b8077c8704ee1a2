/**
 * MAX_SOCKETS against the descriptor limit: the arithmetic, the real
 * /proc/self/limits, and a gateway started under a low `ulimit -n`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { GATEWAY_READY_RE } from '../../common/ready-lines.ts';
import { REPO } from '../helpers/processes.ts';
import { WsClient } from '../helpers/ws-client.ts';
import { startChat } from './fixture.ts';
import { ConfigError } from '../../common/env.ts';
import { capToDescriptors, readDescriptorLimit, socketsWithin } from '../../gateway/descriptors.ts';

describe('capToDescriptors', () => {
  it('keeps MAX_SOCKETS when two descriptors per socket plus the reserve fit', () => {
    expect(capToDescriptors(10_000, 20_128, 128)).toEqual({ maxSockets: 10_000, warning: null });
    expect(capToDescriptors(10_000, null, 128)).toEqual({ maxSockets: 10_000, warning: null });
  });

  it('lowers it otherwise, with a warning naming MAX_SOCKETS, the limit and the new cap', () => {
    const { maxSockets, warning } = capToDescriptors(10_000, 20_000, 128);
    expect(maxSockets).toBe(9936);
    expect(warning).toBe(
      'MAX_SOCKETS lowered from 10000 to 9936: the descriptor limit (ulimit -n) is 20000, ' +
        'each browser needs 2 and FD_RESERVE keeps 128 for HTTP requests and logs',
    );
  });

  it('refuses to start when not even one browser fits', () => {
    expect(() => capToDescriptors(10, 129, 128)).toThrow(ConfigError);
    expect(() => capToDescriptors(10, 129, 128)).toThrow('the descriptor limit (ulimit -n) is 129');
    expect(socketsWithin(130, 128)).toBe(1);
  });
});

describe('readDescriptorLimit', () => {
  it('reads this process’s soft limit from /proc/self/limits', () => {
    const limit = readDescriptorLimit();
    expect(limit).toBeGreaterThan(0);
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    expect(limit).toBe(Number(line![1]));
  });

  it('is null where there is no such file', () => {
    expect(readDescriptorLimit('/nonexistent/limits')).toBeNull();
  });
});

describe('a gateway started under a low ulimit -n', () => {
  const groups: number[] = [];
  afterAll(() => {
    for (const pid of groups) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('says it lowered MAX_SOCKETS, then refuses the browser beyond the new cap with 503', async () => {
    const { port: chatPort } = await startChat();
    // 104 descriptors with 100 kept in reserve: room for exactly two browsers.
    const proc = spawn('sh', ['-c', 'ulimit -n 104 && exec "$0" --import tsx gateway/main.ts', process.execPath], {
      cwd: REPO,
      env: { ...process.env, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', CHAT_PORT: String(chatPort), FD_RESERVE: '100' },
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    groups.push(proc.pid!);
    let out = '';
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = once(proc, 'exit');
    // The warning comes through the gateway's logger, which writes asynchronously: it may follow the ready line.
    const warned = () => out.split('\n').some((l) => l.includes('MAX_SOCKETS lowered') && l.endsWith('}'));
    while (!GATEWAY_READY_RE.test(out) || !warned()) {
      const gone = await Promise.race([once(proc.stdout!, 'data').then(() => false), exited.then(() => true)]);
      if (gone) throw new Error(`the gateway exited before it was ready:\n${out}`);
    }
    const [, url] = GATEWAY_READY_RE.exec(out)!;
    const warning = out.split('\n').find((l) => l.includes('MAX_SOCKETS lowered'));
    expect(JSON.parse(warning!)).toMatchObject({
      level: 40,
      maxSockets: 2,
      msg:
        'MAX_SOCKETS lowered from 10000 to 2: the descriptor limit (ulimit -n) is 104, ' +
        'each browser needs 2 and FD_RESERVE keeps 100 for HTTP requests and logs',
    });

    const wsUrl = url!.replace('http:', 'ws:') + '/ws';
    const a = new WsClient(wsUrl, url!);
    const b = new WsClient(wsUrl, url!);
    await a.expect('Digite seu nome:');
    await b.expect('Digite seu nome:');
    const c = new WsClient(wsUrl, url!);
    await expect(c.opened).rejects.toThrow();
    expect(c.refusedWith).toBe(503);
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toMatchObject({ upstream: 'up', gateway: 'full' });
    a.close();
    b.close();
    process.kill(-proc.pid!, 'SIGTERM');
    expect(await exited).toEqual([0, null]);
  });
});
