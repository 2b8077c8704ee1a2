/**
 * GATEWAY_WORKERS > 1: this process serves nothing itself. It forks that
 * many workers, which share the HTTP port through node:cluster (the primary
 * accepts and hands each connection to the workers in turn), and it:
 *
 * - restarts a worker that dies after it was up (browsers on it lose their
 *   socket and reconnect, as the page does after any drop); one that cannot
 *   even start at first stops the whole gateway, like a busy port would;
 * - answers what must be one for the whole gateway: the chat-server probes
 *   of /healthz (so the bound of one probe per node at a time and per
 *   HEALTH_CACHE_MS holds however many workers ask), and /metrics summed
 *   over the workers (prom-client's AggregatorRegistry);
 * - on SIGINT / SIGTERM, passes SIGTERM to every worker, each of which stops
 *   as a lone gateway would (relaying until its chat-server connections
 *   end, `Servidor encerrando.` included, then 1001), and exits once all
 *   have. It prints the ready line once every worker listens.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { gatewayReadyLine } from '../common/ready-lines.ts';
import { type AnswerMessage, type Asked, isAsk } from './cluster-messages.ts';
import type { GatewayConfig } from './config.ts';
import { pageUrl } from './serve.ts';
import { unnamedNodesWarning } from './upstream-nodes.ts';
import { UpstreamHealth } from './upstream-probe.ts';

/** Pause before a worker that died is started again (a crash loop costs a second each time, not a core). */
const RESTART_DELAY_MS = 1000;

/** pino's numbers, so the primary's lines read like the workers' (Fastify's logger). */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

function primaryLog(level: string) {
  const threshold = LEVELS[level] ?? Infinity; // 'silent'
  const write = (at: number) => (fields: object, msg: string) => {
    if (at < threshold) return;
    process.stdout.write(JSON.stringify({ level: at, time: Date.now(), pid: process.pid, role: 'primary', ...fields, msg }) + '\n');
  };
  return { info: write(30), warn: write(40), error: write(50) };
}

export function runPrimary(config: GatewayConfig): void {
  const log = primaryLog(config.logLevel);
  // Said once here: the workers, which build the same list, keep quiet about it.
  const unnamed = unnamedNodesWarning(config.chatServers);
  if (unnamed !== null) log.warn({}, unnamed);
  const health = new UpstreamHealth(config.chatServers, config.upstreamTimeoutMs, config.healthCacheMs);
  const metrics = new AggregatorRegistry();
  const answers: { [Q in keyof Asked]: () => Promise<Asked[Q]> } = {
    nodeStates: () => health.states(),
    metricsText: () => metrics.clusterMetrics(),
  };
  const workers = new Set<Worker>();
  const listened = new WeakSet<Worker>();
  let announced = false;
  let stopping = false;
  let exitCode = 0;

  const fork = (): void => {
    if (stopping) return;
    const worker = cluster.fork();
    workers.add(worker);
    log.info({ worker: worker.process.pid }, 'worker started');
  };

  cluster.on('listening', (worker, address) => {
    listened.add(worker);
    log.info({ worker: worker.process.pid }, 'worker listening');
    if (announced || [...workers].some((w) => !listened.has(w))) return;
    announced = true;
    log.info({ workers: workers.size }, 'all workers listening');
    process.stdout.write(gatewayReadyLine(pageUrl(config.httpHost, address.port)) + '\n');
  });

  cluster.on('message', (worker, message: unknown) => {
    if (!isAsk(message)) return;
    const { id, question } = message;
    const reply = (answer: AnswerMessage) => {
      if (worker.isConnected()) worker.send(answer);
    };
    const answer = answers[question] as (() => Promise<Asked[keyof Asked]>) | undefined;
    if (answer === undefined) return reply({ type: 'gateway:answer', id, ok: false, error: `unknown question ${question}` });
    answer().then(
      (value) => reply({ type: 'gateway:answer', id, ok: true, value }),
      (error: Error) => reply({ type: 'gateway:answer', id, ok: false, error: error.message }),
    );
  });

  cluster.on('exit', (worker, code, signal) => {
    workers.delete(worker);
    const how = signal ?? `exit code ${code}`;
    if (stopping) {
      if (code !== 0) exitCode = 1;
      if (workers.size === 0) process.exit(exitCode);
      return;
    }
    if (!announced && !listened.has(worker)) {
      log.error({ worker: worker.process.pid, how }, 'a worker could not start; stopping');
      stop('startup failure', 1);
      return;
    }
    log.error({ worker: worker.process.pid, how }, 'worker stopped; starting another');
    setTimeout(fork, RESTART_DELAY_MS);
  });

  function stop(reason: string, code = 0): void {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    log.info({ reason }, 'shutting down');
    if (workers.size === 0) process.exit(exitCode);
    for (const w of workers) w.process.kill('SIGTERM');
    // Each worker is bounded by its own graces and deadline; this is the net under them.
    setTimeout(() => {
      for (const w of workers) {
        log.error({ worker: w.process.pid }, 'worker still running; killing it');
        w.process.kill('SIGKILL');
      }
      process.exit(1);
    }, config.shutdownRelayMs + config.shutdownCloseMs + 2000).unref();
  }

  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  for (let i = 0; i < config.workers; i++) fork();
}
