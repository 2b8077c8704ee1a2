/**
 * The benchmark's lines and how a receiver checks them.
 *
 * Every line a sender writes is `#<run>,<sender>,<seq>,<sentUs>`; the server
 * delivers it as `<name>: #<run>,<sender>,<seq>,<sentUs>`. A receiver reads
 * the numbers straight from the received bytes (no string per line) and,
 * per sender, checks that sequence numbers arrive exactly one after another:
 * that proves no loss, no duplicate and the order, and the send time gives
 * the latency. Pure logic, no sockets: test/bench proves it on its own.
 */
import { Histogram, type SparseHistogram } from './histogram.ts';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const HASH = 0x23;
const COMMA = 0x2c;
/** A name is at most 32 characters (up to 128 bytes); bench names are short ASCII. */
const MAX_NAME_BYTES = 128;
const WELCOME = Buffer.from('Bem-vindo, ');
const PROMPT = Buffer.from('Digite seu nome:');
/** The first line after the name to a client that opted in to resume (docs/PROTOCOL.md). */
const SESSION = Buffer.from('+session ');
/** Anything longer cannot be a probe line; it is skipped without being copied. */
const MAX_PROBE_LINE = 96;

/** Microseconds on the machine's monotonic clock, the same in every process. */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + Math.floor(ns / 1000);
}

export function probeLine(run: number, sender: number, seq: number, sentUs: number): string {
  return `#${run},${sender},${seq},${sentUs}`;
}

/** What all the receivers of one worker saw during one run. */
export class RunStats {
  readonly latency = new Histogram();
  /** Probe lines of this run, whatever their order. */
  received = 0;
  /** Received with seq ≤ the last one seen from that sender: duplicates or reordering. */
  duplicates = 0;
  /** Received with a seq that skipped some: lines lost or reordered. */
  gaps = 0;
  /** Probe lines of an earlier run still arriving (never counted as this run's). */
  stale = 0;
  /** When the last probe line of this run arrived (µs, monotonic). */
  lastArrivalUs = 0;

  /**
   * Latency of the lines from senders on another chat node than this
   * worker's clients (a cluster: sender on one node, receiver on another);
   * null when no sender is remote.
   */
  readonly remoteLatency: Histogram | null;
  /** 1 at the slot of each remote sender. */
  private readonly remote: Uint8Array;

  constructor(
    readonly run: number,
    readonly senders: number,
    remoteSlots: readonly number[] = [],
  ) {
    this.remote = new Uint8Array(senders);
    for (const slot of remoteSlots) if (slot < senders) this.remote[slot] = 1;
    this.remoteLatency = remoteSlots.length > 0 ? new Histogram() : null;
  }

  /** Records one probe line's latency (µs), in the remote histogram too when its sender is remote. */
  recordLatency(sender: number, us: number): void {
    this.latency.record(us);
    if (this.remoteLatency !== null && this.remote[sender] === 1) this.remoteLatency.record(us);
  }

  toJSON(): RunStatsJSON {
    return {
      run: this.run,
      received: this.received,
      duplicates: this.duplicates,
      gaps: this.gaps,
      stale: this.stale,
      lastArrivalUs: this.lastArrivalUs,
      latency: this.latency.toJSON(),
      ...(this.remoteLatency === null ? {} : { remoteLatency: this.remoteLatency.toJSON() }),
    };
  }
}

export interface RunStatsJSON {
  run: number;
  received: number;
  duplicates: number;
  gaps: number;
  stale: number;
  lastArrivalUs: number;
  latency: SparseHistogram;
  /** Lines from senders on another chat node (RunStats.remoteLatency). */
  remoteLatency?: SparseHistogram;
}

/**
 * One client's receive side: splits the byte stream into lines, recognises
 * the welcome and probe lines, and records probes into the worker's RunStats.
 */
export class Receiver {
  joined = false;
  prompted = false;
  /** The server gave this client a session (`+session <token>`, issue 13). */
  session = false;
  /** Last seq seen per sender in the current run (-1: none yet). */
  private lastSeq: Int32Array = new Int32Array(0);
  private run = -1;
  /** The start of a line split across chunks, if it may matter (short). */
  private partial: Buffer | null = null;
  /** Inside a long line (a welcome, a join storm line…) until its LF. */
  private skipping = false;
  onJoined: (() => void) | null = null;
  /** The server asked for the name: it has accepted the connection and reads it. */
  onPrompt: (() => void) | null = null;

  /** Starts a new run: sequence tracking starts over. */
  reset(run: number, senders: number): void {
    this.run = run;
    if (this.lastSeq.length !== senders) this.lastSeq = new Int32Array(senders);
    this.lastSeq.fill(-1);
  }

