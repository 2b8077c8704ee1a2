/**
 * Every setting of the TCP server: its environment variable next to its
 * default. README.md's configuration table lists the same names.
 */
import { CHAT_ADDRESS_SETTINGS, ConfigError, readInt } from '../common/env.ts';
import { CLUSTER_SETTINGS, type ClusterConfig, clusterConfigFromEnv } from './cluster/cluster-config.ts';

/**
 * The cluster's settings (CHAT_REDIS_URL and its companions) are part of
 * the server's: each is defined once, beside its default, in
 * cluster/cluster-config.ts, with the checks that tie them together.
 */
export interface ServerConfig extends ClusterConfig {
  host: string;
  port: number;
  /** Longest accepted line, in bytes, not counting CR LF. */
  maxLine: number;
  /** A partial line idle this long is taken as complete (the original clients sent no LF). */
  legacyIdleMs: number;
  /** Lines per second a client may send before its socket stops being read. */
  rate: number;
  /** Lines a client may send at once before the rate applies. */
  burst: number;
  /** Bytes waiting to be sent to one client before it is cut off as a slow reader. */
  sendQueue: number;
  /** Connections at once, named or not. */
  maxClients: number;
  /** How long a new connection has to give a valid name. */
  nameTimeoutMs: number;
  /** How long a connection the server ended may stay open waiting for the client to close its side. */
  closeGraceMs: number;
  // History (tcp-server/history/).
  /** The history database: a path (relative to the working directory) or `:memory:`. */
  db: string;
  /** `off`: no history at all. */
  historyMode: 'on' | 'off';
  /** Public lines kept; older ones are deleted as new ones arrive. */
  historyMax: number;
  /** Most lines in one answer to `/since` (a client that opted in pages through the rest). */
  historyPage: number;
  /** Line labels remembered (issue 13: a resent line is recognised); oldest forgotten first. */
  labelsMax: number;
  // Session resume (tcp-server/session/).
  /** How long a dropped session's member stays in the room waiting for `/resume`; 0: resume is off. */
  resumeGraceMs: number;
  /** Bytes of lines a session keeps for a resume (sent but maybe not received, or held while detached). */
  resumeBufferBytes: number;
}

export const SERVER_SETTINGS = {
  host: CHAT_ADDRESS_SETTINGS.host,
  port: CHAT_ADDRESS_SETTINGS.port,
  maxLine: { env: 'CHAT_MAX_LINE', default: 4096 },
  legacyIdleMs: { env: 'CHAT_LEGACY_IDLE_MS', default: 100 },
  rate: { env: 'CHAT_RATE', default: 20 },
  burst: { env: 'CHAT_BURST', default: 40 },
  sendQueue: { env: 'CHAT_SENDQ', default: 1024 * 1024 },
  maxClients: { env: 'CHAT_MAX_CLIENTS', default: 10_000 },
  nameTimeoutMs: { env: 'CHAT_NAME_TIMEOUT_MS', default: 60_000 },
  closeGraceMs: { env: 'CHAT_CLOSE_GRACE_MS', default: 2000 },
  db: { env: 'CHAT_DB', default: 'data/chat.db' },
  historyMode: { env: 'CHAT_HISTORY', default: 'on' },
  historyMax: { env: 'CHAT_HISTORY_MAX', default: 10_000 },
  historyPage: { env: 'CHAT_HISTORY_PAGE', default: 500 },
  labelsMax: { env: 'CHAT_LABELS_MAX', default: 100_000 },
  resumeGraceMs: { env: 'CHAT_RESUME_GRACE_MS', default: 30_000 },
  resumeBufferBytes: { env: 'CHAT_RESUME_BUFFER_BYTES', default: 1024 * 1024 },
  ...CLUSTER_SETTINGS,
} as const satisfies Record<keyof ServerConfig, { env: string; default: string | number }>;

/**
 * The most CHAT_LABELS_MAX may be: with CHAT_HISTORY=off or CHAT_DB=:memory:
 * labels live in the process's memory (about 150 bytes each), so a typo with
 * extra zeros must stop the server rather than let it grow without bound.
 */
export const LABELS_MAX_LIMIT = 10_000_000;

export const DEFAULT_CONFIG: ServerConfig = Object.fromEntries(
  Object.entries(SERVER_SETTINGS).map(([key, s]) => [key, s.default]),
) as unknown as ServerConfig;

export function serverConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const s = SERVER_SETTINGS;
  return {
    host: env[s.host.env] || s.host.default,
    port: readInt(env, s.port.env, s.port.default, { min: 0, max: 65535 }),
    maxLine: readInt(env, s.maxLine.env, s.maxLine.default),
    legacyIdleMs: readInt(env, s.legacyIdleMs.env, s.legacyIdleMs.default),
    rate: readInt(env, s.rate.env, s.rate.default),
    burst: readInt(env, s.burst.env, s.burst.default),
    sendQueue: readInt(env, s.sendQueue.env, s.sendQueue.default),
    maxClients: readInt(env, s.maxClients.env, s.maxClients.default),
    nameTimeoutMs: readInt(env, s.nameTimeoutMs.env, s.nameTimeoutMs.default),
    closeGraceMs: readInt(env, s.closeGraceMs.env, s.closeGraceMs.default),
    db: env[s.db.env] || s.db.default,
    historyMode: readHistoryMode(env[s.historyMode.env]),
    historyMax: readInt(env, s.historyMax.env, s.historyMax.default),
    historyPage: readInt(env, s.historyPage.env, s.historyPage.default),
    labelsMax: readInt(env, s.labelsMax.env, s.labelsMax.default, { max: LABELS_MAX_LIMIT }),
    // A grace longer than a day would keep closed tabs in the room for a day.
    resumeGraceMs: readInt(env, s.resumeGraceMs.env, s.resumeGraceMs.default, { min: 0, max: 86_400_000 }),
    resumeBufferBytes: readInt(env, s.resumeBufferBytes.env, s.resumeBufferBytes.default, { min: 1024 }),
    ...clusterConfigFromEnv(env),
  };
}

function readHistoryMode(raw: string | undefined): 'on' | 'off' {
  if (raw === undefined || raw === '') return SERVER_SETTINGS.historyMode.default;
  if (raw === 'on' || raw === 'off') return raw;
  throw new ConfigError(`${SERVER_SETTINGS.historyMode.env} must be "on" or "off", got "${raw}"`);
}
