/**
 * Join-storm results as a run records them, built from the figures a test
 * needs: the report and chart tests share them.
 */
import type { JoinRun, JoinVariant, JoinsResult } from '../../bench/joins.ts';
import type { System } from '../../bench/session.ts';

/** One storm and its newcomer; null: not all were welcomed / the newcomer was not. */
export function joinRun(system: System, variant: JoinVariant, members: number, stormSeconds: number | null, newcomerMs: number | null): JoinRun {
  return {
    system,
    variant,
    members,
    stormSeconds,
    joined: stormSeconds === null ? members - 1 : members,
    failed: stormSeconds === null ? 1 : 0,
    firstError: stormSeconds === null ? 'not welcomed before the timeout' : null,
    newcomer: { welcomeMs: newcomerMs, promptMs: newcomerMs, error: newcomerMs === null ? 'not welcomed within 120000 ms' : null },
    cut: 0,
    rssBytes: 100 * 2 ** 20,
  };
}

export function joinsResult(runs: JoinRun[], sizes = [1000, 4000]): JoinsResult {
  return { sizes, timeoutSeconds: 120, runs };
}
