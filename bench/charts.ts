/**
 * The benchmark's results as pictures: which charts a run's results give,
 * drawn with svg-chart.ts. Pure: results in, named SVG texts out; main.ts
 * writes them next to the JSON (and to --charts-dir).
 */
import { JOIN_VARIANTS, JOIN_VARIANT_LABEL, type JoinsResult, bestJoinRun } from './joins.ts';
import type { Results } from './report.ts';
import { TARGETS } from './report.ts';
import type { System } from './session.ts';
import { SYSTEM_LABEL } from './session.ts';
import { type Series, barChart, lineChart } from './svg-chart.ts';
import { GATEWAY_SYSTEMS, type SaturateRun } from './workloads.ts';

export interface Chart {
  /** File name stem: `deliveries` → deliveries.svg. */
  name: string;
  svg: string;
}

/** One colour per system in every chart: baseline blue, the project orange (purple with history off), the gateway green. */
const COLOR: Record<System, string> = { baseline: '#0072B2', server: '#E69F00', 'history-off': '#CC79A7', 'server-resume': '#D55E00', gateway: '#009E73', 'gateway-2': '#56B4E9', 'cluster-1': '#F0E442', 'cluster-2': '#000000' };
const SYSTEMS = ['baseline', 'server'] as const;

const ms = (v: number) => (v >= 10 ? String(Math.round(v)) : String(Number(v.toPrecision(2))));
/** A wait in ms as people say it: 20 ms, 1.5 s, 100 s. */
const duration = (v: number) => (v < 1000 ? `${ms(v)} ms` : `${Number((v / 1000).toPrecision(3))} s`);

/**
 * Every step of a system's best saturate round, as markers: the search
 * doubles, then bisects and halves, so some rates are measured twice and a
 * line through them would zig-zag.
 */
function saturateSeries(runs: Partial<Record<System, SaturateRun>>, y: (s: SaturateRun['steps'][number]) => number): Series[] {
  return SYSTEMS.flatMap((system) => {
    const run = runs[system];
    if (!run) return [];
    return [{ name: SYSTEM_LABEL[system], color: COLOR[system], line: false, points: run.steps.map((s) => [s.offeredDeliveriesPerSec, y(s)] as const) }];
  });
}

function saturateCharts(r: Results, subtitle: string): Chart[] {
  const sat = r.saturate;
  if (!sat) return [];
  const offered = 'offered deliveries/s';
  const every = SYSTEMS.flatMap((system) => sat.best[system]?.steps ?? []).map((s) => s.offeredDeliveriesPerSec);
  const clients = `${sat.clients.toLocaleString('en-US')} clients`;
  return [
    {
      name: 'deliveries',
      svg: lineChart({
        title: `Deliveries per second against the offered rate (saturate, ${clients})`,
        subtitle,
        x: { label: `${offered} (every step of the best round)`, scale: 'log' },
        y: { label: 'deliveries/s achieved', scale: 'log' },
        series: [
          // What a system that keeps up delivers: the offered rate itself (drawn first, under the steps).
          { name: 'offered', color: '#999999', dashed: true, points: [...new Set(every)].map((v) => [v, v] as const) },
          ...saturateSeries(sat.best, (s) => s.deliveriesPerSec),
        ],
      }),
    },
    {
      name: 'p99',
      svg: lineChart({
        title: `p99 latency against the offered rate (saturate, ${clients})`,
        subtitle,
        x: { label: `${offered} (every step of the best round)`, scale: 'log' },
        y: { label: 'p99 latency, ms', scale: 'log', format: ms },
        series: saturateSeries(sat.best, (s) => s.p99Ms),
        marks: [{ y: TARGETS.halfSaturationP99Ms, label: 'target at half the saturation rate' }],
      }),
    },
  ];
}

function idleChart(r: Results, subtitle: string): Chart[] {
  const idle = r.idle;
  if (!idle) return [];
  const kib = (v: number) => `${Number(v.toPrecision(3))}`;
  const target: Partial<Record<System, { value: number; label: string }>> = {
    server: { value: TARGETS.idleTcpBytes / 1024, label: 'target' },
    gateway: { value: TARGETS.idleWsBytes / 1024, label: 'target' },
  };
  return [
    {
      name: 'idle-memory',
      svg: barChart({
        title: `Memory per idle connection (RSS growth ÷ ${[...new Set(idle.runs.map((run) => run.clients.toLocaleString('en-US')))].join(' / ')} clients)`,
        subtitle,
        yLabel: 'KiB per connection',
        format: kib,
        bars: idle.runs.map((run) => ({
          label: run.system === 'gateway' ? 'gateway + server (WebSocket)' : SYSTEM_LABEL[run.system],
          value: run.perConnectionBytes / 1024,
          color: COLOR[run.system],
          target: target[run.system],
        })),
      }),
    },
  ];
}

function joinSeries(j: JoinsResult, value: (run: NonNullable<ReturnType<typeof bestJoinRun>>) => number | null): Series[] {
  return JOIN_VARIANTS.flatMap((variant) =>
    SYSTEMS.map((system) => ({
      name: `${system}, ${JOIN_VARIANT_LABEL[variant]}`,
      color: COLOR[system],
      dashed: variant === 'non-readers',
      points: j.sizes.flatMap((members) => {
        const run = bestJoinRun(j, system, variant, members);
        const v = run ? value(run) : null;
        // A storm or newcomer that timed out has no time to draw: it is in the table as "> timeout".
        return v === null ? [] : [[members, v] as const];
      }),
    })),
  );
}

