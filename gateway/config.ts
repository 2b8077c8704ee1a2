/**
 * Every setting of the gateway: its environment variable next to its
 * default. README.md's configuration table lists the same names.
 */
import { fileURLToPath } from 'node:url';
import { CHAT_ADDRESS_SETTINGS, ConfigError, readInt } from '../common/env.ts';
import { parseAllowedHosts } from './allowed-host.ts';
import { parseTrustProxy } from './trust-proxy.ts';

export interface GatewayConfig {
  /** Where the page and /ws are served. */
  httpHost: string;
  httpPort: number;
  /** The one upstream chat server; nothing from a client chooses another. */
  chatHost: string;
  chatPort: number;
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

export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const s = GATEWAY_SETTINGS;
  const str = (setting: { env: string; default: string }) => env[setting.env] || setting.default;
  const int = (setting: { env: string; default: number }, min = 1, max?: number) =>
    readInt(env, setting.env, setting.default, { min, max });
  return {
    httpHost: str(s.httpHost),
    httpPort: int(s.httpPort, 0, 65535),
    chatHost: str(s.chatHost),
    chatPort: int(s.chatPort, 1, 65535),
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
}
