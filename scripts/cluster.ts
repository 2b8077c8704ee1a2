/**
 * `npm run cluster`: a whole cluster on one machine, to try it or to test
 * it: a Redis server (Debian's `redis-server`, its data in a temporary
 * folder), CLUSTER_NODES chat nodes (2) named node-1, node-2, … on CHAT_PORT,
 * CHAT_PORT+1, … and one gateway in front of all of them (CHAT_SERVERS, each
 * entry named, so a resuming page is sent back to its node).
 *
 * Starting: Redis first (the nodes exit if they cannot reach it), then the
 * nodes, then the gateway once every node listens. A child that stops on
 * its own after it was up is started again after a short pause (Redis on
 * the same port and folder: with its data); one that cannot even start
 * stops everything with its error.
 *
 * Stopping (Ctrl-C, SIGTERM): the nodes first, so each tells its users
 * `Servidor encerrando.` through a gateway that is still there and leaves
 * the room through a Redis that is still there; then the gateway; then
 * Redis; then the folder is removed. Redis runs in its own process group:
 * a Ctrl-C in the terminal signals the whole foreground group at once, and
 * must not take Redis down before the nodes have left. Everything is gone
 * 10 s after the signal at the latest; Redis and the folder go with the
 * launcher even when it is killed outright (scripts/orphan-guard.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAT_ADDRESS_SETTINGS, ConfigError, CONFIG_EXIT_CODE, readInt } from '../common/env.ts';
import { METRICS_SETTINGS } from '../tcp-server/metrics/metrics-config.ts';
import { CHAT_READY_RE, GATEWAY_READY_RE, clusterReadyLine } from '../common/ready-lines.ts';
import { REDIS_READY_RE, freePort, redisServerArgs } from '../common/redis-server.ts';
import { type ChildSpec, Launcher, nodeEntry } from './launcher.ts';

/** The launcher's own settings (README, configuration). */
const CLUSTER_LAUNCHER_SETTINGS = {
  nodes: { env: 'CLUSTER_NODES', default: 2 },
  redisPort: { env: 'CLUSTER_REDIS_PORT', default: 0 },
} as const;

function fail(message: string, code = 1): never {
  process.stderr.write(`cluster: ${message}\n`);
  process.exit(code);
}

let nodeCount: number;
let redisPort: number;
let firstChatPort: number;
let firstMetricsPort: number;
try {
  nodeCount = readInt(process.env, CLUSTER_LAUNCHER_SETTINGS.nodes.env, CLUSTER_LAUNCHER_SETTINGS.nodes.default, { min: 1, max: 16 });
  redisPort = readInt(process.env, CLUSTER_LAUNCHER_SETTINGS.redisPort.env, CLUSTER_LAUNCHER_SETTINGS.redisPort.default, { min: 0, max: 65535 });
  firstChatPort = readInt(process.env, CHAT_ADDRESS_SETTINGS.port.env, CHAT_ADDRESS_SETTINGS.port.default, { min: 0, max: 65535 - nodeCount });
  // Like CHAT_PORT: node i serves its metrics on CHAT_METRICS_PORT + i (0: none).
  firstMetricsPort = readInt(process.env, METRICS_SETTINGS.port.env, METRICS_SETTINGS.port.default, { min: 0, max: 65535 - nodeCount });
} catch (error) {
  fail((error as Error).message, error instanceof ConfigError ? CONFIG_EXIT_CODE : 1);
}
const chatHost = process.env[CHAT_ADDRESS_SETTINGS.host.env] || CHAT_ADDRESS_SETTINGS.host.default;
/** Each node's port once it listens (kept across its restarts: CHAT_PORT may be 0). */
const nodePorts: (number | undefined)[] = Array.from({ length: nodeCount }, () => undefined);
let gatewayUrl = '';

