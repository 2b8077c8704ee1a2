/**
 * The `resume` workload (issue 13, Cost): what resumable sessions cost the
 * server, with the same server and settings (resume on, the default grace
 * and buffer) and the same load; only the clients differ: `server` clients
 * join plainly, `server-resume` clients opt in with `/ext resume` and each
 * holds a session (the bench checks every one got its `+session` line).
 *
 * - Fan-out, alternately in fresh processes: the fanout step, then one
 *   saturate step at the rate the server sustained in this run (or 40 lines/s
 *   per sender, 0.8M deliveries/s at 1,000 clients, as the history workload).
 *   A session keeps references to the lines sent to it (the replay buffer),
 *   which is what could slow the fan-out.
 * - Idle memory: 10,000 clients joined and idle, without and with sessions,
 *   the server's RSS growth per connection, right after the joins
 *   (transient: a connected session keeps what was written to it for up to
 *   the grace) and at steady state, idle for longer than the default grace
 *   plus one sweep (tcp-server/session: forgetBefore). The target is judged
 *   on the steady state: an idle connection is one that has been idle.
 */
import { SERVER_SETTINGS } from '../tcp-server/config.ts';
import type { IdleRun } from './workloads.ts';
import { type Context, type FanoutResult, type LoadedStep, fanoutOn, idleOne, loadedStepOn } from './workloads.ts';

export const RESUME_SYSTEMS = ['server', 'server-resume'] as const;

export interface ResumeResult {
  clients: number;
  /** The fanout step, without and with sessions. */
  fanout: FanoutResult;
  /** One loaded step, without and with sessions. */
  step: LoadedStep;
  /** Idle clients without sessions, then with. */
  idle: IdleRun[];
}

/** The chat server's sweep of connected sessions runs at most this often (chat-server.ts). */
const SWEEP_MS = 5000;

/** How long idle clients wait for the steady state: the default grace, one sweep, and a margin. */
export function steadyWaitMs(settleMs: number): number {
  return SERVER_SETTINGS.resumeGraceMs.default + SWEEP_MS + settleMs;
}

export async function resume(ctx: Context, ratePerSender: number): Promise<ResumeResult> {
  const o = ctx.options;
  const systems = [...RESUME_SYSTEMS];
  const fanout = await fanoutOn(ctx, systems);
  const step = await loadedStepOn(ctx, systems, ratePerSender);
  const idle: IdleRun[] = [];
  for (const system of systems) idle.push(await idleOne(ctx, system, o.idleClients, steadyWaitMs(o.settleMs)));
  return { clients: o.clients, fanout, step, idle };
}
