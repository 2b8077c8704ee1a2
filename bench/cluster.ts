/**
 * The `cluster` workload (issue 14, Tests and speed): the chat server as a
 * cluster on Redis, one node against two, under the same offered load, with
 * the single server without Redis as the reference.
 *
 * Systems, each in fresh processes, alternately (`--rounds`):
 * - `server`: the plain single server (no Redis), all clients on it;
 * - `cluster-1`: one node on Redis (CHAT_REDIS_URL), all clients on it;
 * - `cluster-2`: two nodes on one Redis, half the clients on each, and the
 *   senders split across them too (bench/session.ts spreads senders over
 *   the clients, and each load-generator worker's clients over one node).
 *
 * Each session runs two steps: the fanout load, then a heavier one (the
 * gateway's shape: saturate's senders offering `--cluster-deliveries`,
 * 1.6M deliveries/s to 1,000 clients). Redis's `INFO commandstats` is read
 * before and after each step: commands per public line sent. Then two
 * nodes run the same steps (the same lines per second) with far fewer
 * clients (`--cluster-small-clients`): commands per line must not grow with
 * the number of recipients.
 *
 * The nodes keep their history as the server's default does (on, in a
 * SQLite file of their own in a temporary folder, servers.ts): the
 * reference server keeps it too, so the comparison is the room link alone,
 * and a node's history is fed from Redis's log, part of what a line costs.
 */
import { PROFILE_DIR, Session, type StepOptions, type StepResult, profileArgs, sleep } from './session.ts';
import type { Service } from './processes.ts';
import { type CommandCalls, commandsBetween, totalCalls } from './redis-commands.ts';
import { type BenchRedis, checkRedisInstalled, startRedis } from './redis.ts';
import { startChatServer } from './servers.ts';
import type { Target } from './worker-protocol.ts';
import { type Context, alternate, drainFor, ratePerSenderFor } from './workloads.ts';
import { workersFor } from './options.ts';

export type ClusterSystem = 'server' | 'cluster-1' | 'cluster-2';
/** The reference first, then one node on Redis, then two. */
export const CLUSTER_SYSTEMS: ClusterSystem[] = ['server', 'cluster-1', 'cluster-2'];

export const NODES: Record<ClusterSystem, number> = { server: 1, 'cluster-1': 1, 'cluster-2': 2 };

/** What a step cost Redis, from INFO commandstats before and after it. */
export interface RedisCost {
  /** Public lines the senders sent in the step. */
  publicLines: number;
  /** Commands Redis ran, by name (the bench's own INFO left out). */
  byCommand: CommandCalls;
  commands: number;
  /** commands ÷ publicLines. */
  perLine: number;
  /** Wall time from the reading before the step to the one after (its drain included), s. */
  seconds: number;
}

export interface ClusterRun {
  system: ClusterSystem;
  clients: number;
  step: StepResult;
  /** null: the single server, no Redis. */
  redis: RedisCost | null;
}

export type ClusterStepName = 'fanout' | 'load';

export interface ClusterStep {
  senders: number;
  ratePerSender: number;
  runs: ClusterRun[];
  /** Best round per system (most deliveries/s). */
  best: Partial<Record<ClusterSystem, ClusterRun>>;
}

export interface ClusterResult {
  clients: number;
  steps: Record<ClusterStepName, ClusterStep>;
  /**
   * Commands per public line against the number of recipients: the same
   * steps (same senders and rates) on two nodes with `smallClients`
   * clients; the `clients` figures are the two-node runs above.
   */
  recipients: {
    smallClients: number;
    small: Record<ClusterStepName, ClusterRun>;
    /** Commands per second with the room idle (heartbeats), measured before the small run's steps. */
    idleCommandsPerSec: number;
  };
}

/**
 * The processes of `system`, for Session.open: the plain server; or Redis
 * and the nodes, one target per node (`redisOut` gets the Redis, whose
 * commands the steps count).
 */
function clusterStart(ctx: Context, system: ClusterSystem, clients: number, redisOut: { redis: BenchRedis | null }) {
  return async (services: Service[]): Promise<Target[]> => {
    const nodeArgs = (label: string) => (ctx.options.profile ? profileArgs(PROFILE_DIR, label) : []);
    if (system === 'server') {
      const { service, port } = await startChatServer({ system: 'server', clients, nodeArgs: nodeArgs('tcp-server') });
      services.push(service);
      return [{ kind: 'tcp', host: '127.0.0.1', port }];
    }
    const redis = await startRedis();
    redisOut.redis = redis;
    services.push(redis.service);
    const nodes: Service[] = [];
    // Redis stops after the nodes: a node that stops leaves the room through Redis.
    const redisService = redis.service;
    services[services.length - 1] = {
      ...redisService,
      async stop() {
        await Promise.all(nodes.map((n) => n.stop()));
        await redisService.stop();
      },
    };
    const targets: Target[] = [];
    for (let i = 1; i <= NODES[system]; i++) {
      const { service, port } = await startChatServer({
        system: 'server',
        clients,
        nodeArgs: nodeArgs(`cluster-node-${i}`),
        env: { CHAT_REDIS_URL: redis.url, CHAT_NODE_NAME: `bench-node-${i}` },
      });
      const node = { ...service, name: `node-${i}` };
      nodes.push(node);
      services.push(node);
      targets.push({ kind: 'tcp', host: '127.0.0.1', port });
    }
    return targets;
  };
}

