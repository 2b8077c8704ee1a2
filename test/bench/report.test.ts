/**
 * The verdicts people read: each target met or missed from the figures a
 * run measured, never from anything else. Pure: results in, checks out.
 */
import { describe, expect, it } from 'vitest';
import { bestJoinRun } from '../../bench/joins.ts';
import { type TargetCheck, checkTargets, joinsTable } from '../../bench/report.ts';
import { joinRun, joinsResult } from './join-runs.ts';

const run = joinRun;
const joins = joinsResult;

/** At 4,000 the server's storm did not finish in time: one member was never welcomed. */
const unfinished = joins([
  run('baseline', 'readers', 1000, 1, 5),
  run('server', 'readers', 1000, 2, 5),
  run('baseline', 'readers', 4000, 10, 5),
  run('server', 'readers', 4000, null, null),
]);

/** The join checks, by member kind and what they compare. */
function joinChecks(checks: TargetCheck[]) {
  const find = (kind: string, what: RegExp) => checks.find((c) => c.target.includes(`(${kind})`) && what.test(c.target))!;
  return (kind: 'members that read' | 'members that never read') => ({
    newcomer: find(kind, /^newcomer/),
    baseline: find(kind, /no slower than the baseline/),
    growth: find(kind, /grows no faster/),
  });
}

describe('join targets', () => {
  it('judges the newcomer, the storm against the baseline and its growth at the largest size, for both kinds of member', () => {
    const checks = checkTargets({
      joins: joins([
        run('baseline', 'readers', 1000, 0.5, 5),
        run('server', 'readers', 1000, 1, 5),
        run('baseline', 'readers', 4000, 10, 5),
        run('server', 'readers', 4000, 20, 50),
        run('baseline', 'non-readers', 1000, 0.5, 5),
        run('server', 'non-readers', 1000, 1, 5),
        run('baseline', 'non-readers', 4000, 10, 5),
        run('server', 'non-readers', 4000, 8, 72_600),
      ]),
    });
    const of = joinChecks(checks);
    const read = of('members that read');
    expect([read.newcomer.met, read.baseline.met, read.growth.met]).toEqual([true, false, false]);
    expect(read.baseline.measured).toContain('2.00×');
    expect(read.growth.measured).toContain('20.00×');
    const silent = of('members that never read');
    expect([silent.newcomer.met, silent.baseline.met, silent.growth.met]).toEqual([false, true, true]);
    expect(silent.newcomer.measured).toContain('72600 ms');
    expect(silent.growth.measured).toContain('8.00×');
    // At 4,000 members the figures are not marked indicative.
    expect(checks.filter((c) => c.note !== undefined)).toEqual([]);
  });

  it('allows the growth of the sizes measured: (last ÷ first)², and marks a run below 4,000 members indicative', () => {
    const checks = checkTargets({
      joins: joins(
        [
          run('baseline', 'readers', 100, 0.1, 5),
          run('server', 'readers', 100, 0.1, 5),
          run('baseline', 'readers', 200, 0.4, 5),
          run('server', 'readers', 200, 0.5, 5),
        ],
        [100, 200],
      ),
    });
    const growth = joinChecks(checks)('members that read').growth;
    // 5× in a doubling: more than the 4× that N² allows.
    expect(growth.met).toBe(false);
    expect(growth.measured).toContain('allowed 4.00×');
    expect(growth.note).toMatch(/measured at 200 clients, not 4,000: indicative only/);
  });

  it('misses every target of a storm that did not finish in time, saying how many were welcomed', () => {
    const checks = checkTargets({ joins: unfinished });
    const read = joinChecks(checks)('members that read');
    expect([read.newcomer.met, read.baseline.met, read.growth.met]).toEqual([false, false, false]);
    expect(read.baseline.measured).toContain('not all welcomed (3,999 of 4,000)');
    expect(read.newcomer.measured).toContain('not welcomed');
  });

  it('reports every target as not run when no workload ran', () => {
    const checks = checkTargets({});
    expect(checks.length).toBe(11);
    expect(checks.every((c) => c.met === null && c.measured === 'not run')).toBe(true);
  });

  it('keeps the fastest round of each system, kind and size; a storm that timed out ranks last', () => {
    const result = joins([run('server', 'readers', 1000, null, null), run('server', 'readers', 1000, 3, 9), run('server', 'readers', 1000, 2, 40)]);
    expect(bestJoinRun(result, 'server', 'readers', 1000)).toMatchObject({ stormSeconds: 2, newcomer: { welcomeMs: 40 } });
    expect(bestJoinRun(result, 'baseline', 'readers', 1000)).toBeUndefined();
  });

  it('tabulates each storm with its ratio to the baseline and its growth from the smallest size', () => {
    const text = joinsTable({ joins: unfinished })!;
    const rows = text.split('\n').slice(2);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(/^members that read\s+server \(TCP\)\s+1,000\s+2\.00\s+2\.00×\s+1\.00×\s+0/);
    expect(rows[3]).toMatch(/^members that read\s+server \(TCP\)\s+4,000\s+> 120\s+—\s+—\s+1\s+> 120,000/);
  });
});

describe('other targets', () => {
  it('misses the idle-memory target by how much the measured figure exceeds it', () => {
    const [server] = checkTargets({
      idle: {
        runs: [
          {
            system: 'server',
            clients: 10_000,
            failed: 0,
            firstError: null,
            rssBeforeBytes: 0,
            rssJoinedBytes: 0,
            perConnectionBytes: 12 * 1024,
            joinSeconds: 1,
            processes: [],
          },
        ],
      },
    }).filter((c) => c.target.includes('idle TCP client'));
    expect(server).toMatchObject({ met: false, margin: '-20%', measured: '12.00 KiB at 10,000' });
  });
});
