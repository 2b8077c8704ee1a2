/**
 * The gateway's Prometheus metrics (prom-client), served on GET /metrics.
 * Names follow Prometheus' conventions: the `gateway_` prefix, base units
 * (bytes), `_total` on counters. With several workers each keeps its own
 * and /metrics answers their sum (gateway/cluster-primary.ts).
 *
 * Frames and bytes are counted for every chunk relayed, the hot path, so
 * there they are plain numbers (`traffic`) that the counters read when
 * scraped; the rarer events (a close, a refusal) go to prom-client directly.
 *
 * Resumed sessions: the gateway keeps no session state and knows nothing
 * of the chat, so it counts what the chat server says. A session that
 * resumes is confirmed by one line, `+resumed <name> <count>`
 * (docs/PROTOCOL.md, session resume), the first line of the taken-over
 * session and never part of another line (chat lines start with a name,
 * `[privado]`, or a notice). So the count is the number of frames sent to
 * browsers whose payload starts with `+resumed `. A read's frames are
 * searched once for that prefix (a fast search, no per-line work); only a
 * read that holds it anywhere is walked frame by frame to count where it
 * starts a line. A session resumes at the name prompt, before any chat
 * line, so the bridge searches only a socket's first RESUME_WATCH_BYTES
 * (and none after its `+resumed`): the chat's traffic is never searched.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { RefusalReason } from './upstream-dial.ts';
import type { UpstreamPool } from './upstream-pool.ts';
import { scrapedMetrics } from '../common/scraped-metrics.ts';

/** Why a WebSocket handshake was refused (before the upgrade, with a plain HTTP status). */
export type HandshakeRefusal = 'host' | 'origin' | 'shutting_down' | 'gateway_full' | 'address_full';

/** Counted on the hot path; read by the counters below when scraped. */
export interface Traffic {
  /** Text frames received from browsers, and their payload bytes. */
  framesReceived: number;
  receivedBytes: number;
  /** Text frames sent to browsers (one per chat-server line), and their payload bytes. */
  framesSent: number;
  sentBytes: number;
  /** Chat-server connections paused because WS_MAX_BUFFERED bytes waited for their browser. */
  upstreamPauses: number;
  /** Frames `+resumed …` sent to browsers: sessions the chat server resumed through this gateway. */
  sessionsResumed: number;
}

/**
 * What the bridge searches of each socket's first bytes from the chat
 * server: the prompt, `+ext …` and the answers to names and `/resume` come
 * first, a few hundred bytes (a thousand wrong names would be 64 KiB).
 */
export const RESUME_WATCH_BYTES = 64 * 1024;

/** How the chat server's line confirming a resumed session starts. */
const RESUMED = Buffer.from('+resumed ');

/**
 * Frames in `frames` (unmasked server-to-client text frames, one after
 * another, as line-framer.ts makes them) whose payload starts with `+resumed `.
 */
export function countResumedFrames(frames: Buffer): number {
  if (frames.indexOf(RESUMED) === -1) return 0; // nearly every read
  let count = 0;
  let at = 0;
  while (at + 2 <= frames.length) {
    const short = frames[at + 1]! & 0x7f;
    let header = 2;
    let length = short;
    if (short === 126) {
      header = 4;
      length = frames.readUInt16BE(at + 2);
    } else if (short === 127) {
      header = 10;
      length = frames.readUIntBE(at + 4, 6); // a 64-bit length whose top 16 bits are 0
    }
    const payload = at + header;
    if (length >= RESUMED.length && frames.compare(RESUMED, 0, RESUMED.length, payload, payload + RESUMED.length) === 0) count++;
    at = payload + length;
  }
  return count;
}

export interface MetricsSources {
  /** Browser WebSockets open now. */
  openSockets(): number;
  pool: UpstreamPool;
  /** Also the process's own metrics (CPU, memory, event loop lag, GC): once per process, not per test app. */
  processMetrics?: boolean;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly traffic: Traffic = { framesReceived: 0, receivedBytes: 0, framesSent: 0, sentBytes: 0, upstreamPauses: 0, sessionsResumed: 0 };
  private readonly opened: Counter;
  private readonly closes: Counter<'code'>;
  private readonly refusals: Counter<'reason'>;
  private readonly upstreamRefusals: Counter<'node' | 'reason'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const traffic = this.traffic;
    const scraped = scrapedMetrics(this.registry);
    /** A counter whose value is read from `traffic` when scraped. */
    const trafficCounter = scraped.counter;
    scraped.gauge('gateway_sockets_open', 'Browser WebSockets open now.', () => sources.openSockets());
    this.opened = new Counter({ name: 'gateway_sockets_opened_total', help: 'Browser WebSockets opened.', registers });
    this.closes = new Counter({
      name: 'gateway_socket_closes_total',
      help: 'Browser WebSockets closed, by close code (1006: the connection ended without a close frame).',
      labelNames: ['code'],
      registers,
    });
    trafficCounter('gateway_frames_received_total', 'Text frames received from browsers.', () => traffic.framesReceived);
    trafficCounter(
      'gateway_received_bytes_total',
      'Payload bytes of the text frames received from browsers (frame headers not counted).',
      () => traffic.receivedBytes,
    );
    trafficCounter('gateway_frames_sent_total', 'Text frames sent to browsers, one per chat-server line.', () => traffic.framesSent);
    trafficCounter(
      'gateway_sent_bytes_total',
      'Payload bytes of the text frames sent to browsers (frame headers not counted).',
      () => traffic.sentBytes,
    );
    trafficCounter(
      'gateway_upstream_pauses_total',
      'Times a chat-server connection stopped being read because more than WS_MAX_BUFFERED bytes waited for its browser (flow control).',
      () => traffic.upstreamPauses,
    );
    trafficCounter(
      'gateway_sessions_resumed_total',
      'Sessions the chat server resumed for a browser (its `+resumed` line relayed): a reload or a dropped connection that cost the user nothing.',
      () => traffic.sessionsResumed,
    );
    this.refusals = new Counter({
      name: 'gateway_handshake_refusals_total',
      help: 'WebSocket handshakes refused before the upgrade, by reason (host, origin, shutting_down, gateway_full, address_full).',
      labelNames: ['reason'],
      registers,
    });
    this.upstreamRefusals = new Counter({
      name: 'gateway_upstream_connect_failures_total',
      help: 'Connections to a chat server that took no browser, by node and reason (error, timeout, full).',
      labelNames: ['node', 'reason'],
      registers,
    });
    new Gauge({
      name: 'gateway_upstream_connections',
      help: 'Connections open (or being opened) to each chat server.',
      labelNames: ['node'],
      registers,
      collect() {
        for (const p of sources.pool.nodes) this.set({ node: p.node.address }, p.open);
      },
    });
    if (sources.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Frames relayed to a browser at its name prompt (the bridge's hook): counts the resumed sessions among them, and says how many. */
  framesRelayed(frames: Buffer): number {
    const resumed = countResumedFrames(frames);
    this.traffic.sessionsResumed += resumed;
    return resumed;
  }

  socketOpened(): void {
    this.opened.inc();
  }

  socketClosed(code: number): void {
    this.closes.inc({ code: String(code) });
  }

  handshakeRefused(reason: HandshakeRefusal): void {
    this.refusals.inc({ reason });
  }

  upstreamRefused(node: string, reason: RefusalReason): void {
    this.upstreamRefusals.inc({ node, reason });
  }
}
