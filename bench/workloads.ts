/**
 * The workloads of `npm run bench`: each runs the systems it compares
 * alternately (baseline then project, then the other way round…) in fresh
 * processes, and keeps every step's figures.
 */
import type { BenchOptions } from './options.ts';
import { workersFor } from './options.ts';
import { PROFILE_DIR, Session, type StepOptions, type StepResult, type System, sleep } from './session.ts';

export interface Context {
  options: BenchOptions;
  progress: (text: string) => void;
}

/** A step passes the saturate test when it kept up: no loss, no cut-off, p99 within this. */
export const SATURATE_P99_MS = 100;
/** "Deliveries stop growing": a doubling that gains less than this factor. */
const GROWTH = 1.1;

export interface SessionChoices {
  /** Join every client before the body runs (default true). */
  join?: boolean;
  /** Profile the measured processes when --profile asks (default true; a profiler's memory would distort idle RSS). */
  profile?: boolean;
}

/**
 * Fresh processes of `system` with `clients` clients ready to connect (not
 * yet joined): the one way every workload starts what it measures.
 */
export function openSession(ctx: Context, system: System, clients: number, profile = true): Promise<Session> {
  return Session.open({
    system,
    clients,
    workers: workersFor(clients, ctx.options.workers),
    profileDir: profile && ctx.options.profile ? PROFILE_DIR : undefined,
    wsClient: ctx.options.wsClient,
    progress: ctx.progress,
  });
}

/** Runs `body` on a fresh session and always closes it. */
export async function withSession<T>(
  ctx: Context,
  system: System,
  clients: number,
  body: (s: Session) => Promise<T>,
  { join = true, profile = true }: SessionChoices = {},
): Promise<T> {
  const session = await openSession(ctx, system, clients, profile);
  try {
    if (join) await session.joinAll();
    return await body(session);
  } finally {
    ctx.progress(`${session.label}: stopping`);
    await session.close();
  }
}

/** Round r runs the systems in order, then reversed, so drift on the machine evens out. */
export function alternate<T extends System>(systems: T[], rounds: number): T[] {
  const order: T[] = [];
  for (let r = 0; r < rounds; r++) order.push(...(r % 2 === 0 ? systems : [...systems].reverse()));
  return order;
}

/**
 * How long a step may take to deliver its backlog; a drain also ends once
 * nothing has arrived for 2 s. What has not arrived by then is reported as
 * loss (undelivered), and saturate restarts the processes before its next
 * step, so leftovers never load another step.
 */
export function drainFor(durationMs: number): number {
  return Math.max(30_000, 12 * durationMs);
}

/** A step that kept up with what it was offered. */
export function sustained(step: StepResult): boolean {
  return step.lost === 0 && step.disconnects === 0 && step.orderErrors === 0 && step.p99Ms <= SATURATE_P99_MS;
}

// ---------------------------------------------------------------------------

export interface FanoutResult {
  clients: number;
  runs: Array<{ system: System; step: StepResult }>;
  /** Best round per system (highest deliveries/s). */
  best: Partial<Record<System, StepResult>>;
}

function bestOf(runs: Array<{ system: System; step: StepResult }>): Partial<Record<System, StepResult>> {
  const best: Partial<Record<System, StepResult>> = {};
  for (const { system, step } of runs) {
    const b = best[system];
    if (b === undefined || step.deliveriesPerSec > b.deliveriesPerSec) best[system] = step;
  }
  return best;
}

/** The fanout step on each of `systems`, alternately, `--rounds` times, each in fresh processes. */
export async function fanoutOn(ctx: Context, systems: System[]): Promise<FanoutResult> {
  const o = ctx.options;
  const step: StepOptions = {
    senders: o.fanoutSenders,
    ratePerSender: o.fanoutRate,
    durationMs: o.seconds * 1000,
    drainMaxMs: drainFor(o.seconds * 1000),
  };
  const runs: FanoutResult['runs'] = [];
  for (const system of alternate(systems, o.rounds)) {
    runs.push({ system, step: await withSession(ctx, system, o.clients, (s) => s.step(step)) });
  }
  return { clients: o.clients, runs, best: bestOf(runs) };
}

export function fanout(ctx: Context): Promise<FanoutResult> {
  return fanoutOn(ctx, ['baseline', 'server']);
}

// ---------------------------------------------------------------------------

export interface SaturateRun {
  system: System;
  steps: StepResult[];
  /** The highest offered rate kept up with (null: not even the first step). */
  sustained: StepResult | null;
  /** The step with the most deliveries per second. */
  peak: StepResult;
  /** A step at half the sustained rate: its latency is the "half saturation" figure. */
  half: StepResult | null;
}

