/**
 * Every setting of the gateway: its environment variable next to its
 * default. README.md's configuration table lists the same names.
 */
import { fileURLToPath } from 'node:url';
import { CHAT_ADDRESS_SETTINGS, readInt } from '../common/env.ts';

export interface GatewayConfig {
  /** Where the page and /ws are served. */
  httpHost: string;
  httpPort: number;
  /** The one upstream chat server; nothing from a client chooses another. */
  chatHost: string;
  chatPort: number;
  /** Origins besides the page's own that may open /ws (exact `scheme://host[:port]`). */
  allowedOrigins: string[];
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
  /** The built page (Vite's output). */
  staticDir: string;
  logLevel: string;
}

export const GATEWAY_SETTINGS = {
  httpHost: { env: 'HTTP_HOST', default: 'localhost' },
  httpPort: { env: 'HTTP_PORT', default: 8080 },
  chatHost: CHAT_ADDRESS_SETTINGS.host,
  chatPort: CHAT_ADDRESS_SETTINGS.port,
  allowedOrigins: { env: 'ALLOWED_ORIGINS', default: '' },
  maxSocketsPerIp: { env: 'MAX_SOCKETS_PER_IP', default: 50 },
  maxFrame: { env: 'WS_MAX_FRAME', default: 16 * 1024 },
  maxBuffered: { env: 'WS_MAX_BUFFERED', default: 256 * 1024 },
  maxUpstreamLine: { env: 'UPSTREAM_MAX_LINE', default: 1024 * 1024 },
  heartbeatMs: { env: 'WS_HEARTBEAT_MS', default: 30_000 },
  upstreamTimeoutMs: { env: 'UPSTREAM_TIMEOUT_MS', default: 2000 },
  staticDir: { env: 'STATIC_DIR', default: fileURLToPath(new URL('../dist', import.meta.url)) },
  logLevel: { env: 'LOG_LEVEL', default: 'info' },
} as const;

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
    allowedOrigins: str(s.allowedOrigins)
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    maxSocketsPerIp: int(s.maxSocketsPerIp),
    maxFrame: int(s.maxFrame),
    maxBuffered: int(s.maxBuffered),
    maxUpstreamLine: int(s.maxUpstreamLine),
    heartbeatMs: int(s.heartbeatMs),
    upstreamTimeoutMs: int(s.upstreamTimeoutMs),
    staticDir: str(s.staticDir),
    logLevel: str(s.logLevel),
  };
}
