/**
 * The chat server's Prometheus metrics (prom-client), served by
 * metrics-endpoint.ts. Names follow Prometheus' conventions: the `chat_`
 * prefix, base units (bytes, seconds), `_total` on counters, labels with a
 * fixed set of values (a reason, a kind; never a name or an address).
 *
 * Nothing here runs on the chat's hot path: the server bumps plain numbers
 * (ServerCounters, the history store's `writes`, the room link's status())
 * and every metric reads its number in a collect() callback, at scrape time.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { HistoryStore } from '../history/history-store.ts';
import type { LinkStatus } from '../cluster/room-link.ts';
import type { SessionStats } from '../session/session-registry.ts';
import type { ServerCounters } from './server-counters.ts';
import { scrapedMetrics } from '../../common/scraped-metrics.ts';

export interface ChatMetricsSources {
  counters: ServerCounters;
  /** Connections open now, named or not (what CHAT_MAX_CLIENTS counts). */
  connections(): number;
  /** CHAT_MAX_CLIENTS. */
  maxConnections: number;
  /** The history store, for its writes (a store without `writes`, or none: no history metrics). */
  history?: HistoryStore;
  /** The resumable sessions (SessionRegistry.stats, through ChatServer.metricsSources): the `chat_sessions*` gauges. */
  sessions?: () => SessionStats;
  /**
   * The room link's status(), for a cluster node (CHAT_REDIS_URL set): the
   * `chat_redis_*` metrics. Without it (the single server) they are left out.
   */
  room?: () => LinkStatus;
  /** Also the process's own metrics (CPU, memory, event loop lag, GC): once per process. */
  processMetrics?: boolean;
}

/** What a ChatServer gives its metrics itself (ChatServer.metricsSources()); main.ts adds the history and the room. */
export type ServerMetricsSources = Pick<ChatMetricsSources, 'counters' | 'connections' | 'maxConnections' | 'sessions'>;

/** A Prometheus registry whose metrics read `sources` when scraped. */
export function chatMetricsRegistry(sources: ChatMetricsSources): Registry {
  const registry = new Registry();
  const c = sources.counters;

  const { counter, labelled, gauge } = scrapedMetrics(registry);

  gauge('chat_connections_open', 'Connections open now, named or not (what CHAT_MAX_CLIENTS counts).', () => sources.connections());
  gauge('chat_connections_max', 'CHAT_MAX_CLIENTS: connections beyond it are refused.', () => sources.maxConnections);
  counter(
    'chat_connections_opened_total',
    'TCP connections accepted (those then refused because the server was full included).',
    () => c.connectionsOpened,
  );
  gauge('chat_members', 'Users joined (named) on this server now.', () => c.members);
  counter(
    'chat_lines_received_total',
    'Lines read from clients (names, commands and too-long lines included), as the flood limit lets them through.',
    () => c.linesReceived,
  );
  labelled('chat_messages_total', 'Chat lines sent by members of this server, by kind (public, private).', 'kind', () => ({
    public: c.publicMessages,
    private: c.privateMessages,
  }));
  counter(
    'chat_deliveries_total',
    'Lines queued for a recipient: each public line, join and leave once per other member of this server, each private line once.',
    () => c.roomDeliveries + c.privateMessages,
  );
  counter('chat_sent_bytes_total', 'Bytes written to client sockets.', () => c.sentBytes);
  labelled(
    'chat_cutoffs_total',
    'Connections the server ended without the user asking, by reason (slow_reader: its send queue passed CHAT_SENDQ; ' +
      'name_timeout: no name within CHAT_NAME_TIMEOUT_MS; name_lost: a cluster node lost the name to another node).',
    'reason',
    () => ({ ...c.cutoffs }),
  );
  labelled(
    'chat_refusals_total',
    'Requests refused with an answer, by reason (server_full: a connection beyond CHAT_MAX_CLIENTS; name_invalid, name_taken; ' +
      'name_unavailable: a cluster node without Redis; line_too_long: beyond CHAT_MAX_LINE; redis_buffer_full: a line beyond CHAT_REDIS_BUFFER_BYTES).',
    'reason',
    () => ({ ...c.refusals }),
  );
  labelled(
    'chat_resumes_total',
    'Session resume attempts (/resume), by result (resumed; unknown: no such session; gap: its missed lines were no longer kept).',
    'result',
    () => ({ ...c.resumes }),
  );
  counter(
    'chat_throttles_total',
    "Times a client's input was paused because it sent lines faster than CHAT_RATE after its CHAT_BURST.",
    () => c.throttles,
  );
  gauge('chat_clients_throttled', 'Clients whose input is paused by the flood limit now.', () => c.throttledNow);

  const sessions = sources.sessions;
  if (sessions !== undefined) {
    gauge('chat_sessions', 'Resumable sessions alive, with a connection or waiting for one.', () => sessions().sessions);
    gauge(
      'chat_sessions_detached',
      'Sessions whose connection dropped, kept (their member still in the room) for CHAT_RESUME_GRACE_MS in case the client resumes.',
      () => sessions().detached,
    );
    gauge(
      'chat_sessions_held_bytes',
      "Bytes of lines kept for sessions' resumes (bounded per session by CHAT_RESUME_BUFFER_BYTES; a room line shared by several sessions counts once per session).",
      () => sessions().heldBytes,
    );
  }

  const writes = sources.history?.writes;
  if (writes !== undefined) {
    counter('chat_history_lines_written_total', "Public lines stored in this server's history.", () => writes.lines);
    counter(
      'chat_history_write_failures_total',
      'History transactions that failed (their lines were delivered, but are missing from the history).',
      () => writes.failures,
    );
    counter('chat_history_lines_lost_total', 'Lines of the failed history transactions.', () => writes.lostLines);
  }

  const room = sources.room;
  if (room !== undefined) {
    gauge('chat_redis_connected', '1 while this node is connected to Redis and registered in the cluster, else 0.', () =>
      room().connected ? 1 : 0,
    );
    counter('chat_redis_outages_total', 'Times this node lost Redis since it started.', () => room().outages);
    gauge(
      'chat_redis_round_trip_seconds',
      "The last heartbeat's round trip to Redis (a small script call), as this node saw it; NaN before the first.",
      () => {
        const ms = room().roundTripMs;
        return ms === null ? Number.NaN : ms / 1000;
      },
    );
    gauge('chat_redis_held_ops', 'Claims, leaves and lines this node keeps until every node has read them (they wait here while Redis is away).', () =>
      room().heldOps,
    );
    gauge('chat_redis_held_bytes', 'Bytes of those held lines (bounded by CHAT_REDIS_BUFFER_BYTES).', () => room().heldBytes);
  }

  if (sources.processMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}
