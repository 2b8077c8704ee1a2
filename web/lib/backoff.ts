/**
 * When to try reconnecting: exponential backoff with "equal jitter", so a
 * server restart is not met by every page at the same instant.
 */

/** First retry comes after at most this long. */
export const RECONNECT_BASE_MS = 500;
/** Retries never wait longer than this. */
export const RECONNECT_MAX_MS = 15_000;

/** Delay before retry number `attempt` (0 = first): between half and all of min(max, base·2^attempt). */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  base = RECONNECT_BASE_MS,
  max = RECONNECT_MAX_MS,
): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
