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
 *   the server's RSS growth per connection.
 */
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

export async function resume(ctx: Context, ratePerSender: number): Promise<ResumeResult> {
  const o = ctx.options;
  const systems = [...RESUME_SYSTEMS];
  const fanout = await fanoutOn(ctx, systems);
  const step = await loadedStepOn(ctx, systems, ratePerSender);
  const idle: IdleRun[] = [];
  for (const system of systems) idle.push(await idleOne(ctx, system, o.idleClients));
  return { clients: o.clients, fanout, step, idle };
}
