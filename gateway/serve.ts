/**
 * One serving gateway process: the gateway alone (GATEWAY_WORKERS=1) or one
 * of the workers of gateway/cluster-primary.ts. Listens, says so, and stops
 * in order on SIGINT / SIGTERM (ws-plugin.ts: relay, then 1001, then cut).
 */
import cluster from 'node:cluster';
import { gatewayReadyLine } from '../common/ready-lines.ts';
import { buildGateway } from './app.ts';
import { workerServices } from './cluster-worker.ts';
import type { GatewayConfig } from './config.ts';
import { unnamedNodesWarning } from './upstream-nodes.ts';

/** The page's address as printed: a wildcard host is shown as localhost, an IPv6 one in brackets. */
export function pageUrl(httpHost: string, port: number): string {
  const shown = ['0.0.0.0', '::', ''].includes(httpHost) ? 'localhost' : httpHost;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/** How long a worker waits for its primary's answer: its slowest is a probe, or prom-client's 5 s collection. */
export function askTimeoutMs(config: GatewayConfig): number {
  return Math.max(config.upstreamTimeoutMs, 5000) + 1000;
}

export async function serve(config: GatewayConfig, warning: string | null): Promise<void> {
  const isWorker = cluster.isWorker;
  const app = await buildGateway(config, {
    shared: isWorker ? workerServices(askTimeoutMs(config)) : undefined,
    processMetrics: true,
  });
  if (warning !== null) app.log.warn({ maxSockets: config.maxSockets }, warning);
  // A worker's primary says it, once for the whole gateway.
  const unnamed = isWorker ? null : unnamedNodesWarning(config.chatServers);
  if (unnamed !== null) app.log.warn(unnamed);
  try {
    await app.listen({ host: config.httpHost, port: config.httpPort });
  } catch (error) {
    app.log.error({ err: error }, 'cannot listen');
    process.exit(1);
  }
  // A worker's primary prints the line once all its workers listen.
  if (!isWorker) {
    const { port } = app.server.address() as { port: number };
    process.stdout.write(gatewayReadyLine(pageUrl(config.httpHost, port)) + '\n');
  }

  let stopping = false;
  async function stop(signal: string): Promise<void> {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // app.close() is bounded by the two shutdown graces (ws-plugin.ts); should
    // anything else hold it, say a stalled HTTP response, exit all the same.
    setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownRelayMs + config.shutdownCloseMs + 1000).unref();
    await app.close();
    process.exit(0);
  }
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // A worker whose primary is gone (killed) stops too, rather than serve on unwatched.
  if (isWorker) process.on('disconnect', () => void stop('disconnect'));
}
