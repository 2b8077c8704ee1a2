/**
 * How the chat server talks to "the rest of the room": one interface, two
 * implementations.
 *
 * - LocalRoomLink (local-room-link.ts): the single server, in process. Every
 *   call answers at once and every event is handed back synchronously, so
 *   the server behaves exactly as it did before the cluster existed.
 * - RedisRoomLink (redis-room-link.ts): one node of a cluster. Names are
 *   claimed atomically in Redis, and every event of the room, the node's own
 *   included, goes through one Redis stream and comes back to every node in
 *   the stream's order. So all nodes see the same order, and every node's
 *   history is the same.
 *
 * The chat server keeps its connections. It asks the link to claim and
 * release names and to publish lines, and it delivers to its own
 * connections what the link hands back through `onEvent`, and only then.
 * `holder` (type T) is whatever the chat server uses for a local member (a
 * Connection); the link hands it back and never looks inside it.
 */
import type { StoredLine } from '../history/history-store.ts';
import type { RoomMember } from './roster.ts';

export type { RoomMember } from './roster.ts';

/**
 * `taken`: that name or a look-alike is held somewhere in the room.
 * `unavailable`: a cluster node cannot reach Redis (or the cluster is
 * re-registering its members after Redis lost its data): try again later.
 */
export type ClaimResult = 'ok' | 'taken' | 'unavailable';

/** `full`: the line cannot be held until Redis is back (CHAT_REDIS_BUFFER_BYTES); nobody will get it. */
export type PublishResult = 'ok' | 'full';

/** What the room tells this node, each event once. Delivery to local connections is the chat server's. */
export type RoomEvent<T> =
  /** `name` joined. `holder` is set when it is this node's member (don't tell that member); else a remote one. */
  | { type: 'join'; name: string; holder: T | undefined }
  /** `name` left (quit, disconnect, its node stopped or died). `holder`: as for join. */
  | { type: 'leave'; name: string; holder: T | undefined }
  /**
   * A public line, already stored in the history with its cluster-wide id.
   * `sender` is set when this node's member sent it (it gets the ack, not the line).
   * `label`: the client's label for the line (issue 13), carried with it so that
   * every node remembers it: a resend through another node is recognised.
   */
  | { type: 'public'; line: StoredLine; sender: T | undefined; label?: string }
  /** A private line for a member of this node. */
  | { type: 'private'; from: string; to: T; text: string }
  /**
   * A member of this node lost its name: Redis came back without its data and
   * someone elsewhere took the name first. The chat server should tell the user and
   * end the connection (its leave then goes out as usual).
   */
  | { type: 'lost'; name: string; holder: T };

export interface RoomLink<T> {
  /** This node's id in the room (`local` for the single server). */
  readonly nodeId: string;

  /** Every name in the room, every node, sorted as online lists are (welcome, `/users`). */
  readonly names: readonly string[];

  /** Who holds this name or a look-alike, anywhere in the room (`@name`). */
  find(name: string): RoomMember<T> | undefined;

  /**
   * Connects and joins the room; `onEvent` then receives every event, in the
   * room's order. Rejects (a ClusterStartError) when Redis cannot be reached.
   */
  start(onEvent: (event: RoomEvent<T>) => void): Promise<void>;

  /**
   * Takes a valid, not reserved, name for a local member. On `ok` the member
   * is in `names` and its join is announced through `onEvent` (possibly
   * before the promise settles). The single server answers synchronously; a
   * cluster node answers after a Redis round trip, and meanwhile the chat
   * server must hold that connection's next lines (they are not names). If
   * the connection closes meanwhile and the answer is `ok`, release the name.
   */
  claim(name: string, holder: T): ClaimResult | Promise<ClaimResult>;

  /** A local member left: its name is free again and its leave is announced. Never refused. */
  release(name: string, holder: T): void;

  /** A public line from a local member; it comes back through `onEvent` with its history id (and its label). */
  publishPublic(from: string, text: string, sender: T, label?: string): PublishResult;

  /** A private line to `to` (from `find`); the recipient's node hands it over. */
  publishPrivate(from: string, to: RoomMember<T>, text: string, sender: T): PublishResult;

  /**
   * Leaves the room: every remote node sees this node's members leave at
   * once. Waits a bounded time for what is still held to reach Redis.
   */
  close(): Promise<void>;

  /** For metrics and health: whether the room is reachable, and what waits for it. */
  status(): LinkStatus;
}

export interface LinkStatus {
  /** False while a cluster node cannot reach Redis (always true for the single server). */
  connected: boolean;
  /** Ops (claims, leaves, lines) kept until every node has read them, and their bytes. */
  heldOps: number;
  heldBytes: number;
  /**
   * How long the last heartbeat took, sent to answered (a small script
   * call, so mostly the network and this node's own event-loop delay), in
   * ms; null before the first one and for the single server.
   */
  roundTripMs: number | null;
  /** Times this node lost Redis since it started (each logged as `Redis unreachable`). */
  outages: number;
}

/** The node could not join the cluster at start (the process exits with code 1). */
export class ClusterStartError extends Error {
  readonly code = 'ERR_CLUSTER_START';
}
