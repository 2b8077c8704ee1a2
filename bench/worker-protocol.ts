/**
 * Messages between the benchmark's main process and its load-generator
 * workers (child processes, IPC channel, JSON).
 */
import type { RunStatsJSON } from './probe.ts';

export type Target =
  /** `optIn`: a line each client sends at the prompt before its name (`/ext resume`). */
  | { kind: 'tcp'; host: string; port: number; optIn?: string }
  /**
   * A WebSocket at `url`, sending `origin` as the page would; `client`: the
   * bench's lean client (bench/ws-client.ts) or the `ws` library.
   */
  | { kind: 'ws'; url: string; origin: string; client: WsClientKind };

/** Which WebSocket client the load generator uses (bench/ws-frames.ts says why two). */
export type WsClientKind = 'lean' | 'ws';

/** How a worker's clients join. */
export type JoinMode =
  /**
   * Batches of `size`: a batch connects and waits for its prompts, then all
   * its clients send their names at once (a quick, orderly set-up).
   */
  | { kind: 'batches'; size: number }
  /**
   * A storm: every client connects at `startUs` (monotonic µs) and sends its
   * name at once, without waiting for the prompt. With `stopReading`, a client
   * stops reading once welcomed (its kernel buffers fill). Clients not
   * welcomed by `deadlineUs` count as failed.
   */
  | { kind: 'storm'; startUs: number; deadlineUs: number; stopReading: boolean };

export type ToWorker =
  /** Connects clients [from, to) named `${prefix}${index}` and waits for each welcome. */
  | { type: 'join'; target: Target; from: number; to: number; prefix: string; mode: JoinMode }
  /**
   * Senders (global client indices → sender slot) send `ratePerSender`
   * lines/s from `startUs` for `durationMs`; every client records run `run`.
   */
  | {
      type: 'run';
      run: number;
      senders: Array<{ client: number; slot: number }>;
      senderCount: number;
      ratePerSender: number;
      startUs: number;
      durationMs: number;
      /** Sender slots on another chat node than this worker's clients (a cluster): their latency is also kept apart. */
      remoteSlots?: number[];
    }
  /** How many probe lines of the current run arrived so far. */
  | { type: 'progress' }
  /** The current run's full statistics. */
  | { type: 'report' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready' }
  /** `lastWelcomeUs`: when the last welcome arrived (monotonic µs, 0: none). */
  | { type: 'joined'; joined: number; sessions: number; failed: number; firstError: string | null; lastWelcomeUs: number }
  | { type: 'join-progress'; joined: number }
  /** Lines each sender slot of this worker wrote in the run. */
  | { type: 'sent'; sent: Array<{ slot: number; lines: number }> }
  | { type: 'progress'; received: number; stale: number; lastArrivalUs: number; disconnects: number }
  | { type: 'report'; stats: RunStatsJSON; disconnects: number }
  | { type: 'closed' };
