/**
 * The chat servers a run measures, as processes: the project's server (with
 * history in a SQLite file of its own, or with CHAT_HISTORY=off) and the
 * plain-Node baseline.
 *
 * Each project server gets a fresh temporary folder for its CHAT_DB, removed
 * once the server has stopped (or when the run ends, however it ends). The
 * default, data/chat.db under the repository, would collide with an
 * `npm start` running there: a database file takes one server at a time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAT_READY_RE } from '../common/ready-lines.ts';
import { type Service, onEverythingKilled, startService } from './processes.ts';

/**
 * What is measured: the plain-Node baseline, the project's server (history
 * on or off), the gateway in front of it, with one process
 * (GATEWAY_WORKERS=1, the default) or two workers sharing its port, or the
 * server as a cluster on Redis (CHAT_REDIS_URL) with one node or two
 * (bench/cluster.ts starts those).
 */
export type System = 'baseline' | 'server' | 'history-off' | 'server-resume' | 'gateway' | 'gateway-2' | 'cluster-1' | 'cluster-2';

export const SYSTEM_LABEL: Record<System, string> = {
  baseline: 'baseline (TCP)',
  server: 'server (TCP)',
  'history-off': 'server, history off (TCP)',
  'server-resume': 'server, resumable sessions (TCP)',
  gateway: 'gateway (WebSocket)',
  'gateway-2': 'gateway, 2 workers (WebSocket)',
  'cluster-1': 'one node on Redis (TCP)',
  'cluster-2': 'two nodes on Redis (TCP)',
};

/**
 * What a client of `system` says at the name prompt before its name:
 * `server-resume` is the server as `server` is, with clients that opt in to
 * session resume (issue 13) and so hold a session each.
 */
export function optInFor(system: System): string | undefined {
  return system === 'server-resume' ? '/ext resume' : undefined;
}

/** The chat server process a system runs (the gateway's is the server behind it). */
export function serverSystem(system: System): ChatServerOptions['system'] {
  return system === 'gateway' || system === 'gateway-2' || system === 'server-resume' || system === 'cluster-1' || system === 'cluster-2'
    ? 'server'
    : system;
}

/** GATEWAY_WORKERS of a gateway system; 0: not a gateway. */
export function gatewayWorkers(system: System): number {
  return system === 'gateway' ? 1 : system === 'gateway-2' ? 2 : 0;
}

/**
 * Flood limits for the bench's clients: far above any rate a step offers.
 * The defaults (CHAT_RATE 20/s, CHAT_BURST 40) would throttle every
 * sender, and every timed `/history` request, to 20 lines a second.
 */
export const BENCH_RATE = 1_000_000;

/** Prefix of the temporary folders that hold the servers' databases. */
export const DB_FOLDER_PREFIX = 'chat-bench-';

/** Folders not removed yet: the exit handler removes them if a run is cut short. */
const folders = new Set<string>();
onEverythingKilled(() => {
  for (const folder of folders) removeFolder(folder);
});

function removeFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
  folders.delete(folder);
}

export interface ChatServerOptions {
  system: Exclude<System, 'gateway' | 'gateway-2' | 'server-resume' | 'cluster-1' | 'cluster-2'>;
  /** Connections the server must accept (CHAT_MAX_CLIENTS is set above it). */
  clients: number;
  /** Extra arguments for node (a CPU profile). */
  nodeArgs?: string[];
  /** Settings on top of the bench's. */
  env?: Record<string, string>;
}

export interface ChatServerProcess {
  /** Stopping it also removes its database folder. */
  service: Service;
  port: number;
  /** The server's CHAT_DB (null: the baseline, which keeps no history). */
  database: string | null;
}

export async function startChatServer(options: ChatServerOptions): Promise<ChatServerProcess> {
  const baseline = options.system === 'baseline';
  const folder = baseline ? null : mkdtempSync(join(tmpdir(), DB_FOLDER_PREFIX));
  if (folder !== null) folders.add(folder);
  const database = folder === null ? null : join(folder, 'chat.db');
  const env: Record<string, string> = {
    CHAT_HOST: '127.0.0.1',
    CHAT_PORT: '0',
    CHAT_RATE: String(BENCH_RATE),
    CHAT_BURST: String(BENCH_RATE),
    // Room for every client of the biggest workload, and a few spare.
    CHAT_MAX_CLIENTS: String(Math.max(10_000, options.clients + 100)),
    ...(database === null ? {} : { CHAT_DB: database }),
    // Explicit both ways: a CHAT_HISTORY in the bench's own environment must not decide.
    ...(baseline ? {} : { CHAT_HISTORY: options.system === 'history-off' ? 'off' : 'on' }),
    ...options.env,
  };
  try {
    const { service, match } = await startService(
      baseline ? 'baseline' : 'tcp-server',
      baseline ? 'bench/baseline.ts' : 'tcp-server/main.ts',
      env,
      CHAT_READY_RE,
      options.nodeArgs ?? [],
    );
    const stop = async () => {
      await service.stop();
      if (folder !== null) removeFolder(folder);
    };
    return { service: { ...service, stop }, port: Number(match[2]), database };
  } catch (error) {
    if (folder !== null) removeFolder(folder);
    throw error;
  }
}
