/**
 * Where the chat server serves its Prometheus metrics, each variable next
 * to its default. Kept beside the metrics (like cluster/cluster-config.ts)
 * rather than in ../config.ts, whose settings are the ChatServer's own.
 */
import { readInt } from '../../common/env.ts';

export interface MetricsConfig {
  /** 0: no metrics endpoint (the default). */
  port: number;
  /** The address it listens on: loopback unless an operator opens it up. */
  host: string;
}

export const METRICS_SETTINGS = {
  port: { env: 'CHAT_METRICS_PORT', default: 0 },
  host: { env: 'CHAT_METRICS_HOST', default: '127.0.0.1' },
} as const satisfies Record<keyof MetricsConfig, { env: string; default: string | number }>;

export function metricsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsConfig {
  const s = METRICS_SETTINGS;
  return {
    port: readInt(env, s.port.env, s.port.default, { min: 0, max: 65535 }),
    host: env[s.host.env]?.trim() || s.host.default,
  };
}
