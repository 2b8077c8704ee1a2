/**
 * The results as people read them: the tables on stdout and the targets,
 * each met or missed and by how much. Pure: results in, text out.
 */
import { CLUSTER_SYSTEMS, type ClusterResult, type ClusterRun, type ClusterStepName, NODES } from './cluster.ts';
import type { HistoryResult } from './history.ts';
import type { ResumeResult } from './resume.ts';
import { JOIN_VARIANTS, JOIN_VARIANT_LABEL, type JoinRun, type JoinVariant, type JoinsResult, bestJoinRun } from './joins.ts';
import type { Latency } from './history-requests.ts';
import type { StepResult, System } from './session.ts';
import { SYSTEM_LABEL } from './session.ts';
import { type FanoutResult, GATEWAY_SYSTEMS, type GatewayResult, type IdleResult, type SaturateResult } from './workloads.ts';

export interface Results {
  fanout?: FanoutResult;
  saturate?: SaturateResult;
  idle?: IdleResult;
  gateway?: GatewayResult;
  history?: HistoryResult;
  resume?: ResumeResult;
  joins?: JoinsResult;
  cluster?: ClusterResult;
}

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpu: string;
  node: string;
  platform: string;
  /**
   * 1-minute load average when the run started, and when it ended: runnable
   * processes per moment. Above the core count, other work shared the machine
   * (absent from results saved before it was recorded).
   */
  loadAverage?: { start: number; end?: number };
}

/** The issue's targets; never lowered to make a run pass. */
export const TARGETS = {
  fanoutRatio: 1.0,
  halfSaturationP99Ms: 20,
  gatewayRatio: 0.8,
  /** Issue 14: the browser path's p99 with one gateway worker at gatewayDeliveries… */
  gatewayP99Ms: 100,
  /** …1.6M deliveries/s (20 senders × 80 lines/s to 1,000 clients). */
  gatewayDeliveries: 1_600_000,
  idleTcpBytes: 10 * 1024,
  idleWsBytes: 30 * 1024,
  idleClients: 10_000,
  clients: 1000,
  /** A newcomer right after a storm of joinMembers is welcomed within this. */
  joinNewcomerMs: 100,
  joinMembers: 4000,
  /** Storm time from joinMembers / 4 to joinMembers: the N² bytes of the protocol allow (4)². */
  joinGrowth: 16,
  /** Deliveries/s with history on, at least this × with history off (issue 12). */
  historyRatio: 0.95,
  /** Deliveries/s with resumable sessions, at least this × without (issue 13, Cost). */
  resumeRatio: 0.95,
  /** Idle memory per connection with sessions at most this × without. */
  resumeIdleRatio: 1.1,
  /** Issue 14: Redis commands per public line with 2 × 500 clients at most this × with 2 × 100 (flat in recipients). */
  clusterCommandsGrowth: 1.1,
  /** `/history 200` answered within this (p99)… */
  historyP99Ms: 5,
  /** …with this many messages stored. */
  historyLines: 10_000,
} as const;

