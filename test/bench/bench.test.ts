/**
 * The benchmark's own correctness: its numbers mean something only if every
 * line it sends is counted once, in order, on every receiver. A tiny run of
 * the real tool (its worker processes, the real baseline, server and
 * gateway on loopback) must see zero loss and in-order delivery. It never
 * asserts a time.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { Histogram } from '../../bench/histogram.ts';
import { Receiver, RunStats, probeLine } from '../../bench/probe.ts';
import { REPO } from '../../bench/processes.ts';
import type { HistoryResult } from '../../bench/history.ts';
import type { JoinRun } from '../../bench/joins.ts';
import { DB_FOLDER_PREFIX } from '../../bench/servers.ts';
import type { StepResult } from '../../bench/session.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Receiver', () => {
  const line = (name: string, run: number, sender: number, seq: number, sent: number) =>
    `${name}: ${probeLine(run, sender, seq, sent)}\n`;

  it('counts every probe line once, in order, however the bytes are split', () => {
    const stats = new RunStats(7, 2);
    const r = new Receiver();
    r.reset(7, 2);
    const bytes = Buffer.from(
      'u1 entrou no chat!\n' + line('u0', 7, 0, 0, 1000) + line('u5', 7, 1, 0, 1000) + line('u0', 7, 0, 1, 1500),
    );
    // One byte at a time: every line crosses a chunk boundary.
    for (let i = 0; i < bytes.length; i++) r.onBytes(bytes.subarray(i, i + 1), stats, 2000);
    expect(stats.received).toBe(3);
    expect(stats.gaps + stats.duplicates + stats.stale).toBe(0);
    expect(stats.latency.max).toBe(1000);
  });

  it('reports a skipped line as a gap and a repeated one as a duplicate', () => {
    const stats = new RunStats(1, 1);
    const r = new Receiver();
    r.reset(1, 1);
    r.onBytes(Buffer.from(line('a', 1, 0, 0, 0) + line('a', 1, 0, 2, 0) + line('a', 1, 0, 2, 0)), stats, 0);
    expect(stats).toMatchObject({ received: 3, gaps: 1, duplicates: 1 });
  });

  it('ignores lines of an earlier run and recognises the welcome after a long line', () => {
    const stats = new RunStats(2, 1);
    const r = new Receiver();
    r.reset(2, 1);
    let joined = 0;
    r.onJoined = () => joined++;
    r.onBytes(Buffer.from(`${'x'.repeat(500)} entrou no chat!\nBem-vindo, a! Online (1): a\n` + line('b', 1, 0, 0, 0)), stats, 0);
    expect(joined).toBe(1);
    expect(stats).toMatchObject({ received: 0, stale: 1 });
  });

  it('times the lines of senders on another chat node apart, as well as with all the others', () => {
    // Sender 1 is on the other node than this worker's clients.
    const stats = new RunStats(4, 2, [1]);
    const r = new Receiver();
    r.reset(4, 2);
    r.onBytes(Buffer.from(line('near', 4, 0, 0, 1000) + line('far', 4, 1, 0, 500) + line('far', 4, 1, 1, 900)), stats, 2000);
    expect(stats.latency.count).toBe(3);
    expect(stats.remoteLatency!.count).toBe(2);
    expect(stats.remoteLatency!.max).toBe(1500);
    expect(stats.toJSON().remoteLatency?.count).toBe(2);
    // Without remote senders there is no second histogram.
    expect(new RunStats(4, 2).toJSON()).not.toHaveProperty('remoteLatency');
  });

  it('takes one WebSocket frame as one line', () => {
    const stats = new RunStats(3, 1);
    const r = new Receiver();
    r.reset(3, 1);
    r.onFrame(Buffer.from(`b: ${probeLine(3, 0, 0, 10)}`), stats, 30);
    expect(stats).toMatchObject({ received: 1, gaps: 0 });
  });
});

describe('Histogram', () => {
  it('gives quantiles within its bucket precision', () => {
    const h = new Histogram();
    for (let i = 1; i <= 1000; i++) h.record(i * 100);
    expect(h.quantile(0.5)).toBeGreaterThanOrEqual(50_000);
    expect(h.quantile(0.5)).toBeLessThan(50_000 * 1.02);
    expect(h.quantile(1)).toBe(100_000);
  });
});

/** Runs the real tool with these flags; resolves with its exit code and output. */
async function bench(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'bench/main.ts', ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(proc, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

describe('npm run bench on a few clients', () => {
  it('delivers every probe line exactly once and in order, through baseline, server and the gateway with one and two workers', async () => {
    const out = join(dir, 'results.json');
    const { code, stdout, stderr } = await bench([
      ...['--quick', '--fanout', '--gateway', '--clients', '5', '--seconds', '0.5', '--step-seconds', '0.5', '--workers', '1'],
      ...['--gateway-deliveries', '400', '--gateway-rate', '5', '--out', out],
    ]);
    expect(code, stderr).toBe(0);
    // The tables name every system compared, and the browser path against direct TCP.
    expect(stdout).toMatch(/fanout\s+baseline \(TCP\)/);
    expect(stdout).toMatch(/gateway: fanout\s+gateway \(WebSocket\)/);
    expect(stdout).toMatch(/gateway: 400\/s step\s+gateway, 2 workers \(WebSocket\)/);
    expect(stdout).toMatch(/gateway step\s+system\s+load\s+deliveries ÷ direct\s+p50 ms\s+p99 ms\s+p99 ÷ direct\s+gateway CPU/);
    expect(stdout).toMatch(/(MET|MISSED)\s+browser path p99 ≤ 100 ms at 1.6M deliveries\/s, one gateway worker/);

    const json = JSON.parse(readFileSync(out, 'utf8'));
    const runs = (what: string, list: Array<{ system: string; step: StepResult }>) =>
      list.map((r): [string, StepResult] => [`${what} ${r.system}`, r.step]);
    const steps: Array<[string, StepResult]> = [
      ...runs('fanout', json.results.fanout.runs),
      ...runs('gateway fanout', json.results.gateway.fanout.runs),
      ...runs('gateway load', json.results.gateway.load.runs),
      ...runs('gateway step', json.results.gateway.step.runs),
    ];
    expect(steps.map(([name]) => name).sort()).toEqual(
      [
        ...['fanout baseline', 'fanout server'],
        ...['gateway fanout', 'gateway load', 'gateway step'].flatMap((w) => [`${w} server`, `${w} gateway`, `${w} gateway-2`]),
      ].sort(),
    );
    // The loaded step offers what was asked: 400 deliveries/s to 4 other clients from 4 senders, 25 lines/s each.
    expect(json.results.gateway.load.ratePerSender).toBe(25);
    // Two workers: the gateway's CPU counts its processes, the primary and both workers.
    const two = json.results.gateway.load.best['gateway-2'] as StepResult;
    expect(two.cpuByServicePct).toHaveProperty('gateway');
    expect(two.cpuByServicePct).toHaveProperty('tcp-server');
    // Browsers that keep up: flow control never paused a chat-server connection (read from the gateway's /metrics).
    expect(two.gatewayPauses).toBe(0);
    for (const [name, step] of steps) {
      expect(step.sentLines, name).toBeGreaterThan(0);
      // Every line reaches every other client: (clients - 1) deliveries each.
      expect({ name, received: step.received, lost: step.lost, orderErrors: step.orderErrors, disconnects: step.disconnects }).toEqual({
        name,
        received: step.sentLines * 4,
        lost: 0,
        orderErrors: 0,
        disconnects: 0,
      });
    }
  }, 240_000);

  it('compares clients with and without resumable sessions: every one that opted in holds a session, nothing lost', async () => {
    const out = join(dir, 'resume.json');
    const { code, stdout, stderr } = await bench([
      ...['--quick', '--resume', '--clients', '5', '--idle-clients', '20', '--seconds', '0.5', '--step-seconds', '0.5', '--workers', '1'],
      ...['--history-rate', '5', '--out', out],
    ]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/resume: loaded step\s+server, resumable sessions \(TCP\)/);
    expect(stdout).toMatch(/(MET|MISSED)\s+idle memory per connection with sessions within 10 % of without/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    const steps: Array<{ system: string; step: StepResult }> = [...json.results.resume.fanout.runs, ...json.results.resume.step.runs];
    expect(steps.map((r) => r.system).sort()).toEqual(['server', 'server', 'server-resume', 'server-resume']);
    for (const { system, step } of steps) {
      expect({ system, received: step.received, lost: step.lost, orderErrors: step.orderErrors }).toEqual({
        system,
        received: step.sentLines * 4,
        lost: 0,
        orderErrors: 0,
      });
    }
    const idle = Object.fromEntries(json.results.resume.idle.map((r: { system: string; clients: number; sessions: number }) => [r.system, r]));
    expect(idle.server).toMatchObject({ clients: 20, sessions: 0 });
    expect(idle['server-resume']).toMatchObject({ clients: 20, sessions: 20 });
    // Measured again at steady state: idle longer than the default grace (30 s) and one sweep (5 s).
    for (const run of [idle.server, idle['server-resume']]) {
      expect(run.steady.afterMs).toBeGreaterThan(35_000);
      expect(Number.isFinite(run.steady.perConnectionBytes)).toBe(true);
    }
    expect(stdout).toMatch(/MET|MISSED/);
    expect(stdout).toMatch(/idle memory per connection with sessions within 10 % of without \(10,000 clients\): steady state, idle \d+ s/);
  }, 360_000);

  it('welcomes every member of each join storm and the newcomer after it, on baseline and server, and draws the charts', async () => {
    const out = join(dir, 'joins.json');
    const { code, stdout, stderr } = await bench(['--quick', '--joins', '--join-sizes', '4,8', '--workers', '1', '--out', out]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/members that read\s+baseline \(TCP\)\s+4\s/);
    expect(stdout).toMatch(/members that never read\s+server \(TCP\)\s+8\s/);
    expect(stdout).toMatch(/newcomer welcomed ≤ 100 ms after a 4,000-member storm \(members that never read\)/);

    const runs = JSON.parse(readFileSync(out, 'utf8')).results.joins.runs as JoinRun[];
    expect(runs.map((r) => `${r.system} ${r.variant} ${r.members}`).sort()).toEqual(
      ['baseline', 'server'].flatMap((s) => ['non-readers', 'readers'].flatMap((v) => [4, 8].map((n) => `${s} ${v} ${n}`))).sort(),
    );
    for (const r of runs) {
      const name = `${r.system} ${r.variant} ${r.members}`;
      expect({ name, joined: r.joined, failed: r.failed, cut: r.cut, newcomerError: r.newcomer.error }).toEqual({
        name,
        joined: r.members,
        failed: 0,
        cut: 0,
        newcomerError: null,
      });
      expect(r.stormSeconds, name).toBeGreaterThan(0);
      expect(r.newcomer.welcomeMs, name).toBeGreaterThan(0);
    }
    for (const chart of ['joins-storm', 'joins-newcomer']) {
      const file = join(dir, `joins.${chart}.svg`);
      expect(existsSync(file), file).toBe(true);
      expect(readFileSync(file, 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    }
  }, 240_000);

  it('times /history and /since paging against servers that each keep their own database in the temp folder, removed afterwards', async () => {
    const out = join(dir, 'history.json');
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    // What a run did in the temp folder, as it happened.
    const created: string[] = [];
    const watcher = watch(tmp, { recursive: true }, (_event, name) => {
      if (name !== null) created.push(name);
    });
    // Node 20's recursive watch (on Linux, done in JS) lists a new folder as it appears, and says
    // ENOENT when the bench has removed it by then: that folder's names were seen already, as the
    // counts below check. Any other error fails the test.
    const watchErrors: Error[] = [];
    watcher.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') watchErrors.push(error);
    });
    const { code, stdout, stderr } = await bench(
      [
        ...['--quick', '--history', '--clients', '5', '--seconds', '0.5', '--step-seconds', '0.5', '--workers', '1', '--history-rate', '10'],
        ...['--history-lines', '1200', '--history-requests', '10', '--catch-ups', '2', '--out', out],
      ],
      { TMPDIR: tmp },
    ).finally(() => watcher.close());
    expect(code, stderr).toBe(0);
    expect(watchErrors).toEqual([]);
    expect(stdout).toMatch(/history: fanout\s+server, history off \(TCP\)/);
    expect(stdout).toMatch(/^\/history 200\s+1,200\s+200 lines/m);
    expect(stdout).toMatch(/^\/since, 1,000 missed\s+1,200\s+1,000 lines in 2 pages/m);
    expect(stdout).toMatch(/^(MET|MISSED) +\/history 200 answered in ≤ 5 ms \(p99\) with 10,000 messages stored: p99 /m);

    const h = JSON.parse(readFileSync(out, 'utf8')).results.history as HistoryResult;
    const steps = [...h.fanout.runs, ...h.step.runs];
    expect(steps.map((r) => r.system).sort()).toEqual(['history-off', 'history-off', 'server', 'server']);
    for (const { system, step } of steps) {
      expect({ system, received: step.received, lost: step.lost, orderErrors: step.orderErrors }).toEqual({
        system,
        received: step.sentLines * 4,
        lost: 0,
        orderErrors: 0,
      });
    }
    // Every answer was checked by the bench (the newest 200, the 1,000 missed in order): these are the counts it timed.
    expect(h.timings).toMatchObject({
      stored: 1200,
      lookup: { requests: 10, count: 200 },
      control: { requests: 10 },
      since: { requests: 2, missed: 1000, pages: 2 },
    });
    expect(h.timings.lookup.p99Ms).toBeGreaterThan(0);

    // A folder for each of the five servers (fanout and step, history off and on; the requests' server);
    // each of the three with history on wrote its database file there, so none used the default
    // data/chat.db (which an `npm start` here would hold); and every folder is gone.
    const folderOf = (n: string) => n.split('/')[0]!;
    const folders = new Set(created.filter((n) => n.startsWith(DB_FOLDER_PREFIX)).map(folderOf));
    const withDatabase = new Set(created.filter((n) => /^chat-bench-[^/]+\/chat\.db$/.test(n)).map(folderOf));
    expect([folders.size, withDatabase.size]).toEqual([5, 3]);
    expect(readdirSync(tmp).filter((n) => n.startsWith(DB_FOLDER_PREFIX))).toEqual([]);
    for (const chart of ['history-deliveries', 'history-requests']) expect(existsSync(join(dir, `history.${chart}.svg`)), chart).toBe(true);
  }, 120_000);
});
