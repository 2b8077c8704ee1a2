/**
 * The results as people read them: the tables on stdout and the targets,
 * each met or missed and by how much. Pure: results in, text out.
 */
import type { StepResult, System } from './session.ts';
import { SYSTEM_LABEL } from './session.ts';
import type { FanoutResult, GatewayResult, IdleResult, SaturateResult } from './workloads.ts';

export interface Results {
  fanout?: FanoutResult;
  saturate?: SaturateResult;
  idle?: IdleResult;
  gateway?: GatewayResult;
}

export interface Machine {
  cores: number;
  memoryGiB: number;
  cpu: string;
  node: string;
  platform: string;
}

/** The issue's targets; never lowered to make a run pass. */
export const TARGETS = {
  fanoutRatio: 1.0,
  halfSaturationP99Ms: 20,
  gatewayRatio: 0.8,
  idleTcpBytes: 10 * 1024,
  idleWsBytes: 30 * 1024,
  idleClients: 10_000,
  clients: 1000,
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
    const f = r.gateway.fanout.best;
    rows.push(stepRow('gateway: fanout', 'server', f.server, f.server));
    rows.push(stepRow('gateway: fanout', 'gateway', f.gateway, f.server));
    const st = r.gateway.step.best;
    rows.push(stepRow('gateway: saturate step', 'server', st.server, st.server));
    rows.push(stepRow('gateway: saturate step', 'gateway', st.gateway, st.server));
  }
  if (rows.length === 0) return null;
  return table(SPEED_HEADER, rows, (i) => i >= 3);
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

export function checkTargets(r: Results): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const sat = r.saturate;
  {
    const b = sat?.best.baseline?.sustained;
    const s = sat?.best.server?.sustained;
    const target = `server sustained deliveries/s ≥ ${TARGETS.fanoutRatio.toFixed(1)}× baseline (${TARGETS.clients} clients)`;
    if (!sat) checks.push({ target, measured: 'not run', met: null, margin: '' });
    else if (!s || !b) checks.push({ target, measured: `baseline ${b ? int(sustainedRate(b)) : 'none'}, server ${s ? int(sustainedRate(s)) : 'none'} sustained`, met: !!s && !b, margin: '' });
    else {
      const x = sustainedRate(s) / sustainedRate(b);
      const peak = sat.best.server!.peak.deliveriesPerSec / sat.best.baseline!.peak.deliveriesPerSec;
      checks.push({
        target,
        measured: `${ratio(x)} (${int(sustainedRate(s))} vs ${int(sustainedRate(b))}/s; peak ${ratio(peak)})`,
        met: x >= TARGETS.fanoutRatio,
        margin: `${((x / TARGETS.fanoutRatio - 1) * 100).toFixed(0)}%`,
        note: sizeNote(sat.clients, TARGETS.clients),
      });
    }
  }
  {
    const half = sat?.best.server?.half;
    const target = `server p99 ≤ ${TARGETS.halfSaturationP99Ms} ms at half its saturation rate`;
    if (!sat) checks.push({ target, measured: 'not run', met: null, margin: '' });
    else if (!half) checks.push({ target, measured: 'no sustained rate to halve', met: false, margin: '' });
    else
      checks.push({
        target,
        measured: `${ms(half.p99Ms)} ms at ${int(half.offeredDeliveriesPerSec)} deliveries/s (${load(half)})`,
        met: half.p99Ms <= TARGETS.halfSaturationP99Ms && half.lost === 0,
        margin: `${((1 - half.p99Ms / TARGETS.halfSaturationP99Ms) * 100).toFixed(0)}%`,
        note: sizeNote(sat.clients, TARGETS.clients),
      });
  }
  {
    const g = r.gateway;
    const target = `gateway ≥ ${TARGETS.gatewayRatio}× direct TCP deliveries/s, no loss (${TARGETS.clients} WebSockets)`;
    const ws = g?.step.best.gateway;
    const tcp = g?.step.best.server;
    if (!g || !ws || !tcp) checks.push({ target, measured: 'not run', met: null, margin: '' });
    else {
      const x = ws.deliveriesPerSec / tcp.deliveriesPerSec;
      const fan = g.fanout.best.gateway;
      const lost = ws.lost + (fan?.lost ?? 0) + ws.disconnects + (fan?.disconnects ?? 0);
      checks.push({
        target,
        measured: `${ratio(x)} (${int(ws.deliveriesPerSec)} vs ${int(tcp.deliveriesPerSec)}/s at ${load(ws)}; loss ${int(lost)})`,
        met: x >= TARGETS.gatewayRatio && lost === 0,
        margin: `${((x / TARGETS.gatewayRatio - 1) * 100).toFixed(0)}%`,
        note: sizeNote(g.fanout.clients, TARGETS.clients),
      });
    }
  }
  for (const [system, limit, label] of [
    ['server', TARGETS.idleTcpBytes, 'TCP client (server RSS)'],
    ['gateway', TARGETS.idleWsBytes, 'browser socket (gateway + server RSS)'],
  ] as const) {
    const run = r.idle?.runs.find((x) => x.system === system);
    const target = `≤ ${limit / 1024} KiB per idle ${label} at ${int(TARGETS.idleClients)}`;
    if (!run) checks.push({ target, measured: 'not run', met: null, margin: '' });
    else
      checks.push({
        target,
        measured: `${kb(run.perConnectionBytes)} KiB at ${int(run.clients)}`,
        met: run.perConnectionBytes <= limit,
        margin: `${((1 - run.perConnectionBytes / limit) * 100).toFixed(0)}%`,
        note:
          system === 'gateway' && run.clients < TARGETS.idleClients
            ? `${int(run.clients)}, not 10,000: the gateway needs 2 descriptors per browser and a process may hold 20,000`
            : sizeNote(run.clients, TARGETS.idleClients),
      });
  }
  return checks;
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

export function report(r: Results, machine: Machine, quick: boolean): string {
  const parts = [
    `Chat benchmark${quick ? ' (--quick: small and short, indicative only)' : ''}: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}`,
  ];
  const speed = speedTable(r);
  if (speed) parts.push(speed);
  const mem = idleTable(r);
  if (mem) parts.push(mem);
  parts.push('Targets\n' + targetsText(checkTargets(r)));
  return parts.join('\n\n') + '\n';
}