export interface SaturateResult {
  clients: number;
  runs: SaturateRun[];
  /** Best round per system (highest sustained rate, then peak). */
  best: Partial<Record<System, SaturateRun>>;
}

async function saturateOne(ctx: Context, system: System): Promise<SaturateRun> {
  const o = ctx.options;
  const senders = o.saturateSenders;
  const durationMs = o.stepSeconds * 1000;
  const open = async () => {
    const s = await openSession(ctx, system, o.clients);
    try {
      await s.joinAll();
    } catch (error) {
      await s.close();
      throw error;
    }
    return s;
  };
  let session = await open();
  const steps: StepResult[] = [];
  const run = async (ratePerSender: number) => {
    const step = await session.step({ senders, ratePerSender, durationMs, drainMaxMs: drainFor(durationMs) });
    steps.push(step);
    if (step.lost > 0) {
      // Not drained: the system is still loaded (or lost lines). The next
      // step starts on fresh processes, as the first one did.
      ctx.progress(`${session.label}: restarting after an overloaded step`);
      await session.close();
      session = await open();
    }
    return step;
  };
  try {
    let rate = Math.max(1, Math.round(o.saturateStartDeliveries / (senders * (o.clients - 1))));
    let best: StepResult | null = null; // highest sustained
    let failed: number | null = null; // lowest rate not sustained
    let peak = 0;
    for (let i = 0; i < o.maxSteps; i++) {
      const step = await run(rate);
      if (step.disconnects > 0) break; // clients were cut off: later steps would measure fewer
      if (sustained(step)) best = step;
      else failed ??= rate;
      const grew = step.deliveriesPerSec >= peak * GROWTH;
      peak = Math.max(peak, step.deliveriesPerSec);
      if (!grew) break;
      rate *= 2;
    }
    // Between the last rate kept up with and the first that was not: bisect (geometrically).
    let lo = best?.ratePerSender ?? 0;
    let hi = failed;
    for (let i = 0; i < o.refineSteps && hi !== null && lo > 0 && hi / lo > 1.15; i++) {
      const mid = Math.round(Math.sqrt(lo * hi));
      if (mid <= lo || mid >= hi) break;
      const step = await run(mid);
      if (step.disconnects > 0) break;
      if (sustained(step)) {
        best = step;
        lo = mid;
      } else hi = mid;
    }
    let half: StepResult | null = null;
    if (best !== null && best.ratePerSender >= 2) half = await run(Math.round(best.ratePerSender / 2));
    const peakStep = steps.reduce((x, y) => (y.deliveriesPerSec > x.deliveriesPerSec ? y : x));
    return { system, steps, sustained: best, peak: peakStep, half };
  } finally {
    ctx.progress(`${session.label}: stopping`);
    await session.close();
  }
}

export async function saturate(ctx: Context): Promise<SaturateResult> {
  const o = ctx.options;
  const runs: SaturateRun[] = [];
  for (const system of alternate<System>(['baseline', 'server'], o.rounds)) {
    runs.push(await saturateOne(ctx, system));
  }
  const best: SaturateResult['best'] = {};
  const score = (r: SaturateRun) => (r.sustained?.offeredDeliveriesPerSec ?? 0) * 1e3 + r.peak.deliveriesPerSec / 1e6;
  for (const r of runs) {
    const b = best[r.system];
    if (b === undefined || score(r) > score(b)) best[r.system] = r;
  }
  return { clients: o.clients, runs, best };
}

// ---------------------------------------------------------------------------

export interface IdleRun {
  system: System;
  /** Clients that joined (and were measured). */
  clients: number;
  /** Clients given a session (opted in to resume: `server-resume`). */
  sessions?: number;
  /** Clients that could not join, and why the first one failed. */
  failed: number;
  firstError: string | null;
  /** RSS of the measured processes before any client connected, and with every client joined. */
  rssBeforeBytes: number;
  rssJoinedBytes: number;
  perConnectionBytes: number;
  /**
   * When asked (the resume workload): RSS again after the clients stayed
   * idle for `steadyMs` (longer than the sessions' grace plus one sweep),
   * and the growth per connection then: the steady state of an idle
   * connection, where the figures above are right after the joins.
   */
  steady?: { afterMs: number; rssBytes: number; perConnectionBytes: number };
  joinSeconds: number;
  processes: Array<{ name: string; beforeBytes: number; joinedBytes: number }>;
}

export interface IdleResult {
  runs: IdleRun[];
}

