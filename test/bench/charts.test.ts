/**
 * Which charts a run's results give, and what each one shows: the saturate
 * steps of baseline and server against the offered rate, idle memory per
 * connection, and the join storms. (svg-chart.test.ts proves the drawing.)
 */
import { describe, expect, it } from 'vitest';
import { charts } from '../../bench/charts.ts';
import type { Results } from '../../bench/report.ts';
import type { StepResult, System } from '../../bench/session.ts';
import type { IdleRun, SaturateRun } from '../../bench/workloads.ts';
import { historyResult } from './history-runs.ts';
import { joinRun, joinsResult } from './join-runs.ts';

function step(offered: number, delivered: number, p99Ms: number): StepResult {
  return {
    senders: 20,
    ratePerSender: offered / 20 / 999,
    durationMs: 5000,
    offeredLinesPerSec: offered / 999,
    offeredDeliveriesPerSec: offered,
    sentLines: 0,
    expectedDeliveries: 0,
    received: 0,
    deliveriesPerSec: delivered,
    lost: 0,
    duplicates: 0,
    orderErrors: 0,
    disconnects: 0,
    p50Ms: p99Ms / 2,
    p99Ms,
    maxMs: p99Ms,
    cpuSystemPct: 0,
    cpuLoadgenPct: 0,
    rssBytes: 0,
  };
}

function saturateRun(system: System, steps: StepResult[]): SaturateRun {
  return { system, steps, sustained: steps[0]!, peak: steps[steps.length - 1]!, half: null };
}

function idleRun(system: System, kib: number): IdleRun {
  return { system, clients: 10_000, failed: 0, firstError: null, rssBeforeBytes: 0, rssJoinedBytes: 0, perConnectionBytes: kib * 1024, joinSeconds: 1, processes: [] };
}

const results: Results = {
  saturate: {
    clients: 1000,
    runs: [],
    best: {
      baseline: saturateRun('baseline', [step(200_000, 199_000, 30), step(400_000, 398_000, 28), step(800_000, 500_000, 3000)]),
      server: saturateRun('server', [step(200_000, 199_500, 31), step(400_000, 399_000, 27)]),
    },
  },
  idle: { runs: [idleRun('baseline', 17.9), idleRun('server', 27.8), idleRun('gateway', 31.4)] },
  joins: joinsResult([
    joinRun('baseline', 'readers', 1000, 1, 5),
    joinRun('server', 'readers', 1000, 2, 6),
    joinRun('baseline', 'readers', 4000, 9, 7),
    joinRun('server', 'readers', 4000, 30, 8),
    joinRun('baseline', 'non-readers', 1000, 1, 5),
    joinRun('server', 'non-readers', 1000, 2, 6),
  ]),
};

const history = historyResult({ fanout: [99_900, 99_900], loaded: [10_000_000, 9_600_000], lookup: [0.6, 4.9] });

/** The values of a bar chart's bars, in order. */
function bars(svg: string): number[] {
  return [...svg.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="[^"]+" data-y="([^"]+)"/g)].map((m) => Number(m[1]));
}

/** The values of a chart's reference lines (targets). */
function marks(svg: string): number[] {
  return [...svg.matchAll(/class="mark" data-y="([^"]+)"/g)].map((m) => Number(m[1]));
}

/** The values a chart's series drew, by series name. */
function drawn(svg: string): Record<string, Array<[number, number]>> {
  const out: Record<string, Array<[number, number]>> = {};
  for (const group of svg.split('<g class="series"').slice(1)) {
    const name = /data-series="([^"]*)"/.exec(group)![1]!;
    out[name] = [...group.matchAll(/data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
  }
  return out;
}

