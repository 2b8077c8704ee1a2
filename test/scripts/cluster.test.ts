/**
 * `npm run cluster` (scripts/cluster.ts) with real processes and real
 * signals: Redis, two chat nodes and a gateway come up; Redis killed with
 * `kill -9` is started again on the same address; and a stop, whether the
 * signal reaches the launcher alone or the whole process group (Ctrl-C),
 * gives every user `Servidor encerrando.` and leaves nothing behind: no
 * process, no Redis, no data folder.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { CLUSTER_READY_RE } from '../../common/ready-lines.ts';
import { LineClient } from '../helpers/line-client.ts';
import { scrape } from '../helpers/prometheus.ts';
import { freePort } from '../helpers/redis-server.ts';
import { killAll, runScript } from '../helpers/processes.ts';

/** Redis runs in its own process group: if a test fails midway, it is killed here by pid. */
const redisPids = new Set<number>();
afterAll(() => {
  killAll();
  for (const pid of redisPids) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

async function startCluster(env: Record<string, string> = {}) {
  const run = runScript('scripts/cluster.ts', {
    CHAT_PORT: '0',
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    CLUSTER_REDIS_PORT: '0',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const exited = once(run.proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const [, redisUrl, nodes, pageUrl, dataDir] = await run.waitForOutput(CLUSTER_READY_RE);
  const ports = nodes!.split(' ').map((n) => Number(n.split(':')[1]));
  return { run, pid: run.proc.pid!, redisUrl: redisUrl!, ports, pageUrl: pageUrl!, dataDir: dataDir!, exited };
}

async function redisPid(url: string): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  const info = String(await client.sendCommand(['INFO', 'server']));
  client.destroy();
  const pid = Number(/process_id:(\d+)/.exec(info)![1]);
  redisPids.add(pid);
  return pid;
}

/** A port P such that P and P + 1 are free (found by binding both). */
async function twoFreePorts(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port >= 65535) continue;
    const next = net.createServer().listen(port + 1, '127.0.0.1');
    const ok = await new Promise<boolean>((resolve) => {
      next.once('listening', () => resolve(true));
      next.once('error', () => resolve(false));
    });
    if (ok) {
      await new Promise((r) => next.close(r));
      return port;
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run cluster', () => {
  it('starts Redis, two nodes (each with its metrics port) and a gateway; a Redis killed with kill -9 comes back on the same address', async () => {
    const metricsPort = await twoFreePorts();
    const c = await startCluster({ CHAT_METRICS_PORT: String(metricsPort) });
    try {
      expect(c.ports).toHaveLength(2);
      expect(c.ports[0]).not.toBe(c.ports[1]);
      expect((await fetch(c.pageUrl)).status).toBe(200);
      // The gateway knows each node by the name the node gives its session tokens: resumes are routed.
      const health = (await (await fetch(`${c.pageUrl}/healthz`)).json()) as { nodes: { node: string; name?: string }[] };
      expect(health.nodes).toEqual([
        { node: `127.0.0.1:${c.ports[0]}`, name: 'node-1', state: 'up' },
        { node: `127.0.0.1:${c.ports[1]}`, name: 'node-2', state: 'up' },
      ]);
      const ana = await LineClient.join(c.ports[0]!, 'ana');
      const bia = await LineClient.join(c.ports[1]!, 'bia');
      // CHAT_METRICS_PORT for the first node, the next port for the second: each counts its own member.
      for (const port of [metricsPort, metricsPort + 1]) {
        expect((await scrape(`http://127.0.0.1:${port}/metrics`)).samples.get('chat_members')).toBe(1);
      }
      const first = await redisPid(c.redisUrl);
      process.kill(first, 'SIGKILL');
      // Its second "ready": the launcher started it again.
      await c.run.waitForOutput(/\[redis\] ready on (\S+)\n[^]*\[redis\] ready on \1\n/);
      const second = await redisPid(c.redisUrl);
      expect(second).not.toBe(first);
      // The users stayed connected through it.
      expect(ana.isClosed || bia.isClosed).toBe(false);
    } finally {
      process.kill(c.pid, 'SIGTERM');
      await c.exited;
    }
  });

  it.each([
    ['SIGTERM to the launcher alone', (pid: number) => process.kill(pid, 'SIGTERM')],
    ['SIGINT to the whole process group (Ctrl-C)', (pid: number) => process.kill(-pid, 'SIGINT')],
  ])('on %s: every user gets "Servidor encerrando.", and nothing is left', async (_how, signal) => {
    const c = await startCluster();
    const redis = await redisPid(c.redisUrl);
    const users = [await LineClient.join(c.ports[0]!, 'ana'), await LineClient.join(c.ports[1]!, 'bia')];
    expect(existsSync(c.dataDir)).toBe(true);
    signal(c.pid);
    for (const user of users) expect(await user.rest()).toContain('Servidor encerrando.');
    expect(await c.exited).toEqual([0, null]);
    expect(alive(redis)).toBe(false);
    expect(existsSync(c.dataDir)).toBe(false);
    // The nodes left the room through a Redis that was still there: it stopped last.
    const out = c.run.stdout;
    expect(out.lastIndexOf('[redis]')).toBeGreaterThan(out.lastIndexOf('Servidor encerrado.'));
  });

  it('killed outright (SIGKILL to its process group): Redis stops and its data folder is removed all the same', async () => {
    const c = await startCluster();
    const redis = await redisPid(c.redisUrl);
    process.kill(-c.pid, 'SIGKILL');
    await c.exited;
    // Redis is in its own process group, out of the signal's reach: its guard sees the launcher go.
    await waitUntil(() => !alive(redis) && !existsSync(c.dataDir));
    expect(alive(redis)).toBe(false);
    expect(existsSync(c.dataDir)).toBe(false);
  });
});

/** Polls a condition nothing announces (another process's exit), up to 10 s. */
async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
}
