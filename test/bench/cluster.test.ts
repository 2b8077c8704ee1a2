/**
 * `npm run bench -- cluster` on a few clients: real redis-server, real chat
 * nodes, real load-generator workers. Every line reaches every client once
 * and in order across two nodes, the report has the cluster's rows with
 * figures, and nothing the bench started outlives it, whether it finishes
 * or is interrupted with Ctrl-C. It never asserts a time.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterResult, ClusterRun } from '../../bench/cluster.ts';
import { REPO } from '../../bench/processes.ts';
import { DB_FOLDER_PREFIX } from '../../bench/servers.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Processes (not this one) whose environment, command line or working
 * folder mentions `path`: everything a bench run with TMPDIR=path started.
 * (redis-server writes its title over its command line and environment,
 * but it works in its --dir, under TMPDIR.)
 */
function processesMentioning(path: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/cmdline`, 'utf8') + readFileSync(`/proc/${pid}/environ`, 'utf8') + readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      continue; // gone, or not ours
    }
    if (text.includes(path)) found.push(`${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`);
  }
  return found;
}

/** Waits (polling /proc) until `done` holds or `ms` passed; returns what it saw last. */
async function until<T>(see: () => T, done: (x: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let seen = see();
  while (!done(seen) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    seen = see();
  }
  return seen;
}

/** The bench with `args`, its temporary folders (databases, Redis's) under `tmp`. */
function startBench(args: string[], tmp: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = once(proc, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { proc, exited };
}

const SMALL_RUN = [
  ...['--quick', 'cluster', '--clients', '8', '--cluster-small-clients', '4', '--seconds', '0.5', '--step-seconds', '0.5'],
  ...['--workers', '1', '--rounds', '1', '--cluster-deliveries', '840'],
];

describe('npm run bench -- cluster on a few clients', () => {
  it('delivers every line once and in order across two nodes, reports each system and Redis commands per line, and leaves nothing behind', async () => {
    const tmp = join(dir, 'run');
    mkdirSync(tmp);
    const out = join(dir, 'cluster.json');
    const { code, stdout, stderr } = await startBench([...SMALL_RUN, '--out', out], tmp).exited;
    expect(code, stderr).toBe(0);

    // The rows of each step, with figures: clients per node, deliveries/s, ratio to one node, latency across nodes.
    const num = String.raw`[\d,.]+`;
    expect(stdout).toMatch(new RegExp(String.raw`^cluster: fanout +server \(TCP\) +8 +3×10/s +${num} +${num}× `, 'm'));
    expect(stdout).toMatch(new RegExp(String.raw`^cluster: fanout +one node on Redis \(TCP\) +8 +3×10/s +${num} +1\.00× `, 'm'));
    expect(stdout).toMatch(
      new RegExp(String.raw`^cluster: 840/s step +two nodes on Redis \(TCP\) +2 × 4 +3×40/s +${num} +${num}× +${num} +${num} +${num} +${num} +0 +ok +\d+% \+ \d+% +\d+% +\d+% +${num} `, 'm'),
    );
    expect(stdout).toMatch(new RegExp(String.raw`^cluster: fanout +2 × 2 +15 +${num} +${num} `, 'm'));
    expect(stdout).toMatch(/^MET +cluster: every line delivered once and in order, across nodes/m);
    expect(stdout).toMatch(/^(MET|MISSED) +Redis commands per public line do not grow with the recipients/m);

    const c = JSON.parse(readFileSync(out, 'utf8')).results.cluster as ClusterResult;
    const runs: ClusterRun[] = [...c.steps.fanout.runs, ...c.steps.load.runs, c.recipients.small.fanout, c.recipients.small.load];
    expect(runs.map((r) => `${r.system} ${r.clients}`).sort()).toEqual(
      ['server 8', 'server 8', 'cluster-1 8', 'cluster-1 8', 'cluster-2 8', 'cluster-2 8', 'cluster-2 4', 'cluster-2 4'].sort(),
    );
    for (const run of runs) {
      const { step } = run;
      const name = `${run.system} ${run.clients}`;
      expect(step.sentLines, name).toBeGreaterThan(0);
      expect({ name, received: step.received, lost: step.lost, orderErrors: step.orderErrors, disconnects: step.disconnects }).toEqual({
        name,
        received: step.sentLines * (run.clients - 1),
        lost: 0,
        orderErrors: 0,
        disconnects: 0,
      });
      if (run.system === 'server') {
        expect(run.redis, name).toBeNull();
        continue;
      }
      // Redis saw every public line (one XADD each, inside the scripts) and the count is per line sent.
      expect(run.redis!.publicLines, name).toBe(step.sentLines);
      expect(run.redis!.byCommand.xadd, name).toBeGreaterThanOrEqual(step.sentLines);
      expect(run.redis!.perLine, name).toBeCloseTo(run.redis!.commands / step.sentLines, 6);
      if (run.system === 'cluster-2') {
        // Every line crosses to each client of the other node: clients / 2 deliveries per line, timed apart.
        expect(step.crossNode!.deliveries, name).toBe(step.sentLines * (run.clients / 2));
        expect(step.crossNode!.p99Ms, name).toBeGreaterThan(0);
        expect(Object.keys(step.cpuByServicePct!).sort(), name).toEqual(['node-1', 'node-2', 'redis-server']);
      } else {
        expect(step.crossNode, name).toBeUndefined();
      }
    }
    // Both counts send the same lines, to fewer recipients.
    expect(c.recipients.small.load.step.sentLines).toBe(c.steps.load.best['cluster-2']!.step.sentLines);

    // Redis, the nodes and the workers are gone, and so are their folders.
    expect(await until(() => processesMentioning(tmp), (p) => p.length === 0, 5000)).toEqual([]);
    expect(readdirSync(tmp).filter((n) => n.startsWith(DB_FOLDER_PREFIX))).toEqual([]);
  }, 180_000);

  it('stops Redis and both nodes when interrupted with Ctrl-C while two nodes run', async () => {
    const tmp = join(dir, 'interrupted');
    mkdirSync(tmp);
    const bench = startBench([...SMALL_RUN, '--out', join(dir, 'interrupted.json')], tmp);
    const bothNodes = (p: string[]) => p.filter((x) => / redis-server /.test(` ${x.split(': ')[1]} `)).length === 1 && p.filter((x) => x.includes('tcp-server/main.ts')).length === 2;
    const running = await until(() => processesMentioning(tmp), bothNodes, 120_000);
    expect(bothNodes(running), running.join('\n')).toBe(true);
    bench.proc.kill('SIGINT');
    const { code, stderr } = await bench.exited;
    expect(code).toBe(130);
    expect(stderr).toMatch(/bench: interrupted \(SIGINT\); stopped everything it started/);
    expect(await until(() => processesMentioning(tmp), (p) => p.length === 0, 5000)).toEqual([]);
    expect(readdirSync(tmp).filter((n) => n.startsWith(DB_FOLDER_PREFIX))).toEqual([]);
  }, 180_000);
});