describe('charts', () => {
  it('draws deliveries/s and p99 against the offered rate, idle memory, the history, and the join storms, each once', () => {
    expect(charts({ ...results, history }, 'run').map((c) => c.name)).toEqual([
      'deliveries',
      'p99',
      'idle-memory',
      'history-deliveries',
      'history-requests',
      'joins-storm',
      'joins-newcomer',
    ]);
  });

  it('draws the p99 of direct TCP and of the gateway with one and two workers at each gateway step, with the 100 ms target', () => {
    const loaded = (offered: number, p99: [number, number, number]) => {
      const best = { server: step(offered, offered, p99[0]), gateway: step(offered, offered, p99[1]), 'gateway-2': step(offered, offered, p99[2]) };
      return { ratePerSender: 1, senders: 20, runs: [], best };
    };
    const gateway = { fanout: { clients: 1000, ...loaded(99_900, [30, 50, 60]) }, load: loaded(1_598_400, [35, 486, 300]), step: null };
    const [chart] = charts({ gateway }, 'run');
    expect(chart!.name).toBe('gateway-p99');
    expect(drawn(chart!.svg)).toEqual({
      'server (TCP)': [
        [99_900, 30],
        [1_598_400, 35],
      ],
      'gateway (WebSocket)': [
        [99_900, 50],
        [1_598_400, 486],
      ],
      'gateway, 2 workers (WebSocket)': [
        [99_900, 60],
        [1_598_400, 300],
      ],
    });
    expect(marks(chart!.svg)).toEqual([100]);
  });

  it('draws only what the workloads that ran measured', () => {
    expect(charts({ idle: results.idle }, 'run').map((c) => c.name)).toEqual(['idle-memory']);
    expect(charts({}, 'run')).toEqual([]);
  });

  it('puts every saturate step of baseline and server side by side, with the offered rate as the line to reach', () => {
    const [deliveries, p99] = charts(results, 'run');
    expect(drawn(deliveries!.svg)).toEqual({
      'baseline (TCP)': [
        [200_000, 199_000],
        [400_000, 398_000],
        [800_000, 500_000],
      ],
      'server (TCP)': [
        [200_000, 199_500],
        [400_000, 399_000],
      ],
      offered: [
        [200_000, 200_000],
        [400_000, 400_000],
        [800_000, 800_000],
      ],
    });
    expect(drawn(p99!.svg)['baseline (TCP)']).toEqual([
      [200_000, 30],
      [400_000, 28],
      [800_000, 3000],
    ]);
    expect(deliveries!.svg).toContain('(saturate, 1,000 clients)');
    // Markers only: the search measures some rates twice.
    expect(deliveries!.svg.split('<g class="series" data-series="server (TCP)"')[1]!.split('</g>')[0]).not.toContain('<path');
  });

  it('draws idle memory per connection in KiB, with the targets over the server and the gateway', () => {
    const idle = charts({ idle: results.idle }, 'run')[0]!.svg;
    expect([...idle.matchAll(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="[^"]+" data-y="([^"]+)"/g)].map((m) => Number(m[1]))).toEqual([
      17.9, 27.8, 31.4,
    ]);
    expect([...idle.matchAll(/class="mark" data-y="([^"]+)"/g)].map((m) => Number(m[1]))).toEqual([10, 30]);
  });

  it('draws the loaded step with history off and on, the target over history on at 0.95× history off', () => {
    const svg = charts({ history }, 'run')[0]!.svg;
    expect(bars(svg)).toEqual([10_000_000, 9_600_000]);
    expect(marks(svg)).toEqual([9_500_000]);
    expect(svg).toContain('data-series="server, history off (TCP)"');
    expect(svg).toContain('10,749,240 deliveries/s offered (20×538/s)');
  });

  it('draws the p50 and p99 of /history 200 and of a /since catch-up, the 5 ms target over /history p99', () => {
    const svg = charts({ history }, 'run')[1]!.svg;
    expect(bars(svg)).toEqual([0.6, 4.9, 4, 9]);
    expect(marks(svg)).toEqual([5]);
    expect(svg).toContain('History requests, 10,000 stored');
    expect(svg).toContain('catch-up: 1,000 missed lines by /since');
  });

  it('draws each storm and each newcomer against the members, per system and kind of member', () => {
    const [storm, newcomer] = charts({ joins: results.joins }, 'run');
    expect(drawn(storm!.svg)).toEqual({
      'baseline, members that read': [
        [1000, 1],
        [4000, 9],
      ],
      'server, members that read': [
        [1000, 2],
        [4000, 30],
      ],
      'baseline, members that never read': [[1000, 1]],
      'server, members that never read': [[1000, 2]],
    });
    expect(drawn(newcomer!.svg)['server, members that read']).toEqual([
      [1000, 6],
      [4000, 8],
    ]);
    expect(newcomer!.svg).toContain('class="mark" data-y="100"');
  });

  it('stands a storm that did not finish at the timeout, apart from the measured ones', () => {
    const [storm] = charts({ joins: joinsResult([joinRun('server', 'readers', 1000, 2, 6), joinRun('server', 'readers', 4000, null, null)]) }, 'run');
    const series = drawn(storm!.svg);
    expect(series['server, members that read']).toEqual([[1000, 2]]);
    expect(series['not finished in time']).toEqual([[4000, 120]]);
    expect(storm!.svg).toContain('class="mark" data-y="120"');
  });
});
