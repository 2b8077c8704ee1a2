/**
 * `npm run cluster`: a whole cluster on one machine, to try it or to test
 * it: a Redis server (Debian's `redis-server`, its data in a temporary
 * folder), CLUSTER_NODES chat nodes (2) on CHAT_PORT, CHAT_PORT+1, … and one
 * gateway in front of all of them (CHAT_SERVERS).
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
 * STOP_DEADLINE_MS after the signal at the latest.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAT_ADDRESS_SETTINGS, ConfigError, CONFIG_EXIT_CODE, readInt } from '../common/env.ts';
import { METRICS_SETTINGS } from '../tcp-server/metrics/metrics-config.ts';
import { CHAT_READY_RE, GATEWAY_READY_RE, clusterReadyLine } from '../common/ready-lines.ts';

const RESTART_DELAY_MS = 1000;
/** The nodes take at most their 2 s shutdown grace and 2 s to leave the room; the gateway and Redis little after. */
const STOP_DEADLINE_MS = 10_000;
const REDIS_READY_RE = /Ready to accept connections/;

/** The launcher's own settings (README, configuration). */
const CLUSTER_LAUNCHER_SETTINGS = {
  nodes: { env: 'CLUSTER_NODES', default: 2 },
  redisPort: { env: 'CLUSTER_REDIS_PORT', default: 0 },
} as const;

interface Child {
  name: string;
  /** Its own process group (Redis), so a terminal's Ctrl-C does not reach it. */
  detached?: boolean;
  command: () => [string, string[]];
  env: () => NodeJS.ProcessEnv;
  ready: RegExp;
  onReady: (match: RegExpExecArray) => void;
  /** Printed before its output lines once it is up (Redis's banner is not worth showing). */
  quietUntilReady?: boolean;
}

let stopping: NodeJS.Signals | null = null;
let exitCode = 0;
const running = new Map<Child, ChildProcess>();
const signalled = new Set<ChildProcess>();
let dataDir = '';

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

dataDir = mkdtempSync(join(tmpdir(), 'chat-cluster-'));
// Whatever happens to the launcher short of SIGKILL, Redis does not outlive it.
process.on('exit', () => {
  const proc = running.get(redis);
  if (proc?.pid !== undefined) {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

const redisUrl = () => `redis://127.0.0.1:${redisPort}`;

const redis: Child = {
  name: 'redis',
  detached: true,
  quietUntilReady: true,
  command: () => [
    'redis-server',
    // Appendonly: a Redis that crashes and is started again comes back with its data.
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dataDir, '--save', '', '--appendonly', 'yes', '--daemonize', 'no'],
  ],
  env: () => ({}),
  ready: REDIS_READY_RE,
  onReady: () => {
    process.stdout.write(`[redis] ready on ${redisUrl()}\n`);
    if (stopping || nodes.some((n) => running.has(n))) return;
    for (const node of nodes) start(node);
  },
};

const nodes: Child[] = Array.from({ length: nodeCount }, (_, i) => ({
  name: `node-${i + 1}`,
  command: () => [process.execPath, ['--import', 'tsx', 'tcp-server/main.ts']],
  env: () => ({
    CHAT_PORT: String(nodePorts[i] ?? (firstChatPort === 0 ? 0 : firstChatPort + i)),
    CHAT_REDIS_URL: redisUrl(),
    CHAT_NODE_NAME: `node-${i + 1}`,
    [METRICS_SETTINGS.port.env]: String(firstMetricsPort === 0 ? 0 : firstMetricsPort + i),
    // One history file per node (a file has one owner); kept with Redis's data.
    CHAT_DB: process.env.CHAT_DB === ':memory:' ? ':memory:' : join(dataDir, `node-${i + 1}.db`),
  }),
  ready: CHAT_READY_RE,
  onReady: (m) => {
    if (nodePorts[i] !== undefined || stopping) return;
    nodePorts[i] = Number(m[2]);
    if (nodePorts.every((p) => p !== undefined)) start(gateway);
  },
}));

const gateway: Child = {
  name: 'gateway',
  command: () => [process.execPath, ['--import', 'tsx', 'gateway/main.ts']],
  env: () => ({
    CHAT_SERVERS: nodePorts.map((p) => `${chatHost}:${p}`).join(','),
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

function start(spec: Child): void {
  const [command, args] = spec.command();
  const proc = spawn(command, args, {
    env: { ...process.env, ...spec.env() },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: spec.detached ?? false,
  });
  running.set(spec, proc);
  let seen = '';
  let up = false;
  const toStdout = prefixLines(`[${spec.name}] `, process.stdout);
  const toStderr = prefixLines(`[${spec.name}] `, process.stderr);
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    if (up || !spec.quietUntilReady) toStdout(chunk);
    if (up) return;
    seen += chunk;
    const m = spec.ready.exec(seen);
    if (m) {
      up = true;
      seen = '';
      spec.onReady(m);
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    if (!up) seen += chunk;
    if (up || !spec.quietUntilReady) toStderr(chunk);
  });
  proc.on('error', (error) => {
    process.stderr.write(`cluster: cannot run ${spec.name} (${error.message})\n`);
  });
  proc.on('exit', (code, signal) => {
    if (running.get(spec) === proc) running.delete(spec);
    if (stopping) {
      stopNext();
    } else if (up) {
      process.stderr.write(`cluster: ${spec.name} stopped (${signal ?? `exit code ${code}`}); restarting it\n`);
      setTimeout(() => stopping || start(spec), RESTART_DELAY_MS);
    } else {
      process.stderr.write(`cluster: ${spec.name} could not start (${signal ?? `exit code ${code}`})\n${seen}`);
      stop('SIGTERM', 1);
    }
  });
}

/** Passes the stop on: to every node while any runs, then to the gateway, then to Redis. */
function stopNext(): void {
  if (running.size === 0) {
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(exitCode);
  }
  const live = nodes.filter((n) => running.has(n));
  const next = live.length > 0 ? live : running.has(gateway) ? [gateway] : [redis];
  for (const spec of next) {
    const proc = running.get(spec)!;
    if (signalled.has(proc)) continue;
    signalled.add(proc);
    // Redis is asked with SIGTERM whatever the signal: it then shuts down as it should (AOF flushed).
    proc.kill(spec === redis ? 'SIGTERM' : stopping!);
  }
}

function stop(signal: NodeJS.Signals, code = 0): void {
  if (stopping) return;
  stopping = signal;
  exitCode = code;
  setTimeout(() => {
    for (const [spec, proc] of running) {
      process.stderr.write(`cluster: ${spec.name} still running ${STOP_DEADLINE_MS} ms after ${signal}; killing it\n`);
      proc.kill('SIGKILL');
    }
    exitCode = 1;
  }, STOP_DEADLINE_MS).unref();
  stopNext();
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

if (redisPort === 0) redisPort = await freePort();
start(redis);

/** Writes whole lines, each after `prefix`, whatever the chunks. */
function prefixLines(prefix: string, stream: NodeJS.WriteStream): (chunk: string) => void {
  let partial = '';
  return (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    if (lines.length > 0) stream.write(lines.map((l) => prefix + l + '\n').join(''));
  };
}

/** redis-server has no "any free port": ask the kernel for one and hand it over. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
