/**
 * The `history` workload (issue 12, Speed): what keeping the room's history
 * in SQLite costs the fan-out, and how fast the history answers.
 *
 * - Fan-out with history on (the server's default: a SQLite file, here in a
 *   temporary folder) and off (CHAT_HISTORY=off), alternately in fresh
 *   processes like baseline and server: the fanout step, then one saturate
 *   step at the highest rate the server sustained in this run (as the
 *   gateway workload does). While both keep up, deliveries/s are equal and
 *   the server's CPU shows what storing costs; a history that could not
 *   keep up would deliver less.
 * - `/history 200` and `/since` paging on a fresh server with history on
 *   and `stored` lines in it (history-requests.ts).
 */
import { SERVER_SETTINGS } from '../tcp-server/config.ts';
import { type HistoryTimings, timeHistory } from './history-requests.ts';
import { cpuSeconds } from './processes.ts';
import { startChatServer } from './servers.ts';
import { PROFILE_DIR, profileArgs } from './session.ts';
import { type Context, type FanoutResult, type LoadedStep, fanoutOn, loadedStepOn } from './workloads.ts';

export interface HistoryResult {
  clients: number;
  /** The fanout step, history off and on. */
  fanout: FanoutResult;
  /** One step above the saturation rate, history off and on. */
  step: LoadedStep;
  timings: HistoryTimings;
}

/**
 * `ratePerSender`: the loaded step's rate per sender (saturate's senders):
 * by default what the server sustained in this run's saturate.
 */
export async function history(ctx: Context, ratePerSender: number): Promise<HistoryResult> {
  const o = ctx.options;
  const fanout = await fanoutOn(ctx, ['history-off', 'server']);
  const step = await loadedStepOn(ctx, ['history-off', 'server'], ratePerSender);
  ctx.progress('history: starting a server for the requests');
  const { service, port } = await startChatServer({
    system: 'server',
    clients: 2,
    nodeArgs: o.profile ? profileArgs(PROFILE_DIR, 'tcp-server-history-requests') : [],
    // More lines than the default keeps would not all be there to ask for.
    env: o.historyLines > SERVER_SETTINGS.historyMax.default ? { [SERVER_SETTINGS.historyMax.env]: String(o.historyLines) } : {},
  });
  try {
    const timings = await timeHistory({
      port,
      stored: o.historyLines,
      requests: o.historyRequests,
      missed: o.missedLines,
      catchUps: o.catchUps,
      serverCpu: () => cpuSeconds(service.pid),
      progress: ctx.progress,
    });
    return { clients: o.clients, fanout, step, timings };
  } finally {
    ctx.progress('history: stopping');
    await service.stop();
  }
}