export function idleOne(ctx: Context, system: System, clients: number, steadyMs?: number): Promise<IdleRun> {
  return withSession(
    ctx,
    system,
    clients,
    async (session) => {
      ctx.progress(`${session.label}: settling before ${clients} idle clients`);
      await sleep(ctx.options.settleMs);
      const before = session.services.map((s) => s.rssNow());
      const { seconds, joined, sessions, failed, firstError } = await session.joinAll(true);
      ctx.progress(`${session.label}: ${joined} idle clients joined; settling`);
      await sleep(ctx.options.settleMs);
      const after = session.services.map((s) => s.rssNow());
      let steady: IdleRun['steady'];
      if (steadyMs !== undefined) {
        ctx.progress(`${session.label}: idle for ${Math.round(steadyMs / 1000)} s more (steady state)`);
        await sleep(steadyMs);
        const rss = sum(session.services.map((s) => s.rssNow()));
        steady = { afterMs: steadyMs, rssBytes: rss, perConnectionBytes: (rss - sum(before)) / Math.max(1, joined) };
      }
      return {
        system,
        clients: joined,
        sessions,
        failed,
        firstError,
        rssBeforeBytes: sum(before),
        rssJoinedBytes: sum(after),
        perConnectionBytes: (sum(after) - sum(before)) / Math.max(1, joined),
        steady,
        joinSeconds: seconds,
        processes: session.services.map((s, i) => ({ name: s.name, beforeBytes: before[i]!, joinedBytes: after[i]! })),
      };
    },
    { join: false, profile: false },
  );
}

const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);

export async function idle(ctx: Context): Promise<IdleResult> {
  const o = ctx.options;
  const runs: IdleRun[] = [];
  // Memory is not noisy the way speed is: one run of each.
  runs.push(await idleOne(ctx, 'baseline', o.idleClients));
  runs.push(await idleOne(ctx, 'server', o.idleClients));
  runs.push(await idleOne(ctx, 'gateway', o.idleWsClients));
  return { runs };
}

// ---------------------------------------------------------------------------

/** One loaded step (saturate's senders, at one rate), the same on each system compared. */
export interface LoadedStep {
  ratePerSender: number;
  senders: number;
  runs: Array<{ system: System; step: StepResult }>;
  best: Partial<Record<System, StepResult>>;
}

/** Saturate's senders at `ratePerSender` for a saturate step's length, on each of `systems` alternately, in fresh processes. */
export async function loadedStepOn(ctx: Context, systems: System[], ratePerSender: number): Promise<LoadedStep> {
  const o = ctx.options;
  const stepOptions: StepOptions = {
    senders: o.saturateSenders,
    ratePerSender,
    durationMs: o.stepSeconds * 1000,
    drainMaxMs: drainFor(o.stepSeconds * 1000),
  };
  const runs: LoadedStep['runs'] = [];
  for (const system of alternate(systems, o.rounds)) {
    runs.push({ system, step: await withSession(ctx, system, o.clients, (s) => s.step(stepOptions)) });
  }
  return { ratePerSender, senders: o.saturateSenders, runs, best: bestOf(runs) };
}

/** The systems the gateway workload compares: direct TCP, then the browser path with one and two gateway workers. */
export const GATEWAY_SYSTEMS: System[] = ['server', 'gateway', 'gateway-2'];

export interface GatewayResult {
  fanout: FanoutResult;
  /**
   * Issue 14's load, the same on each system: `--gateway-deliveries`
   * (1.6M/s) offered by saturate's senders; the rate per sender is rounded,
   * so the offered figure is in the step.
   */
  load: LoadedStep;
  /**
   * One saturate step at the rate the server sustained on direct TCP in
   * this run (or `--gateway-rate`); null when neither is known.
   */
  step: LoadedStep | null;
}

/** Lines per second per sender that offer about `deliveries` deliveries/s to `clients` clients. */
export function ratePerSenderFor(deliveries: number, senders: number, clients: number): number {
  return Math.max(1, Math.round(deliveries / (senders * (clients - 1))));
}

/**
 * The fanout step, then issue 14's load, then (when known) the server's
 * sustained saturate rate, each on direct TCP and through the gateway with
 * one and with two workers, alternately, in fresh processes.
 */
export async function gateway(ctx: Context, saturateRate: number | null): Promise<GatewayResult> {
  const o = ctx.options;
  const fan = await fanoutOn(ctx, GATEWAY_SYSTEMS);
  const load = await loadedStepOn(ctx, GATEWAY_SYSTEMS, ratePerSenderFor(o.gatewayDeliveries, o.saturateSenders, o.clients));
  const step = saturateRate === null ? null : await loadedStepOn(ctx, GATEWAY_SYSTEMS, saturateRate);
  return { fanout: fan, load, step };
}
