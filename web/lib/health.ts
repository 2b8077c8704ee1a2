/**
 * Why a socket could not even open. A browser never sees the HTTP status of a
 * refused WebSocket upgrade (the gateway's 503 at its MAX_SOCKETS cap looks
 * like any network error), so after such a failure the page asks the
 * gateway's /healthz, whose JSON says `"gateway": "full"` at that cap and
 * `"upstream": "full"` when the chat server turns people away.
 */

/** What the page can tell the user about a failed try. */
export type Refusal = 'full' | 'unreachable';

export const HEALTH_PATH = '/healthz';

/**
 * Asks the gateway (a 503 still carries the JSON). Anything but a "full" in
 * it (missing fields, another answer, no answer) means unreachable.
 */
export async function probeHealth(url = HEALTH_PATH): Promise<Refusal> {
  try {
    const h = (await (await fetch(url, { cache: 'no-store' })).json()) as { gateway?: unknown; upstream?: unknown } | null;
    return h?.gateway === 'full' || h?.upstream === 'full' ? 'full' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}