/** Load-generator workers: the usual count, rounded up to a multiple of the nodes (each worker's clients on one node). */
function workerCount(ctx: Context, clients: number, nodes: number): number {
  const wanted = workersFor(clients, ctx.options.workers);
  return Math.ceil(wanted / nodes) * nodes;
}

async function openClusterSession(ctx: Context, system: ClusterSystem, clients: number): Promise<{ session: Session; redis: BenchRedis | null }> {
  const out: { redis: BenchRedis | null } = { redis: null };
  const session = await Session.open({
    system,
    clients,
    workers: workerCount(ctx, clients, NODES[system]),
    start: clusterStart(ctx, system, clients, out),
    progress: ctx.progress,
  });
  return { session, redis: out.redis };
}

/** Senders of the cluster's steps: fewer when the small run has fewer clients, so both runs send the same lines. */
export function clusterSenders(wanted: number, smallClients: number): number {
  return Math.max(1, Math.min(wanted, smallClients - 1));
}

interface PlannedStep {
  name: ClusterStepName;
  options: StepOptions;
}

function plannedSteps(ctx: Context): PlannedStep[] {
  const o = ctx.options;
  const fanoutSenders = clusterSenders(o.fanoutSenders, o.clusterSmallClients);
  const loadSenders = clusterSenders(o.saturateSenders, o.clusterSmallClients);
  return [
    {
      name: 'fanout',
      options: { senders: fanoutSenders, ratePerSender: o.fanoutRate, durationMs: o.seconds * 1000, drainMaxMs: drainFor(o.seconds * 1000) },
    },
    {
      name: 'load',
      options: {
        senders: loadSenders,
        ratePerSender: ratePerSenderFor(o.clusterDeliveries, loadSenders, o.clients),
        durationMs: o.stepSeconds * 1000,
        drainMaxMs: drainFor(o.stepSeconds * 1000),
      },
    },
  ];
}

/** Runs `step` and, on Redis, what it cost Redis. */
async function measuredStep(session: Session, redis: BenchRedis | null, step: StepOptions): Promise<{ step: StepResult; redis: RedisCost | null }> {
  const before = redis === null ? null : await redis.commandCalls();
  const t0 = performance.now();
  const result = await session.step(step);
  if (redis === null || before === null) return { step: result, redis: null };
  const byCommand = commandsBetween(before, await redis.commandCalls());
  const commands = totalCalls(byCommand);
  return {
    step: result,
    redis: { publicLines: result.sentLines, byCommand, commands, perLine: commands / Math.max(1, result.sentLines), seconds: (performance.now() - t0) / 1000 },
  };
}

/** One session of `system` with `clients` clients: joins them, then runs every planned step. */
async function runSystem(
  ctx: Context,
  system: ClusterSystem,
  clients: number,
  steps: PlannedStep[],
  idleMs = 0,
): Promise<{ runs: Record<ClusterStepName, ClusterRun>; idleCommandsPerSec: number }> {
  const { session, redis } = await openClusterSession(ctx, system, clients);
  try {
    await session.joinAll();
    let idleCommandsPerSec = 0;
    if (redis !== null && idleMs > 0) {
      ctx.progress(`${session.label}: ${clients} clients idle for ${idleMs / 1000} s (Redis commands without lines)`);
      const before = await redis.commandCalls();
      const t0 = performance.now();
      await sleep(idleMs);
      idleCommandsPerSec = totalCalls(commandsBetween(before, await redis.commandCalls())) / ((performance.now() - t0) / 1000);
    }
    const runs = {} as Record<ClusterStepName, ClusterRun>;
    for (const planned of steps) {
      const { step, redis: cost } = await measuredStep(session, redis, planned.options);
      runs[planned.name] = { system, clients, step, redis: cost };
    }
    return { runs, idleCommandsPerSec };
  } finally {
    ctx.progress(`${session.label}: stopping`);
    await session.close();
  }
}

function bestOf(runs: ClusterRun[]): Partial<Record<ClusterSystem, ClusterRun>> {
  const best: Partial<Record<ClusterSystem, ClusterRun>> = {};
  for (const run of runs) {
    const b = best[run.system];
    if (b === undefined || run.step.deliveriesPerSec > b.step.deliveriesPerSec) best[run.system] = run;
  }
  return best;
}

export async function cluster(ctx: Context): Promise<ClusterResult> {
  checkRedisInstalled();
  const o = ctx.options;
  const planned = plannedSteps(ctx);
  const collected: Record<ClusterStepName, ClusterRun[]> = { fanout: [], load: [] };
  for (const system of alternate<ClusterSystem>(CLUSTER_SYSTEMS, o.rounds)) {
    const { runs } = await runSystem(ctx, system, o.clients, planned);
    for (const p of planned) collected[p.name].push(runs[p.name]);
  }
  // Fewer recipients, the same lines: Redis's commands per line must not move.
  const small = await runSystem(ctx, 'cluster-2', o.clusterSmallClients, planned, o.settleMs);
  const stepOf = (p: PlannedStep): ClusterStep => ({
    senders: p.options.senders,
    ratePerSender: p.options.ratePerSender,
    runs: collected[p.name],
    best: bestOf(collected[p.name]),
  });
  return {
    clients: o.clients,
    steps: { fanout: stepOf(planned[0]!), load: stepOf(planned[1]!) },
    recipients: { smallClients: o.clusterSmallClients, small: small.runs, idleCommandsPerSec: small.idleCommandsPerSec },
  };
}