export interface TargetCheck {
  target: string;
  measured: string;
  /** null: the workload did not run. */
  met: boolean | null;
  margin: string;
  note?: string;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const pct = (n: number) => `${n.toFixed(0)}%`;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const kb = (bytes: number) => (bytes / 1024).toFixed(2);
const seconds = (n: number) => (n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratio = (r: number | null) => (r === null || !Number.isFinite(r) ? '—' : `${r.toFixed(2)}×`);

function table(header: string[], rows: string[][], rightAligned: (i: number) => boolean): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (rightAligned(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function load(step: StepResult): string {
  return `${step.senders}×${step.ratePerSender}/s`;
}

/**
 * A sustained rate is the offered one: every line arrived, so deliveries/s
 * is exactly lines × (clients − 1), without the noise of timing the tail.
 */
export function sustainedRate(step: StepResult): number {
  return step.offeredDeliveriesPerSec;
}

function stepRow(
  workload: string,
  system: System,
  step: StepResult | undefined | null,
  reference: StepResult | undefined | null,
  rate: (s: StepResult) => number = (s) => s.deliveriesPerSec,
): string[] {
  if (step === undefined || step === null) return [workload, SYSTEM_LABEL[system], '—', '—', '—', '—', '—', '—', '—', '—', '—', '—', '—'];
  return [
    workload,
    SYSTEM_LABEL[system],
    load(step),
    int(rate(step)),
    reference === undefined || reference === null || reference === step ? '1.00×' : ratio(rate(step) / rate(reference)),
    ms(step.p50Ms),
    ms(step.p99Ms),
    ms(step.maxMs),
    step.lost === 0 && step.disconnects === 0 ? '0' : `${int(step.lost)}${step.disconnects ? ` (${step.disconnects} cut)` : ''}`,
    step.orderErrors === 0 ? 'ok' : int(step.orderErrors),
    pct(step.cpuSystemPct),
    pct(step.cpuLoadgenPct),
    mb(step.rssBytes),
  ];
}

const SPEED_HEADER = ['workload', 'system', 'load', 'deliveries/s', 'ratio', 'p50 ms', 'p99 ms', 'max ms', 'loss', 'order', 'sys CPU', 'gen CPU', 'RSS MB'];

export function speedTable(r: Results): string | null {
  const rows: string[][] = [];
  if (r.fanout) {
    const { baseline, server } = r.fanout.best;
    rows.push(stepRow('fanout', 'baseline', baseline, baseline));
    rows.push(stepRow('fanout', 'server', server, baseline));
  }
  if (r.saturate) {
    const b = r.saturate.best.baseline;
    const s = r.saturate.best.server;
    rows.push(stepRow('saturate: sustained', 'baseline', b?.sustained, b?.sustained, sustainedRate));
    rows.push(stepRow('saturate: sustained', 'server', s?.sustained, b?.sustained, sustainedRate));
    rows.push(stepRow('saturate: peak', 'baseline', b?.peak, b?.peak));
    rows.push(stepRow('saturate: peak', 'server', s?.peak, b?.peak));
    rows.push(stepRow('saturate: ½ sustained', 'baseline', b?.half, b?.half));
    rows.push(stepRow('saturate: ½ sustained', 'server', s?.half, b?.half));
  }
  if (r.gateway) {
    for (const [name, best] of gatewaySteps(r.gateway)) {
      for (const system of GATEWAY_SYSTEMS) rows.push(stepRow(name, system, best[system], best.server));
    }
  }
  if (r.history) {
    const f = r.history.fanout.best;
    rows.push(stepRow('history: fanout', 'history-off', f['history-off'], f['history-off']));
    rows.push(stepRow('history: fanout', 'server', f.server, f['history-off']));
    const st = r.history.step.best;
    rows.push(stepRow('history: loaded step', 'history-off', st['history-off'], st['history-off']));
    rows.push(stepRow('history: loaded step', 'server', st.server, st['history-off']));
  }
  if (r.resume) {
    const f = r.resume.fanout.best;
    rows.push(stepRow('resume: fanout', 'server', f.server, f.server));
    rows.push(stepRow('resume: fanout', 'server-resume', f['server-resume'], f.server));
    const st = r.resume.step.best;
    rows.push(stepRow('resume: loaded step', 'server', st.server, st.server));
    rows.push(stepRow('resume: loaded step', 'server-resume', st['server-resume'], st.server));
  }
  if (rows.length === 0) return null;
  return table(SPEED_HEADER, rows, (i) => i >= 3);
}

/** The gateway workload's steps that ran, by name, each with its best round per system. */
export function gatewaySteps(g: GatewayResult): Array<[string, Partial<Record<System, StepResult>>]> {
  const steps: Array<[string, Partial<Record<System, StepResult>>]> = [['gateway: fanout', g.fanout.best]];
  // Results saved before the loaded step existed have only `step`.
  if (g.load) steps.push([`gateway: ${millions(g.load.runs[0]?.step.offeredDeliveriesPerSec ?? 0)}/s step`, g.load.best]);
  if (g.step) steps.push(['gateway: saturate step', g.step.best]);
  return steps;
}

/** A rate as the step's name gives it: 1.6M, 320k, 400. */
const millions = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(Math.round(n)));

/**
 * The browser path against direct TCP in the same run: deliveries/s and
 * p99 as ratios, and what the gateway itself cost (its CPU, its workers
 * included, per delivery), with the machine's load at each step.
 */
export function gatewayTable(r: Results): string | null {
  if (!r.gateway) return null;
  const rows: string[][] = [];
  for (const [name, best] of gatewaySteps(r.gateway)) {
    const direct = best.server;
    for (const system of GATEWAY_SYSTEMS) {
      const step = best[system];
      if (step === undefined) continue;
      const gatewayPct = step.cpuByServicePct?.gateway;
      rows.push([
        name,
        SYSTEM_LABEL[system],
        load(step),
        direct ? ratio(step.deliveriesPerSec / direct.deliveriesPerSec) : '—',
        ms(step.p50Ms),
        ms(step.p99Ms),
        direct ? ratio(step.p99Ms / direct.p99Ms) : '—',
        gatewayPct === undefined ? '—' : pct(gatewayPct),
        gatewayPct === undefined ? '—' : ((gatewayPct / 100 / step.deliveriesPerSec) * 1e6).toFixed(3),
        step.gatewayPauses === undefined ? '—' : int(step.gatewayPauses),
        step.loadAverage === undefined ? '—' : step.loadAverage.toFixed(1),
      ]);
    }
  }
  const header = ['gateway step', 'system', 'load', 'deliveries ÷ direct', 'p50 ms', 'p99 ms', 'p99 ÷ direct', 'gateway CPU', 'µs/delivery', 'pauses', 'load avg'];
  return table(header, rows, (i) => i >= 3);
}

export function idleTable(r: Results): string | null {
  if (!r.idle) return null;
  const baseline = r.idle.runs.find((x) => x.system === 'baseline');
  const rows = r.idle.runs.map((run) => [
    run.system === 'gateway' ? 'gateway + server (WebSocket)' : SYSTEM_LABEL[run.system],
    run.failed > 0 ? `${int(run.clients)} (${int(run.failed)} failed)` : int(run.clients),
    mb(run.rssBeforeBytes),
    mb(run.rssJoinedBytes),
    kb(run.perConnectionBytes),
    baseline && run.system !== 'gateway' ? ratio(run.perConnectionBytes / baseline.perConnectionBytes) : '—',
    run.joinSeconds.toFixed(1),
  ]);
  return table(['idle', 'clients', 'RSS before MB', 'RSS joined MB', 'KiB/connection', 'ratio', 'join s'], rows, (i) => i >= 1);
}

/**
 * Idle clients without and with sessions: the server's RSS growth per
 * connection right after the joins, and at steady state (idle for longer
 * than the grace plus one sweep) when it was measured.
 */
export function resumeIdleTable(r: Results): string | null {
  const runs = r.resume?.idle;
  if (!runs || runs.length === 0) return null;
  const plain = runs.find((x) => x.system === 'server');
  const rows = runs.map((run) => [
    SYSTEM_LABEL[run.system],
    int(run.clients),
    run.sessions === undefined ? '—' : int(run.sessions),
    mb(run.rssBeforeBytes),
    mb(run.rssJoinedBytes),
    kb(run.perConnectionBytes),
    plain ? ratio(run.perConnectionBytes / plain.perConnectionBytes) : '—',
    run.steady ? `${Math.round(run.steady.afterMs / 1000)}` : '—',
    run.steady ? mb(run.steady.rssBytes) : '—',
    run.steady ? kb(run.steady.perConnectionBytes) : '—',
    run.steady && plain?.steady ? ratio(run.steady.perConnectionBytes / plain.steady.perConnectionBytes) : '—',
  ]);
  return table(
    ['resume: idle', 'clients', 'sessions', 'RSS before MB', 'RSS joined MB', 'KiB/conn joined', 'ratio', 'idle s', 'RSS steady MB', 'KiB/conn steady', 'ratio'],
    rows,
    (i) => i >= 1,
  );
}

export function historyTable(r: Results): string | null {
  const t = r.history?.timings;
  if (!t) return null;
  const { lookup, since } = t;
  const row = (request: string, answer: string, l: Latency) => [
    request,
    int(t.stored),
    answer,
    int(l.requests),
    ms(l.p50Ms),
    ms(l.p99Ms),
    ms(l.maxMs),
    ms(l.firstMs),
    ms(l.serverCpuMs),
  ];
  const rows = [
    row(`/history ${lookup.count}`, `${int(lookup.count)} lines, ${kb(lookup.answerBytes)} KiB`, lookup),
    row('/users (control)', '1 line', t.control),
    row(`/since, ${int(since.missed)} missed`, `${int(since.missed)} lines in ${since.pages} page${since.pages === 1 ? '' : 's'}`, since),
  ];
  const header = ['history request', 'stored', 'answer', 'timed', 'p50 ms', 'p99 ms', 'max ms', 'first ms', 'server CPU ms'];
  const filled = `${int(t.stored)} lines stored first in ${seconds(t.fillSeconds)} s (${int(t.stored / t.fillSeconds)}/s), through the server, each acknowledged`;
  return `${table(header, rows, (i) => i === 1 || i >= 3)}\n${filled}`;
}

export function joinsTable(r: Results): string | null {
  const j = r.joins;
  if (!j) return null;
  const first = j.sizes[0]!;
  const rows: string[][] = [];
  for (const variant of JOIN_VARIANTS) {
    for (const members of j.sizes) {
      const baseline = bestJoinRun(j, 'baseline', variant, members);
      for (const system of ['baseline', 'server'] as const) {
        const run = bestJoinRun(j, system, variant, members);
        if (!run) continue;
        const small = bestJoinRun(j, system, variant, first);
        const storm = run.stormSeconds;
        const vs = (x: JoinRun | undefined) => (storm === null || !x || x.stormSeconds === null ? '—' : ratio(storm / x.stormSeconds));
        rows.push([
          JOIN_VARIANT_LABEL[variant],
          SYSTEM_LABEL[system],
          int(members),
          storm === null ? `> ${j.timeoutSeconds}` : seconds(storm),
          vs(baseline),
          vs(small),
          int(run.failed),
          run.newcomer.welcomeMs === null ? `> ${int(j.timeoutSeconds * 1000)}` : ms(run.newcomer.welcomeMs),
          run.newcomer.promptMs === null ? '—' : ms(run.newcomer.promptMs),
          int(run.cut),
          mb(run.rssBytes),
        ]);
      }
    }
  }
  const header = ['joins', 'system', 'members', 'storm s', 'ratio', 'growth', 'failed', 'newcomer ms', 'prompt ms', 'cut', 'RSS MB'];
  return table(header, rows, (i) => i >= 2);
}

const CLUSTER_STEP_NAMES: ClusterStepName[] = ['fanout', 'load'];

/** A cluster step as the tables name it: `cluster: fanout`, `cluster: 1.6M/s step`. */
function clusterStepLabel(c: ClusterResult, name: ClusterStepName): string {
  if (name === 'fanout') return 'cluster: fanout';
  const offered = c.steps.load.runs[0]?.step.offeredDeliveriesPerSec ?? 0;
  return `cluster: ${millions(offered)}/s step`;
}

/** `1,000` on one node, `2 × 500` on two. */
function clientsOn(run: ClusterRun): string {
  const nodes = NODES[run.system];
  return nodes === 1 ? int(run.clients) : `${nodes} × ${int(run.clients / nodes)}`;
}

/** Each chat process's CPU (the server, or each node), in % of one core. */
function nodesCpu(run: ClusterRun): string {
  const by = run.step.cpuByServicePct ?? {};
  const nodes = Object.entries(by).filter(([name]) => name === 'tcp-server' || name.startsWith('node-'));
  return nodes.length === 0 ? '—' : nodes.map(([, v]) => pct(v)).join(' + ');
}

/**
 * The cluster against one node on Redis, and the single server without
 * Redis as the reference: deliveries/s, latency (across nodes: sender on
 * one node, receiver on the other), loss and order, each process's CPU and
 * Redis commands per public line.
 */
export function clusterTable(r: Results): string | null {
  const c = r.cluster;
  if (!c) return null;
  const rows: string[][] = [];
  for (const name of CLUSTER_STEP_NAMES) {
    const best = c.steps[name].best;
    const one = best['cluster-1'];
    for (const system of CLUSTER_SYSTEMS) {
      const run = best[system];
      if (!run) continue;
      const step = run.step;
      const across = step.crossNode;
      rows.push([
        clusterStepLabel(c, name),
        SYSTEM_LABEL[system],
        clientsOn(run),
        load(step),
        int(step.deliveriesPerSec),
        one ? ratio(step.deliveriesPerSec / one.step.deliveriesPerSec) : '—',
        ms(step.p50Ms),
        ms(step.p99Ms),
        across ? ms(across.p50Ms) : '—',
        across ? ms(across.p99Ms) : '—',
        step.lost === 0 && step.disconnects === 0 ? '0' : `${int(step.lost)}${step.disconnects ? ` (${step.disconnects} cut)` : ''}`,
        step.orderErrors === 0 ? 'ok' : int(step.orderErrors),
        nodesCpu(run),
        step.cpuByServicePct?.['redis-server'] === undefined ? '—' : pct(step.cpuByServicePct['redis-server']),
        pct(step.cpuLoadgenPct),
        run.redis ? run.redis.perLine.toFixed(2) : '—',
        step.loadAverage === undefined ? '—' : step.loadAverage.toFixed(1),
      ]);
    }
  }
  const header = ['cluster step', 'system', 'clients', 'load', 'deliveries/s', '÷ one node', 'p50 ms', 'p99 ms', 'across p50', 'across p99', 'loss', 'order', 'node CPU', 'Redis CPU', 'gen CPU', 'cmds/line', 'load avg'];
  return table(header, rows, (i) => i >= 3 && i !== 12);
}

/** A command's calls per public line in a step (0 when it never ran). */
function perLine(run: ClusterRun, command: string): number {
  return run.redis ? (run.redis.byCommand[command] ?? 0) / Math.max(1, run.redis.publicLines) : 0;
}

/** The cluster's two-node runs at two client counts: Redis commands per public line, and what they are. */
export function clusterRedisTable(r: Results): string | null {
  const c = r.cluster;
  if (!c) return null;
  const rows: string[][] = [];
  const byCommand: string[] = [];
  for (const name of CLUSTER_STEP_NAMES) {
    const runs = [c.recipients.small[name], c.steps[name].best['cluster-2']];
    for (const run of runs) {
      if (!run?.redis) continue;
      rows.push([
        clusterStepLabel(c, name),
        clientsOn(run),
        int(run.redis.publicLines),
        int(run.redis.commands),
        run.redis.perLine.toFixed(2),
        // Without the idle room's commands (heartbeats) over the step's time: what the lines themselves cost.
        Math.max(0, (run.redis.commands - c.recipients.idleCommandsPerSec * run.redis.seconds) / Math.max(1, run.redis.publicLines)).toFixed(2),
        perLine(run, 'evalsha').toFixed(3),
        perLine(run, 'xreadgroup').toFixed(3),
        seconds(run.redis.seconds),
      ]);
    }
    const big = runs[1]?.redis;
    if (big) {
      const top = Object.entries(big.byCommand)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([cmd, n]) => `${cmd} ${(n / Math.max(1, big.publicLines)).toFixed(3)}`);
      byCommand.push(`${clusterStepLabel(c, name)}, ${clientsOn(runs[1]!)}, per line: ${top.join(', ')}`);
    }
  }
  if (rows.length === 0) return null;
  const header = ['Redis, two nodes', 'clients', 'public lines', 'commands', 'per line', 'less idle', 'EVALSHA/line', 'XREADGROUP/line', 'seconds'];
  const idle =
    `idle room (heartbeats): ${c.recipients.idleCommandsPerSec.toFixed(1)} commands/s, counted in "per line" (the target's figure), ` +
    `taken out over the step's seconds in "less idle"; commands run inside scripts count under their own names as well as the EVALSHA`;
  return [table(header, rows, (i) => i >= 1), ...byCommand, idle].join('\n');
}

function clusterTargets(r: Results): TargetCheck[] {
  const c = r.cluster;
  const note = c && sizeNote(c.clients, TARGETS.clients);
  return [
    check(
      `Redis commands per public line do not grow with the recipients: 2 × ${int(TARGETS.clients / 2)} clients ≤ ${ratio(TARGETS.clusterCommandsGrowth)} 2 × 100, at each step`,
      c,
      () => {
        const parts: string[] = [];
        let worst = 0;
        for (const name of CLUSTER_STEP_NAMES) {
          const small = c!.recipients.small[name].redis;
          const big = c!.steps[name].best['cluster-2']?.redis;
          if (!small || !big) return { measured: 'a two-node run did not count its commands', met: false, margin: '' };
          const growth = big.perLine / small.perLine;
          worst = Math.max(worst, growth);
          parts.push(`${clusterStepLabel(c!, name)} ${ratio(growth)} (${big.perLine.toFixed(2)} vs ${small.perLine.toFixed(2)})`);
        }
        const counts = `${int(c!.clients)} vs ${int(c!.recipients.smallClients)} clients`;
        return {
          measured: `${parts.join('; ')}, ${counts}`,
          ...atMost(worst, TARGETS.clusterCommandsGrowth),
          note: note ?? (c!.recipients.smallClients !== 200 ? `small count ${int(c!.recipients.smallClients)} clients, not 200` : undefined),
        };
      },
    ),
    check('cluster: every line delivered once and in order, across nodes (every run on Redis)', c, () => {
      const runs = [
        ...CLUSTER_STEP_NAMES.flatMap((name) => c!.steps[name].runs),
        ...CLUSTER_STEP_NAMES.map((name) => c!.recipients.small[name]),
      ].filter((run) => run.system !== 'server');
      const lost = runs.reduce((n, run) => n + run.step.lost + run.step.disconnects, 0);
      const order = runs.reduce((n, run) => n + run.step.orderErrors, 0);
      const deliveries = runs.reduce((n, run) => n + run.step.received, 0);
      const across = runs.reduce((n, run) => n + (run.step.crossNode?.deliveries ?? 0), 0);
      return {
        measured: `${int(deliveries)} deliveries in ${runs.length} steps (${int(across)} across nodes): lost ${int(lost)}, out of order or repeated ${int(order)}`,
        met: lost === 0 && order === 0,
        margin: '',
        note,
      };
    }),
  ];
}

/** What a target check measured, and whether it held. */
type Measured = Omit<TargetCheck, 'target'>;

/** A target whose workload did not run; otherwise what `measure` says. */
function check(target: string, workload: unknown, measure: () => Measured): TargetCheck {
  return workload === undefined ? { target, measured: 'not run', met: null, margin: '' } : { target, ...measure() };
}

/** met when x ≥ min; the margin is by how much, in % of min. */
function atLeast(x: number, min: number): Pick<Measured, 'met' | 'margin'> {
  return { met: x >= min, margin: `${((x / min - 1) * 100).toFixed(0)}%` };
}

/** met when x ≤ max; the margin is how much room was left, in % of max. */
function atMost(x: number, max: number): Pick<Measured, 'met' | 'margin'> {
  return { met: x <= max, margin: `${((1 - x / max) * 100).toFixed(0)}%` };
}

function saturateTargets(r: Results): TargetCheck[] {
  const sat = r.saturate;
  const b = sat?.best.baseline;
  const s = sat?.best.server;
  const note = sat && sizeNote(sat.clients, TARGETS.clients);
  return [
    check(`server sustained deliveries/s ≥ ${TARGETS.fanoutRatio.toFixed(1)}× baseline (${TARGETS.clients} clients)`, sat, () => {
      const bs = b?.sustained;
      const ss = s?.sustained;
      if (!bs || !ss) {
        const rate = (x: StepResult | null | undefined) => (x ? int(sustainedRate(x)) : 'none');
        return { measured: `baseline ${rate(bs)}, server ${rate(ss)} sustained`, met: !!ss && !bs, margin: '' };
      }
      const x = sustainedRate(ss) / sustainedRate(bs);
      const peak = s!.peak.deliveriesPerSec / b!.peak.deliveriesPerSec;
      return {
        measured: `${ratio(x)} (${int(sustainedRate(ss))} vs ${int(sustainedRate(bs))}/s; peak ${ratio(peak)})`,
        ...atLeast(x, TARGETS.fanoutRatio),
        note,
      };
    }),
    check(`server p99 ≤ ${TARGETS.halfSaturationP99Ms} ms at half its saturation rate`, sat, () => {
      const half = s?.half;
      if (!half) return { measured: 'no sustained rate to halve', met: false, margin: '' };
      const within = atMost(half.p99Ms, TARGETS.halfSaturationP99Ms);
      return {
        measured: `${ms(half.p99Ms)} ms at ${int(half.offeredDeliveriesPerSec)} deliveries/s (${load(half)})`,
        ...within,
        met: within.met && half.lost === 0,
        note,
      };
    }),
  ];
}

function gatewayTargets(r: Results): TargetCheck[] {
  const g = r.gateway;
  // The saturate step when it ran, else the loaded step.
  const judged = g?.step ?? g?.load;
  const ws = judged?.best.gateway;
  const tcp = judged?.best.server;
  const one = g?.load?.best.gateway;
  return [
    check(
      `browser path p99 ≤ ${TARGETS.gatewayP99Ms} ms at ${millions(TARGETS.gatewayDeliveries)} deliveries/s, one gateway worker (${TARGETS.clients} WebSockets)`,
      one,
      () => {
        const direct = g!.load.best.server;
        const within = atMost(one!.p99Ms, TARGETS.gatewayP99Ms);
        const offered = one!.offeredDeliveriesPerSec;
        const notes = [
          sizeNote(g!.fanout.clients, TARGETS.clients),
          Math.abs(offered - TARGETS.gatewayDeliveries) > TARGETS.gatewayDeliveries * 0.05
            ? `offered ${int(offered)} deliveries/s, not ${int(TARGETS.gatewayDeliveries)}: indicative only`
            : undefined,
        ].filter((n) => n !== undefined);
        return {
          measured: `${ms(one!.p99Ms)} ms (direct TCP ${direct ? ms(direct.p99Ms) : '—'} ms) at ${int(offered)} deliveries/s (${load(one!)}), ${int(one!.deliveriesPerSec)} delivered/s; loss ${int(one!.lost + one!.disconnects)}`,
          ...within,
          met: within.met && one!.lost === 0 && one!.disconnects === 0,
          note: notes.length > 0 ? notes.join('; ') : undefined,
        };
      },
    ),
    check(`gateway ≥ ${TARGETS.gatewayRatio}× direct TCP deliveries/s, no loss (${TARGETS.clients} WebSockets)`, ws && tcp && g, () => {
      const x = ws!.deliveriesPerSec / tcp!.deliveriesPerSec;
      const fan = g!.fanout.best.gateway;
      const lost = ws!.lost + (fan?.lost ?? 0) + ws!.disconnects + (fan?.disconnects ?? 0);
      const within = atLeast(x, TARGETS.gatewayRatio);
      return {
        measured: `${ratio(x)} (${int(ws!.deliveriesPerSec)} vs ${int(tcp!.deliveriesPerSec)}/s at ${load(ws!)}; loss ${int(lost)})`,
        ...within,
        met: within.met && lost === 0,
        note: sizeNote(g!.fanout.clients, TARGETS.clients),
      };
    }),
  ];
}

function historyTargets(r: Results): TargetCheck[] {
  const h = r.history;
  return [
    check(`history on ≥ ${TARGETS.historyRatio}× history off deliveries/s, no loss at the fanout load (${TARGETS.clients} clients)`, h, () => {
      const fan = h!.fanout.best;
      const st = h!.step.best;
      const ratioOf = (on: StepResult | undefined, off: StepResult | undefined) =>
        on && off ? on.deliveriesPerSec / off.deliveriesPerSec : null;
      const fanRatio = ratioOf(fan.server, fan['history-off']);
      const stepRatio = ratioOf(st.server, st['history-off']);
      if (fanRatio === null || stepRatio === null) return { measured: 'a system did not run', met: false, margin: '' };
      const worst = Math.min(fanRatio, stepRatio);
      // What storing costs while both keep up: the server's CPU per delivery, on ÷ off.
      const cpuPerDelivery = (x: StepResult) => x.cpuSystemPct / x.deliveriesPerSec;
      const cpu = (on: StepResult, off: StepResult) => ratio(cpuPerDelivery(on) / cpuPerDelivery(off));
      const lost = (fan.server?.lost ?? 0) + (fan.server?.disconnects ?? 0);
      const within = atLeast(worst, TARGETS.historyRatio);
      return {
        measured:
          `fanout ${ratio(fanRatio)} (${int(fan.server!.deliveriesPerSec)} vs ${int(fan['history-off']!.deliveriesPerSec)}/s, loss ${int(lost)}); ` +
          `loaded step ${ratio(stepRatio)} (${int(st.server!.deliveriesPerSec)} vs ${int(st['history-off']!.deliveriesPerSec)}/s at ${load(st.server!)}); ` +
          `server CPU per delivery on ÷ off: fanout ${cpu(fan.server!, fan['history-off']!)}, loaded step ${cpu(st.server!, st['history-off']!)}`,
        ...within,
        met: within.met && lost === 0,
        note: sizeNote(h!.clients, TARGETS.clients),
      };
    }),
    check(`/history 200 answered in ≤ ${TARGETS.historyP99Ms} ms (p99) with ${int(TARGETS.historyLines)} messages stored`, h, () => {
      const t = h!.timings;
      const l = t.lookup;
      return {
        measured:
          `p99 ${ms(l.p99Ms)} ms (p50 ${ms(l.p50Ms)}, max ${ms(l.maxMs)}) over ${int(l.requests)} × /history ${l.count}, ${int(t.stored)} stored; ` +
          `server CPU ${ms(l.serverCpuMs)} ms each; the /users control's p99 ${ms(t.control.p99Ms)} ms`,
        ...atMost(l.p99Ms, TARGETS.historyP99Ms),
        note:
          t.stored < TARGETS.historyLines || l.count < 200
            ? `measured with ${int(t.stored)} stored, not ${int(TARGETS.historyLines)}: indicative only`
            : undefined,
      };
    }),
  ];
}

function idleTargets(r: Results): TargetCheck[] {
  return (
    [
      ['server', TARGETS.idleTcpBytes, 'TCP client (server RSS)'],
      ['gateway', TARGETS.idleWsBytes, 'browser socket (gateway + server RSS)'],
    ] as const
  ).map(([system, limit, label]) => {
    const run = r.idle?.runs.find((x) => x.system === system);
    return check(`≤ ${limit / 1024} KiB per idle ${label} at ${int(TARGETS.idleClients)}`, run, () => ({
      measured: `${kb(run!.perConnectionBytes)} KiB at ${int(run!.clients)}`,
      ...atMost(run!.perConnectionBytes, limit),
      note:
        system === 'gateway' && run!.clients < TARGETS.idleClients
          ? `${int(run!.clients)}, not 10,000: the gateway needs 2 descriptors per browser and a process may hold 20,000`
          : sizeNote(run!.clients, TARGETS.idleClients),
    }));
  });
}

/** A storm's time as read in a target line. */
function stormText(run: JoinRun | undefined): string {
  if (!run) return 'not run';
  return run.stormSeconds === null ? `not all welcomed (${int(run.joined)} of ${int(run.members)})` : `${seconds(run.stormSeconds)} s`;
}

function joinsTargets(r: Results): TargetCheck[] {
  const j = r.joins;
  const first = j?.sizes[0];
  const last = j?.sizes[j.sizes.length - 1];
  const best = (system: System, variant: JoinVariant, members: number | undefined) =>
    j && members !== undefined ? bestJoinRun(j, system, variant, members) : undefined;
  const note = j && last !== undefined ? sizeNote(last, TARGETS.joinMembers) : undefined;
  return JOIN_VARIANTS.flatMap((variant) => {
    const who = JOIN_VARIANT_LABEL[variant];
    const server = best('server', variant, last);
    const baseline = best('baseline', variant, last);
    const small = best('server', variant, first);
    const allowed = first !== undefined && last !== undefined ? (last / first) ** 2 : TARGETS.joinGrowth;
    return [
      check(`newcomer welcomed ≤ ${TARGETS.joinNewcomerMs} ms after a ${int(TARGETS.joinMembers)}-member storm (${who})`, server, () => {
        const wait = server!.newcomer.welcomeMs;
        if (wait === null) return { measured: `not welcomed (${server!.newcomer.error}) after ${int(last!)}`, met: false, margin: '', note };
        return { measured: `${ms(wait)} ms after ${int(last!)}`, ...atMost(wait, TARGETS.joinNewcomerMs), note };
      }),
      check(`server's storm of ${int(TARGETS.joinMembers)} no slower than the baseline's (${who})`, server && baseline, () => {
        const s = server!.stormSeconds;
        const b = baseline!.stormSeconds;
        const measured = `server ${stormText(server)}, baseline ${stormText(baseline)} at ${int(last!)}`;
        if (s === null || b === null) return { measured, met: s !== null, margin: '', note };
        return { measured: `${ratio(s / b)} (${measured})`, ...atMost(s / b, 1), note };
      }),
      check(
        `server's storm time grows no faster than N² (≤ ${TARGETS.joinGrowth}× from ${int(TARGETS.joinMembers / 4)} to ${int(TARGETS.joinMembers)} members) (${who})`,
        server && small && first !== last ? server : undefined,
        () => {
          const s = server!.stormSeconds;
          const measured = `${stormText(small)} at ${int(first!)}, ${stormText(server)} at ${int(last!)}; allowed ${ratio(allowed)}`;
          if (s === null || small!.stormSeconds === null) return { measured, met: false, margin: '', note };
          const growth = s / small!.stormSeconds;
          return { measured: `${ratio(growth)} (${measured})`, ...atMost(growth, allowed), note };
        },
      ),
    ];
  });
}

function resumeTargets(r: Results): TargetCheck[] {
  const x = r.resume;
  const plainIdle = x?.idle.find((i) => i.system === 'server');
  const withIdle = x?.idle.find((i) => i.system === 'server-resume');
  return [
    check(`resumable sessions ≥ ${TARGETS.resumeRatio}× the deliveries/s without, no loss (${TARGETS.clients} clients)`, x, () => {
      const fan = x!.fanout.best;
      const st = x!.step.best;
      const ratioOf = (a: StepResult | undefined, b: StepResult | undefined) => (a && b ? a.deliveriesPerSec / b.deliveriesPerSec : null);
      const fanRatio = ratioOf(fan['server-resume'], fan.server);
      const stepRatio = ratioOf(st['server-resume'], st.server);
      if (fanRatio === null || stepRatio === null) return { measured: 'a system did not run', met: false, margin: '' };
      const worst = Math.min(fanRatio, stepRatio);
      const lost = [fan['server-resume'], st['server-resume']].reduce((n, s) => n + (s?.lost ?? 0) + (s?.disconnects ?? 0), 0);
      const within = atLeast(worst, TARGETS.resumeRatio);
      // While both keep up deliveries/s are equal: the server's CPU per delivery shows what sessions cost.
      const cpu = (a: StepResult, b: StepResult) => ratio(a.cpuSystemPct / a.deliveriesPerSec / (b.cpuSystemPct / b.deliveriesPerSec));
      return {
        measured:
          `server CPU per delivery with ÷ without: fanout ${cpu(fan['server-resume']!, fan.server!)}, loaded step ${cpu(st['server-resume']!, st.server!)}; ` +
          `fanout ${ratio(fanRatio)} (${int(fan['server-resume']!.deliveriesPerSec)} vs ${int(fan.server!.deliveriesPerSec)}/s); ` +
          `loaded step ${ratio(stepRatio)} (${int(st['server-resume']!.deliveriesPerSec)} vs ${int(st.server!.deliveriesPerSec)}/s at ${load(st.server!)}, ` +
          `p99 ${ms(st['server-resume']!.p99Ms)} vs ${ms(st.server!.p99Ms)} ms); loss with sessions ${int(lost)}`,
        ...within,
        met: within.met && lost === 0,
        note: sizeNote(x!.clients, TARGETS.clients),
      };
    }),
    check(
      `idle memory per connection with sessions within ${Math.round((TARGETS.resumeIdleRatio - 1) * 100)} % of without (${int(TARGETS.idleClients)} clients)`,
      plainIdle && withIdle ? withIdle : undefined,
      () => {
        // Judged at steady state when measured: an idle connection is one
        // that has been idle (right after the joins, a connected session
        // still keeps what was written to it, for up to the grace).
        const w = withIdle!.steady ?? withIdle!;
        const p = plainIdle!.steady ?? plainIdle!;
        const q = w.perConnectionBytes / p.perConnectionBytes;
        const when = withIdle!.steady && plainIdle!.steady ? `steady state, idle ${Math.round(withIdle!.steady.afterMs / 1000)} s` : 'right after the joins';
        const joined = withIdle!.steady
          ? `; right after the joins ${ratio(withIdle!.perConnectionBytes / plainIdle!.perConnectionBytes)} (${kb(withIdle!.perConnectionBytes)} vs ${kb(plainIdle!.perConnectionBytes)} KiB)`
          : '';
        return {
          measured: `${when}: ${ratio(q)} (${kb(w.perConnectionBytes)} vs ${kb(p.perConnectionBytes)} KiB at ${int(withIdle!.clients)}, ${int(withIdle!.sessions ?? 0)} sessions)${joined}`,
          ...atMost(q, TARGETS.resumeIdleRatio),
          note: sizeNote(Math.min(plainIdle!.clients, withIdle!.clients), TARGETS.idleClients),
        };
      },
    ),
  ];
}

export function checkTargets(r: Results): TargetCheck[] {
  return [
    ...saturateTargets(r),
    ...gatewayTargets(r),
    ...idleTargets(r),
    ...historyTargets(r),
    ...resumeTargets(r),
    ...joinsTargets(r),
    ...clusterTargets(r),
  ];
}

function sizeNote(clients: number, wanted: number): string | undefined {
  return clients < wanted ? `measured at ${int(clients)} clients, not ${int(wanted)}: indicative only` : undefined;
}

export function targetsText(checks: TargetCheck[]): string {
  return checks
    .map((c) => {
      const verdict = c.met === null ? 'NOT RUN' : c.met ? 'MET    ' : 'MISSED ';
      const margin = c.met === null || c.margin === '' ? '' : ` (margin ${c.margin})`;
      return `${verdict} ${c.target}: ${c.measured}${margin}${c.note ? `\n        ${c.note}` : ''}`;
    })
    .join('\n');
}

function loadText(machine: Machine): string {
  const load = machine.loadAverage;
  if (load === undefined) return '';
  const end = load.end === undefined ? '' : `, ${load.end.toFixed(1)} at the end`;
  return `\nLoad average ${load.start.toFixed(1)} at the start${end} (${machine.cores} cores: above that, other work shared the machine)`;
}

export function report(r: Results, machine: Machine, quick: boolean): string {
  const parts = [
    `Chat benchmark${quick ? ' (--quick: small and short, indicative only)' : ''}: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}` +
      loadText(machine),
  ];
  const speed = speedTable(r);
  if (speed) parts.push(speed);
  const mem = idleTable(r);
  if (mem) parts.push(mem);
  const browser = gatewayTable(r);
  if (browser) parts.push(browser);
  const resumeIdle = resumeIdleTable(r);
  if (resumeIdle) parts.push(resumeIdle);
  const past = historyTable(r);
  if (past) parts.push(past);
  const crowd = joinsTable(r);
  if (crowd) parts.push(crowd);
  const nodes = clusterTable(r);
  if (nodes) parts.push(nodes);
  const redis = clusterRedisTable(r);
  if (redis) parts.push(redis);
  parts.push('Targets\n' + targetsText(checkTargets(r)));
  return parts.join('\n\n') + '\n';
}
