/**
 * What the page says about its connection, from the link's state (owned by
 * GatewayLink) and the chat's (owned by ChatRoom). Pure, so every case is
 * tested without a socket.
 */
import type { Farewell } from './chat-room.svelte.ts';
import type { LinkState } from './gateway-link.svelte.ts';
import type { Refusal } from './health.ts';

/**
 * The header's dot and word. In the chat the page never stops trying (only
 * leaving on purpose does, and that leaves the chat), so not connected means
 * waiting to reconnect.
 */
export type Level = 'online' | 'connecting' | 'reconnecting';

export function statusLevel(state: LinkState, joined: boolean): Level {
  if (state === 'open' && joined) return 'online';
  return state === 'connecting' || state === 'open' ? 'connecting' : 'reconnecting';
}

/** Why the page is not in the chat, as far as it knows. */
export type Reason = Refusal | Farewell;

/**
 * "Full" from either side wins (the user should wait, not worry); then the
 * server's farewell, which explains the silence that follows it better than
 * "unreachable" does; then what /healthz said.
 */
export function offlineReason(refusal: Refusal | null, farewell: Farewell | null): Reason {
  if (refusal === 'full' || farewell === 'full') return 'full';
  return farewell ?? 'unreachable';
}
