/**
 * What the chat server counts for its metrics: plain numbers it bumps as
 * things happen (a line read, bytes written, a client cut off). They sit on
 * the hot path, so they are fields, not prom-client calls: prom-client reads
 * them only when Prometheus scrapes (chat-metrics.ts).
 *
 * Keys of the per-reason tables are the `reason` label values as exposed,
 * so a scrape copies them as they are. Every reason is listed from the
 * start, so each series exists (at 0) before its first event.
 */

/** Connections the server ended without the user asking. */
export interface Cutoffs {
  /** Its send queue passed CHAT_SENDQ: it was not reading (connection.ts). */
  slow_reader: number;
  /** No valid name within CHAT_NAME_TIMEOUT_MS. */
  name_timeout: number;
  /** Cluster: Redis came back empty and another node gave the member's name out (room link `lost`). */
  name_lost: number;
}

/** Things a user asked for and was refused, each with the answer the protocol gives. */
export interface Refusals {
  /** A connection while CHAT_MAX_CLIENTS were open (`Servidor cheio…`). */
  server_full: number;
  /** A name that breaks the name rules. */
  name_invalid: number;
  /** A name (or a look-alike) someone holds (`Nome já em uso: …`). */
  name_taken: number;
  /** Cluster: a name attempt while Redis is away (`Chat indisponível no momento…`). */
  name_unavailable: number;
  /** A line longer than CHAT_MAX_LINE (`Mensagem muito longa…`). */
  line_too_long: number;
  /** Cluster: a line refused because CHAT_REDIS_BUFFER_BYTES were held while Redis is away. */
  redis_buffer_full: number;
}

/** `/resume` attempts by outcome (session resume, docs/PROTOCOL.md). */
export interface Resumes {
  /** The session was taken over: `+resumed`. */
  resumed: number;
  /** No such session (never existed, expired, ended, or the server restarted): `+resume-failed unknown`. */
  unknown: number;
  /** The lines after the client's count were no longer kept: `+resume-failed gap`. */
  gap: number;
}

export class ServerCounters {
  /** TCP connections accepted (those then refused as server_full included). */
  connectionsOpened = 0;
  /** Joined users on this server now. */
  members = 0;
  /** Lines read from clients (names, commands and too-long lines included), after the flood limit let them through. */
  linesReceived = 0;
  /** Public lines sent by this server's members. */
  publicMessages = 0;
  /** Private lines handed to a recipient. */
  privateMessages = 0;
  /** Room lines (public lines, joins, leaves) times the members they were queued for. */
  roomDeliveries = 0;
  /** Bytes handed to client sockets. */
  sentBytes = 0;
  /** Times a client's input was paused by the flood limit (CHAT_RATE, CHAT_BURST). */
  throttles = 0;
  /** Clients whose input is paused by the flood limit now. */
  throttledNow = 0;
  readonly resumes: Resumes = { resumed: 0, unknown: 0, gap: 0 };
  readonly cutoffs: Cutoffs = { slow_reader: 0, name_timeout: 0, name_lost: 0 };
  readonly refusals: Refusals = {
    server_full: 0,
    name_invalid: 0,
    name_taken: 0,
    name_unavailable: 0,
    line_too_long: 0,
    redis_buffer_full: 0,
  };
}
