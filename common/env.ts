/**
 * Reading settings from the environment, shared by every process (chat
 * server, gateway, launcher): a bad value is an error naming the variable,
 * never a silent default.
 */

export class ConfigError extends Error {
  readonly code = 'ERR_CHAT_CONFIG';
}

/** Exit code of a process stopped by a bad setting. */
export const CONFIG_EXIT_CODE = 2;

/** Reads a whole number from the environment; a bad value is an error, never a silent default. */
export function readInt(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  { min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * Where the chat server listens, and so where the gateway dials: both
 * processes read these two variables, defined once here.
 */
export const CHAT_ADDRESS_SETTINGS = {
  host: { env: 'CHAT_HOST', default: '127.0.0.1' },
  port: { env: 'CHAT_PORT', default: 12345 },
} as const;