const dataDir = mkdtempSync(join(tmpdir(), 'chat-cluster-'));
// Whatever happens to the launcher short of SIGKILL, the folder goes (orphan-guard.ts covers SIGKILL).
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

const redisUrl = () => `redis://127.0.0.1:${redisPort}`;

const redis: ChildSpec = {
  name: 'redis',
  detached: true,
  quietUntilReady: true,
  // Asked with SIGTERM whatever the signal: it then shuts down as it should (AOF flushed).
  stopSignal: 'SIGTERM',
  holdStdin: true,
  // In its own process group, so behind a guard that stops it if the launcher is killed outright.
  command: () => [
    process.execPath,
    [
      '--import', 'tsx', 'scripts/orphan-guard.ts', dataDir, '--', 'redis-server',
      // Appendonly: a Redis that crashes and is started again comes back with its data.
      ...redisServerArgs({ port: redisPort, dir: dataDir, persist: true }),
    ],
  ],
  env: () => ({}),
  ready: REDIS_READY_RE,
  onReady: () => {
    process.stdout.write(`[redis] ready on ${redisUrl()}\n`);
    if (launcher.isStopping || nodes.some((n) => launcher.isRunning(n))) return;
    for (const node of nodes) launcher.start(node);
  },
};

/** Node i's CHAT_NODE_NAME, also its name in the gateway's CHAT_SERVERS: its session tokens end with it, so a resume is routed back to it. */
const nodeName = (i: number) => `node-${i + 1}`;

const nodes: ChildSpec[] = Array.from({ length: nodeCount }, (_, i) => ({
  name: nodeName(i),
  command: nodeEntry('tcp-server/main.ts'),
  env: () => ({
    CHAT_PORT: String(nodePorts[i] ?? (firstChatPort === 0 ? 0 : firstChatPort + i)),
    CHAT_REDIS_URL: redisUrl(),
    CHAT_NODE_NAME: nodeName(i),
    [METRICS_SETTINGS.port.env]: String(firstMetricsPort === 0 ? 0 : firstMetricsPort + i),
    // One history file per node (a file has one owner); kept with Redis's data.
    CHAT_DB: process.env.CHAT_DB === ':memory:' ? ':memory:' : join(dataDir, `${nodeName(i)}.db`),
  }),
  ready: CHAT_READY_RE,
  onReady: (m) => {
    if (nodePorts[i] !== undefined || launcher.isStopping) return;
    nodePorts[i] = Number(m[2]);
    if (nodePorts.every((p) => p !== undefined)) launcher.start(gateway);
  },
}));

const gateway: ChildSpec = {
  name: 'gateway',
  command: nodeEntry('gateway/main.ts'),
  env: () => ({
    // Named, so the gateway sends a resuming page to the node that holds its session.
    CHAT_SERVERS: nodePorts.map((p, i) => `${nodeName(i)}=${chatHost}:${p}`).join(','),
    // Until the gateway reads CHAT_SERVERS it dials the first node only.
    CHAT_HOST: chatHost,
    CHAT_PORT: String(nodePorts[0]),
  }),
  ready: GATEWAY_READY_RE,
  onReady: (m) => {
    if (gatewayUrl !== '') return;
    gatewayUrl = m[1]!;
    process.stdout.write(
      clusterReadyLine(redisUrl(), nodePorts.map((p) => `${chatHost}:${p}`), gatewayUrl, dataDir) + '\n',
    );
  },
};

const launcher = new Launcher({
  tag: 'cluster',
  prefixOutput: true,
  // Every node while any runs, then the gateway, then Redis.
  stopStages: (running) => {
    const live = nodes.filter((n) => running.has(n));
    return live.length > 0 ? live : running.has(gateway) ? [gateway] : [redis];
  },
  /** The nodes take at most their 2 s shutdown grace and 2 s to leave the room; the gateway and Redis little after. */
  stopDeadlineMs: 10_000,
});

if (redisPort === 0) redisPort = await freePort();
launcher.start(redis);
