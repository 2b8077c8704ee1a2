/**
 * The cluster's settings, each variable next to its default (to be folded
 * into tcp-server/config.ts). Without CHAT_REDIS_URL the chat server is the
 * single server and needs no Redis.
 */
import { hostname } from 'node:os';
import { ConfigError, readInt } from '../../common/env.ts';
import { NODE_NAME_RE } from '../../protocol/index.ts';

export interface ClusterConfig {
  /** `redis://[user:password@]host[:port][/db]` (or `rediss://`); empty: not a cluster. */
  redisUrl: string;
  /** Bytes of lines a node holds while Redis is away (and until every node has read them). */
  bufferBytes: number;
  /**
   * The node's name in logs, in Redis (each start adds a random suffix, so a
   * restart is a new node) and at the end of its session tokens (plain, for
   * gateways to route a resume by: CHAT_SERVERS `name=host:port`).
   */
  nodeName: string;
  /** How often a node says it is alive (and checks the others). */
  heartbeatMs: number;
  /** A node silent this long is dead: its members leave and their names are free. */
  nodeTtlMs: number;
}

export const CLUSTER_SETTINGS = {
  redisUrl: { env: 'CHAT_REDIS_URL', default: '' },
  bufferBytes: { env: 'CHAT_REDIS_BUFFER_BYTES', default: 8 * 1024 * 1024 },
  nodeName: { env: 'CHAT_NODE_NAME', default: '' },
  heartbeatMs: { env: 'CHAT_NODE_HEARTBEAT_MS', default: 1000 },
  nodeTtlMs: { env: 'CHAT_NODE_TTL_MS', default: 5000 },
} as const satisfies Record<keyof ClusterConfig, { env: string; default: string | number }>;

export function clusterConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const s = CLUSTER_SETTINGS;
  const redisUrl = (env[s.redisUrl.env] ?? '').trim();
  if (redisUrl !== '') checkRedisUrl(redisUrl);
  const nodeName = env[s.nodeName.env] || defaultNodeName();
  if (!NODE_NAME_RE.test(nodeName)) {
    throw new ConfigError(`${s.nodeName.env} must be 1 to 64 letters, digits, _, . or -, got "${nodeName}"`);
  }
  const heartbeatMs = readInt(env, s.heartbeatMs.env, s.heartbeatMs.default, { min: 10 });
  const nodeTtlMs = readInt(env, s.nodeTtlMs.env, s.nodeTtlMs.default, { min: 20 });
  // A live node must get at least two heartbeats in before its liveness runs out.
  if (nodeTtlMs < 2 * heartbeatMs) {
    throw new ConfigError(
      `${s.nodeTtlMs.env} (${nodeTtlMs}) must be at least twice ${s.heartbeatMs.env} (${heartbeatMs})`,
    );
  }
  return {
    redisUrl,
    bufferBytes: readInt(env, s.bufferBytes.env, s.bufferBytes.default, { min: 1024 }),
    nodeName,
    heartbeatMs,
    nodeTtlMs,
  };
}

function checkRedisUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${CLUSTER_SETTINGS.redisUrl.env} must be a URL like redis://127.0.0.1:6379, got "${redactUrl(raw)}"`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError(`${CLUSTER_SETTINGS.redisUrl.env} must start with redis:// or rediss://, got "${redactUrl(raw)}"`);
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    // Not a URL: hide whatever sits between ':' and '@', just in case.
    return raw.replace(/:[^:@/]*@/, ':***@');
  }
}

function defaultNodeName(): string {
  const name = hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 64);
  return name === '' ? 'node' : name;
}
