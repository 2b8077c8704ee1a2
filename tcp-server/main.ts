/**
 * `npm run tcp-server`: the chat server as a process. Settings come from the
 * environment (config.ts); the console shows what the original server showed.
 */
import { ChatServer } from './chat-server.ts';
import { CONFIG_EXIT_CODE, ConfigError } from '../common/env.ts';
import { chatMetricsReadyLine, chatReadyLine } from '../common/ready-lines.ts';
import { serverConfigFromEnv } from './config.ts';
import { openHistoryStore } from './history/open-history.ts';
import { chatMetricsRegistry } from './metrics/chat-metrics.ts';
import { metricsConfigFromEnv } from './metrics/metrics-config.ts';
import { MetricsEndpoint } from './metrics/metrics-endpoint.ts';
import { openRoomLink } from './cluster/open-room-link.ts';
import type { Member } from './member.ts';

function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`tcp-server: ${message}\n`);
  process.exit(error instanceof ConfigError ? CONFIG_EXIT_CODE : 1);
}

// The console is a convenience: if whoever reads it goes away (a closed
// pipe), the chat must go on rather than die of EPIPE.
process.stdout.on('error', () => {});

let server: ChatServer | undefined;
let metrics: MetricsEndpoint | null = null;

// Before the ready line: a signal that comes as soon as a supervisor (or a
// test) reads it must find its handler, not Node's default of dying at once.
let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server?.close();
  // Last: a scrape while the users are told and closed still gets an answer.
  await metrics?.close();
  process.stdout.write('Servidor encerrado.\n');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  const config = serverConfigFromEnv();
  const metricsConfig = metricsConfigFromEnv();
  // Storage trouble goes to stderr; the console (stdout) keeps the original lines.
  const history = openHistoryStore(config, (line) => process.stderr.write(`tcp-server: ${line}\n`));
  // Without CHAT_REDIS_URL the room is this process; with it, this process is one node of a cluster.
  const link = openRoomLink<Member>(config, history, config.historyMax, (line) => process.stderr.write(`tcp-server: ${line}\n`));
  const chat = new ChatServer({ ...config, history, link, log: (line) => process.stdout.write(line + '\n') });
  server = chat;
  if (metricsConfig.port !== 0) {
    // Before the chat listens: a metrics port in use stops the process before any user is let in.
    const registry = chatMetricsRegistry({
      ...chat.metricsSources(),
      history,
      // The Redis figures (chat_redis_*) for a cluster node only.
      room: config.redisUrl === '' ? undefined : () => link.status(),
      processMetrics: true,
    });
    metrics = await MetricsEndpoint.start(registry, metricsConfig);
    process.stdout.write(chatMetricsReadyLine(metricsConfig.host, metrics.address.port) + '\n');
  }
  // Joins the room first (a ClusterStartError naming CHAT_REDIS_URL: exit 1), then listens.
  const { port } = await chat.listen();
  process.stdout.write(chatReadyLine(config.host, port) + '\n');
} catch (error) {
  fail(error);
}

