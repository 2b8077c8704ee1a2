/**
 * A node that dies (`kill -9`) or stops answering (SIGSTOP, longer than its
 * liveness TTL): the others see its members leave once, within 10 s with the
 * default settings, and the names are free; a node that was only frozen
 * registers again when it wakes, and its members are back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllRedis, type RedisServer, startRedis } from '../../helpers/redis-server.ts';
import { REPO } from '../../helpers/processes.ts';
import { FAST, RoomNode } from '../../helpers/room-node.ts';

afterAll(killAllRedis);

const nodes: RoomNode[] = [];
const servers: RedisServer[] = [];
const children = new Set<ChildProcess>();
afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

interface NodeProcess {
  proc: ChildProcess;
  id: string;
  lines: string[];
  waitForLine(line: string): Promise<void>;
}

/** test/helpers/cluster-node-main.ts as a process, holding `names`. */
async function nodeProcess(url: string, names: string[], env: Record<string, string> = {}): Promise<NodeProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/cluster-node-main.ts', ...names], {
    cwd: REPO,
    env: { ...process.env, CHAT_REDIS_URL: url, CHAT_NODE_NAME: 'child', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const waitForLine = async (want: string | RegExp) => {
    for (;;) {
      const found = lines.find((l) => (typeof want === 'string' ? l === want : want.test(l)));
      if (found !== undefined) return found;
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`node exited:\n${lines.join('\n')}\n${stderr}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const exited = once(proc, 'exit').then(() => waiters.splice(0).forEach((w) => w()));
  void exited;
  const ready = await waitForLine(/^ready /);
  return { proc, id: ready.slice('ready '.length), lines, waitForLine: async (l) => void (await waitForLine(l)) };
}

describe('a node that dies', () => {
  it('kill -9: within 10 s (default settings) everyone else sees its members leave, once, and their names are free', async () => {
    const server = await startRedis();
    servers.push(server);
    // Two survivors with the default heartbeat (1 s) and TTL (5 s): whichever notices first cleans up, once.
    const a = await RoomNode.start(server.url, { heartbeatMs: 1000, nodeTtlMs: 5000 });
    const b = await RoomNode.start(server.url, { heartbeatMs: 1000, nodeTtlMs: 5000 });
    nodes.push(a, b);
    await a.join('ana');
    const child = await nodeProcess(server.url, ['zé', 'Yan']);
    for (const n of [a, b]) await n.waitFor((e) => e.includes('join zé') && e.includes('join Yan'), 'the child’s members');
    expect(b.link.names).toEqual(['ana', 'Yan', 'zé']);

    const killedAt = Date.now();
    child.proc.kill('SIGKILL');
    for (const n of [a, b]) await n.waitFor((e) => e.includes('leave zé') && e.includes('leave Yan'), 'their leaves', 15_000);
    const noticedIn = Date.now() - killedAt;
    expect(noticedIn).toBeLessThan(10_000);

    expect(await a.join('ZÉ')).toBe('ok');
    expect(await b.join('yan')).toBe('ok');
    for (const n of [a, b]) {
      await n.waitFor((e) => e.includes('join yan') && e.includes('join ZÉ'), 'the names taken again');
      expect([n.count('leave zé'), n.count('leave Yan'), n.count('leave ana')]).toEqual([1, 1, 0]);
    }
    expect(a.link.names).toEqual(['ana', 'yan', 'ZÉ']);
  });

  it('frozen longer than its TTL (SIGSTOP): taken for dead; when it wakes it registers again and its members are back', async () => {
    const server = await startRedis();
    servers.push(server);
    const a = await RoomNode.start(server.url, FAST);
    nodes.push(a);
    await a.join('ana');
    const child = await nodeProcess(server.url, ['zé'], { CHAT_NODE_HEARTBEAT_MS: '100', CHAT_NODE_TTL_MS: '1000' });
    await a.waitFor((e) => e.includes('join zé'), 'zé');
    child.proc.kill('SIGSTOP');
    await a.waitFor((e) => e.includes('leave zé'), 'zé taken for gone');
    a.say('ana', 'enquanto você dormia');
    child.proc.kill('SIGCONT');
    await a.waitFor((e) => e.filter((x) => x === 'join zé').length === 2, 'zé back');
    // It reads on where it was: the line said while it was frozen reaches it.
    await child.waitForLine('public ana: enquanto você dormia');
    child.proc.stdin!.write('say zé voltei\n');
    await a.waitFor((e) => e.includes('public zé: voltei'), 'its line');
    expect(a.link.find('ZÉ')?.node).toBe(child.id);
    expect(a.count('leave zé')).toBe(1);
  });
});