function joinsCharts(r: Results, subtitle: string): Chart[] {
  const j = r.joins;
  if (!j) return [];
  const members = { label: 'members joining at once', scale: 'log' as const, ticks: j.sizes };
  // Storms that did not finish have no time: they stand at the timeout, in grey.
  const unfinished = j.sizes.filter((n) => j.runs.some((run) => run.members === n && run.stormSeconds === null));
  return [
    {
      name: 'joins-storm',
      svg: lineChart({
        title: 'Join storm: time until the last member is welcomed',
        subtitle,
        x: members,
        y: { label: 'seconds', scale: 'log' },
        series: [
          ...joinSeries(j, (run) => run.stormSeconds),
          ...(unfinished.length > 0
            ? [{ name: 'not finished in time', color: '#999999', line: false, points: unfinished.map((n) => [n, j.timeoutSeconds] as const) }]
            : []),
        ],
        marks: unfinished.length > 0 ? [{ y: j.timeoutSeconds, label: 'timeout' }] : [],
      }),
    },
    {
      name: 'joins-newcomer',
      svg: lineChart({
        title: 'A newcomer right after the storm: connect to welcome',
        subtitle,
        x: members,
        y: { label: 'wait', scale: 'log', format: duration },
        series: joinSeries(j, (run) => run.newcomer.welcomeMs),
        marks: [{ y: TARGETS.joinNewcomerMs, label: `target after ${TARGETS.joinMembers.toLocaleString('en-US')}` }],
      }),
    },
  ];
}

function historyCharts(r: Results, subtitle: string): Chart[] {
  const h = r.history;
  if (!h) return [];
  const out: Chart[] = [];
  const off = h.step.best['history-off'];
  const on = h.step.best.server;
  if (off && on) {
    const clients = `${h.clients.toLocaleString('en-US')} clients`;
    const offered = Math.round(on.offeredDeliveriesPerSec).toLocaleString('en-US');
    out.push({
      name: 'history-deliveries',
      svg: barChart({
        title: `Fan-out with history off and on: deliveries/s (${clients})`,
        subtitle: `${subtitle} · ${offered} deliveries/s offered (${on.senders}×${on.ratePerSender}/s)`,
        yLabel: 'deliveries/s achieved',
        bars: [
          { label: SYSTEM_LABEL['history-off'], value: off.deliveriesPerSec, color: COLOR['history-off'] },
          {
            label: 'server, history on (TCP)',
            value: on.deliveriesPerSec,
            color: COLOR.server,
            target: { value: TARGETS.historyRatio * off.deliveriesPerSec, label: `target ${TARGETS.historyRatio}× off` },
          },
        ],
      }),
    });
  }
  const { lookup, since, stored } = h.timings;
  const lookupLabel = `/history ${lookup.count}`;
  out.push({
    name: 'history-requests',
    svg: barChart({
      title: `History requests, ${stored.toLocaleString('en-US')} stored: time to the last line`,
      subtitle: `${subtitle} · catch-up: ${since.missed.toLocaleString('en-US')} missed lines by /since`,
      yLabel: 'ms',
      format: ms,
      bars: [
        { label: `${lookupLabel} p50`, value: lookup.p50Ms, color: COLOR.server },
        { label: `${lookupLabel} p99`, value: lookup.p99Ms, color: COLOR.server, target: { value: TARGETS.historyP99Ms, label: 'target' } },
        { label: 'catch-up p50', value: since.p50Ms, color: '#56B4E9' },
        { label: 'catch-up p99', value: since.p99Ms, color: '#56B4E9' },
      ],
    }),
  });
  return out;
}

/** Every chart the results allow; `subtitle` says where they come from (run, machine). */
/**
 * The browser path against direct TCP: p99 at each gateway step (the fanout
 * load, issue 14's 1.6M/s, the saturate rate when it ran), one line per
 * system, with the issue's 100 ms target.
 */
function gatewayChart(r: Results, subtitle: string): Chart[] {
  const g = r.gateway;
  if (!g?.load) return [];
  const steps = [g.fanout, g.load, ...(g.step ? [g.step] : [])];
  const series: Series[] = GATEWAY_SYSTEMS.map((system) => ({
    name: SYSTEM_LABEL[system],
    color: COLOR[system],
    points: steps.flatMap((st) => {
      const s = st.best[system];
      return s ? [[s.offeredDeliveriesPerSec, s.p99Ms] as const] : [];
    }),
  }));
  return [
    {
      name: 'gateway-p99',
      svg: lineChart({
        title: `Browser path against direct TCP: p99 latency (${g.fanout.clients.toLocaleString('en-US')} clients)`,
        subtitle,
        x: { label: 'offered deliveries/s (the gateway steps)', scale: 'log' },
        y: { label: 'p99 latency, ms', scale: 'log', format: ms },
        series,
        marks: [{ y: TARGETS.gatewayP99Ms, label: 'target at 1.6M/s, one worker' }],
      }),
    },
  ];
}

export function charts(r: Results, subtitle: string): Chart[] {
  return [
    ...saturateCharts(r, subtitle),
    ...idleChart(r, subtitle),
    ...gatewayChart(r, subtitle),
    ...historyCharts(r, subtitle),
    ...joinsCharts(r, subtitle),
  ];
}
