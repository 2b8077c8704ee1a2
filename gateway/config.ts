/**
 * Every setting of the gateway: its environment variable next to its
 * default. README.md's configuration table lists the same names.
 */
import { fileURLToPath } from 'node:url';
import { CHAT_ADDRESS_SETTINGS, ConfigError, readInt } from '../common/env.ts';
import { parseAllowedHosts } from './allowed-host.ts';
import { parseTrustProxy } from './trust-proxy.ts';
import { parseChatServers, type UpstreamNode, upstreamNode } from './upstream-nodes.ts';

export interface GatewayConfig {
  /** Where the page and /ws are served. */
  httpHost: string;
  httpPort: number;
  /**
   * The chat servers a browser may be sent to (CHAT_SERVERS, else the one
   * at CHAT_HOST:CHAT_PORT); nothing from a client chooses among them.
   */
  chatServers: UpstreamNode[];
  /** Gateway processes sharing the HTTP port (node:cluster); 1: this process serves alone. */
  workers: number;
  /** A node that refused a connection is tried after the others for this long. */
  upstreamCooldownMs: number;
  /** Host names besides localhost, *.localhost and IP literals that requests may name (`*.x` = subdomains of x). */
  allowedHosts: string[];
  /** Origins besides the page's own that may open /ws (exact `scheme://host[:port]`). */
  allowedOrigins: string[];
  /** Proxies whose X-Forwarded-For / X-Forwarded-Host are believed (addresses, CIDRs or proxy-addr keywords); empty: none. */
  trustProxy: string[];
  /** Browser sockets at once, all addresses together; more get HTTP 503. */
  maxSockets: number;
  /** Descriptors kept free for HTTP requests, files and logs when maxSockets is checked against `ulimit -n`. */
  fdReserve: number;
  maxSocketsPerIp: number;
  /** Largest frame a browser may send, in bytes; larger closes with 1009. */
  maxFrame: number;
  /** Bytes queued to a browser before reading its TCP connection pauses. */
  maxBuffered: number;
  /** Longest line accepted from upstream (the welcome lists every name). */
  maxUpstreamLine: number;
  /** Ping interval; a socket that misses one pong is dropped. */
  heartbeatMs: number;
  /** How long /healthz and a new socket wait for the upstream to accept. */
  upstreamTimeoutMs: number;
  /** /healthz reuses one probe of the chat server for this long. */
  healthCacheMs: number;
  /** On stop, how long open upstream connections are still relayed (the chat server's farewell) before 1001. */
  shutdownRelayMs: number;
  /** On stop, how long browsers get to answer the close before their sockets are cut. */
  shutdownCloseMs: number;
  /** The built page (Vite's output). */
  staticDir: string;
  logLevel: string;
}

export const GATEWAY_SETTINGS = {
  httpHost: { env: 'HTTP_HOST', default: 'localhost' },
  httpPort: { env: 'HTTP_PORT', default: 8080 },
  chatHost: CHAT_ADDRESS_SETTINGS.host,
  chatPort: CHAT_ADDRESS_SETTINGS.port,
  /** Empty: the one chat server at CHAT_HOST:CHAT_PORT. */
  chatServers: { env: 'CHAT_SERVERS', default: '' },
  workers: { env: 'GATEWAY_WORKERS', default: 1 },
  upstreamCooldownMs: { env: 'UPSTREAM_COOLDOWN_MS', default: 5000 },
  allowedHosts: { env: 'ALLOWED_HOSTS', default: '' },
  allowedOrigins: { env: 'ALLOWED_ORIGINS', default: '' },
  trustProxy: { env: 'TRUST_PROXY', default: '' },
  maxSockets: { env: 'MAX_SOCKETS', default: 10_000 },
  fdReserve: { env: 'FD_RESERVE', default: 128 },
  maxSocketsPerIp: { env: 'MAX_SOCKETS_PER_IP', default: 50 },
  maxFrame: { env: 'WS_MAX_FRAME', default: 16 * 1024 },
  maxBuffered: { env: 'WS_MAX_BUFFERED', default: 256 * 1024 },
  maxUpstreamLine: { env: 'UPSTREAM_MAX_LINE', default: 1024 * 1024 },
  heartbeatMs: { env: 'WS_HEARTBEAT_MS', default: 30_000 },
  upstreamTimeoutMs: { env: 'UPSTREAM_TIMEOUT_MS', default: 2000 },
  healthCacheMs: { env: 'HEALTH_CACHE_MS', default: 1000 },
  shutdownRelayMs: { env: 'SHUTDOWN_RELAY_MS', default: 2000 },
  shutdownCloseMs: { env: 'SHUTDOWN_CLOSE_MS', default: 2000 },
  staticDir: { env: 'STATIC_DIR', default: fileURLToPath(new URL('../dist', import.meta.url)) },
  logLevel: { env: 'LOG_LEVEL', default: 'info' },
} as const;

/** A comma-separated list setting, each entry checked by `parse` (which names what is wrong). */
function readList<T>(env: NodeJS.ProcessEnv, name: string, fallback: string, parse: (entries: string[]) => T): T {
  const entries = (env[name] || fallback)
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  try {
    return parse(entries);
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}

/** More workers than this is a typo, not a machine: each one is a whole Node process. */
const MAX_WORKERS = 256;

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const s = GATEWAY_SETTINGS;
  const str = (setting: { env: string; default: string }) => env[setting.env] || setting.default;
  const int = (setting: { env: string; default: number }, min = 1, max?: number) =>
    readInt(env, setting.env, setting.default, { min, max });
  const config: GatewayConfig = {
    httpHost: str(s.httpHost),
    httpPort: int(s.httpPort, 0, 65535),
    chatServers: readList(env, s.chatServers.env, s.chatServers.default, parseChatServers),
    workers: int(s.workers, 1, MAX_WORKERS),
    upstreamCooldownMs: int(s.upstreamCooldownMs, 0),
    allowedHosts: readList(env, s.allowedHosts.env, s.allowedHosts.default, parseAllowedHosts),
    allowedOrigins: readList(env, s.allowedOrigins.env, s.allowedOrigins.default, (e) => e),
    trustProxy: readList(env, s.trustProxy.env, s.trustProxy.default, parseTrustProxy),
    maxSockets: int(s.maxSockets),
    fdReserve: int(s.fdReserve, 0),
    maxSocketsPerIp: int(s.maxSocketsPerIp),
    maxFrame: int(s.maxFrame),
    maxBuffered: int(s.maxBuffered),
    maxUpstreamLine: int(s.maxUpstreamLine),
    heartbeatMs: int(s.heartbeatMs),
    upstreamTimeoutMs: int(s.upstreamTimeoutMs),
    healthCacheMs: int(s.healthCacheMs, 0),
    shutdownRelayMs: int(s.shutdownRelayMs, 0),
    shutdownCloseMs: int(s.shutdownCloseMs, 0),
    staticDir: str(s.staticDir),
    logLevel: str(s.logLevel),
  };
  // Checked even when CHAT_SERVERS is set: a bad value is a mistake either way.
  const chatPort = int(s.chatPort, 1, 65535);
  if (config.chatServers.length === 0) config.chatServers = [upstreamNode(str(s.chatHost), chatPort)];
  return config;
}
