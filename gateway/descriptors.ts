/**
 * MAX_SOCKETS against the process's descriptor limit (`ulimit -n`): each
 * browser costs two descriptors (its WebSocket and its upstream TCP
 * connection), and the gateway needs some more for HTTP requests, the
 * page's files and its logs. Past the limit, accept() and connect() fail
 * with EMFILE and browsers would be dropped with no explanation, so the cap
 * is lowered at start instead, where it can be said.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../common/env.ts';

export const DESCRIPTORS_PER_SOCKET = 2;

/** The soft "Max open files" of this process (Linux), or null when unknown or unlimited. */
export function readDescriptorLimit(limitsFile = '/proc/self/limits'): number | null {
  let text: string;
  try {
    text = readFileSync(limitsFile, 'utf8');
  } catch {
    return null; // not Linux: nothing to check against
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
}

/** The most sockets that fit in `limit` descriptors with `reserve` kept free (may be 0). */
export function socketsWithin(limit: number, reserve: number): number {
  return Math.max(0, Math.floor((limit - reserve) / DESCRIPTORS_PER_SOCKET));
}

/**
 * MAX_SOCKETS as the descriptor limit allows: lowered, with a warning naming
 * both numbers, when it does not fit. Throws a ConfigError when not even
 * one browser fits.
 */
export function capToDescriptors(
  maxSockets: number,
  limit: number | null,
  reserve: number,
): { maxSockets: number; warning: string | null } {
  if (limit === null) return { maxSockets, warning: null };
  const fit = socketsWithin(limit, reserve);
  if (fit < 1) {
    throw new ConfigError(
      `the descriptor limit (ulimit -n) is ${limit}: no room for a browser socket with FD_RESERVE=${reserve}`,
    );
  }
  if (fit >= maxSockets) return { maxSockets, warning: null };
  return {
    maxSockets: fit,
    warning:
      `MAX_SOCKETS lowered from ${maxSockets} to ${fit}: the descriptor limit (ulimit -n) is ${limit}, ` +
      `each browser needs ${DESCRIPTORS_PER_SOCKET} and FD_RESERVE keeps ${reserve} for HTTP requests and logs`,
  };
}