  /** Bytes from a TCP socket: any number of lines, possibly split. */
  onBytes(chunk: Buffer, stats: RunStats | null, now: number): void {
    let start = 0;
    if (this.partial !== null) {
      const lf = chunk.indexOf(LF);
      if (lf === -1) {
        this.keepPartial(Buffer.concat([this.partial, chunk]));
        return;
      }
      const line = Buffer.concat([this.partial, chunk.subarray(0, lf)]);
      this.partial = null;
      this.onLine(line, 0, line.length, stats, now);
      start = lf + 1;
    } else if (this.skipping) {
      const lf = chunk.indexOf(LF);
      if (lf === -1) return;
      this.skipping = false;
      start = lf + 1;
    }
    const len = chunk.length;
    while (start < len) {
      const lf = chunk.indexOf(LF, start);
      if (lf === -1) {
        this.keepPartial(chunk.subarray(start));
        return;
      }
      this.onLine(chunk, start, lf, stats, now);
      start = lf + 1;
    }
  }

  /** One WebSocket text frame: exactly one line, without its LF. */
  onFrame(data: Buffer, stats: RunStats | null, now: number): void {
    let end = data.length;
    if (end > 0 && data[end - 1] === LF) end--;
    this.onLine(data, 0, end, stats, now);
  }

  /** One WebSocket text frame's payload, `buf[start, end)`, read in place (bench/ws-client.ts). */
  onFrameAt(buf: Buffer, start: number, end: number, stats: RunStats | null, now: number): void {
    if (end > start && buf[end - 1] === LF) end--;
    this.onLine(buf, start, end, stats, now);
  }

  private keepPartial(bytes: Buffer): void {
    // A probe line is short; a long partial is a welcome or a join notice.
    // The welcome is recognised by its first bytes, so look before dropping.
    if (bytes.length > MAX_PROBE_LINE) {
      this.checkWelcome(bytes, 0, bytes.length);
      this.partial = null;
      this.skipping = true;
    } else {
      // Copy: the chunk's memory is reused by nobody, but a subarray would pin it.
      this.partial = Buffer.from(bytes);
    }
  }

  private checkWelcome(buf: Buffer, start: number, end: number): void {
    if (!this.joined && !this.session && end - start > SESSION.length && buf.compare(SESSION, 0, SESSION.length, start, start + SESSION.length) === 0) {
      this.session = true;
      return;
    }
    if (!this.prompted && end - start === PROMPT.length && buf.compare(PROMPT, 0, PROMPT.length, start, end) === 0) {
      this.prompted = true;
      this.onPrompt?.();
      return;
    }
    if (this.joined || end - start < WELCOME.length) return;
    for (let i = 0; i < WELCOME.length; i++) if (buf[start + i] !== WELCOME[i]) return;
    this.joined = true;
    this.onJoined?.();
  }

  private onLine(buf: Buffer, start: number, end: number, stats: RunStats | null, now: number): void {
    if (end > start && buf[end - 1] === CR) end--;
    // `<name>: #…`: find the colon that ends the name.
    const limit = Math.min(end, start + MAX_NAME_BYTES);
    let i = start;
    while (i < limit && buf[i] !== COLON) i++;
    if (i + 2 >= end || buf[i] !== COLON || buf[i + 1] !== SPACE || buf[i + 2] !== HASH) {
      this.checkWelcome(buf, start, end);
      return;
    }
    i += 3;
    // Four decimal numbers separated by commas.
    let run = 0;
    for (; i < end && buf[i] !== COMMA; i++) run = run * 10 + buf[i]! - 48;
    let sender = 0;
    for (i++; i < end && buf[i] !== COMMA; i++) sender = sender * 10 + buf[i]! - 48;
    let seq = 0;
    for (i++; i < end && buf[i] !== COMMA; i++) seq = seq * 10 + buf[i]! - 48;
    let sent = 0;
    for (i++; i < end; i++) sent = sent * 10 + buf[i]! - 48;
    if (stats === null) return;
    if (run !== this.run || run !== stats.run || sender >= this.lastSeq.length) {
      stats.stale++;
      return;
    }
    stats.received++;
    const last = this.lastSeq[sender]!;
    if (seq === last + 1) {
      this.lastSeq[sender] = seq;
    } else if (seq <= last) {
      stats.duplicates++;
    } else {
      stats.gaps++;
      this.lastSeq[sender] = seq;
    }
    stats.recordLatency(sender, now - sent);
    stats.lastArrivalUs = now;
  }
}
