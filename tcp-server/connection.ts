/**
 * One client socket: reading lines (framing, legacy idle lines, flood
 * throttling) and writing them (batched per event-loop turn and while the
 * client is behind, bounded queue), and ending it.
 * It knows nothing of the chat; ChatServer decides what lines mean.
 */
import type { Socket } from 'node:net';
import type { ServerConfig } from './config.ts';
import { type Frame, LineFramer } from './line-framer.ts';
import { TokenBucket } from './rate-limiter.ts';
import { closeGracefully } from './closing.ts';
import type { Flushable, WriteBatcher } from './write-batcher.ts';
import type { BroadcastLog } from './broadcast-log.ts';
import type { LogPlace, Member } from './member.ts';
import type { ReplayBuffer } from './session/replay-buffer.ts';
import type { Session } from './session/session-registry.ts';

/** Why the server is done with a connection. */
export type DoneHow =
  /** The server ended it (`/quit`, name timeout, shutdown, a takeover, the client's FIN). */
  | 'ended'
  /** A slow reader, reset. */
  | 'cut-off'
  /** The socket closed or failed under us. */
  | 'gone';

export interface ConnectionHandler {
  /** A complete line (or a too-long report) from the client, in order and paced. */
  onFrame(conn: Connection, frame: Frame): void;
  /** The client finished sending and every line it sent was handled. */
  onEnd(conn: Connection): void;
  /**
   * The server is done with this connection: it was ended, cut off, or its
   * socket is gone. Nothing more is read from it or sent to it. Called once,
   * before its unsent output is dropped (surrender() can still take it).
   */
  onDone(conn: Connection, how: DoneHow): void;
}

/** Queued output above this is written at once rather than at the end of the turn. */
const EARLY_FLUSH_BYTES = 64 * 1024;

const enum State {
  Open,
  /** We are ending it: output is flushed, input ignored. */
  Closing,
  Closed,
}

export class Connection implements Flushable, Member {
  /** The chat name once joined; set and read by ChatServer. */
  name: string | null = null;
  /** nameKey(name), cached for lookups on leave. */
  key: string | null = null;
  /** Opted in to history ids (`/ext ids`, docs/PROTOCOL.md); set by ChatServer before joining. */
  ids = false;
  /** Opted in to session resume (`/ext resume`, and the server has it on); set by ChatServer. */
  resume = false;
  /** Opted in to labels (`/ext labels`); set by ChatServer. */
  labels = false;
  /** The resumable session this connection holds; set by ChatServer. */
  session: Session<Member> | null = null;

  private state = State.Open;
  /** Output not handed to the socket yet, in order (the room's lines not read out of the log yet follow it). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The room's log this member reads (the one for its audience: plain or with ids); null: none. */
  private log: BroadcastLog | null = null;
  /** Where this member is in that log; null: not receiving the room's lines. */
  private cursor: number | null = null;
  /** This member's own lines in the log after the cursor (flat [start, end…]): it does not receive them. */
  private own: number[] = [];
  /** In the batcher's queues (see WriteBatcher). */
  private queued = false;
  private queuedAsReply = false;
  /** `pending` holds a reply (output caused by this client's own line). */
  private pendingReply = false;
  /** This client's own line is being handled: what it is sent now is a reply. */
  private replying = false;
  /** A write the kernel has not taken in full yet. */
  private writing = false;
  /** Where written lines are recorded for a resume (a session's replay buffer); null: not recorded. */
  private recorder: ReplayBuffer | null = null;
  /** `pending[0…recordFrom)` is not recorded: lines before `+session`, `+resumed` and the replay. */
  private recordFrom = 0;
  /** Bytes of a resume's replay: exempt from CHAT_SENDQ until the kernel took them. */
  private allowance = 0;
  /** The replay is in `pending`: the next write's completion ends the allowance. */
  private allowanceQueued = false;
  private readonly framer: LineFramer;
  private readonly bucket: TokenBucket;
  /** A frame read but not yet allowed through by the rate limiter. */
  private held: Frame | null = null;
  private throttleTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Counts chunks, so an idle flush can tell that data came meanwhile. */
  private chunks = 0;
  private peerEnded = false;

  constructor(
    readonly socket: Socket,
    private readonly config: ServerConfig,
    private readonly batcher: WriteBatcher,
    private readonly handler: ConnectionHandler,
  ) {
    this.framer = new LineFramer(config.maxLine);
    this.bucket = new TokenBucket(config.rate, config.burst, Date.now());
    socket.on('data', this.onData);
    socket.on('end', this.onPeerEnd);
    socket.on('close', this.onSocketClose);
    // 'close' follows every error; the error itself needs no handling here.
    socket.on('error', noop);
  }

  /**
   * Queues bytes for this client. They go out in one write at the end of the
   * turn; while an earlier write is still waiting for the client to take it,
   * they keep queuing and go out in one write once it has. Sent while this
   * client's own line is handled, they are a reply (see WriteBatcher).
   */
  send(bytes: Buffer): void {
    this.queue(bytes, this.replying);
  }

  /** Queues bytes as a reply, e.g. the prompt a newcomer waits for. */
  reply(bytes: Buffer): void {
    this.queue(bytes, true);
  }

  /** From now on, this client receives the room's lines appended to `log` after this call. */
  subscribe(log: BroadcastLog): void {
    this.log = log;
    this.cursor = log.end;
    this.own = [];
  }

  /**
   * Offsets [start, end) of `log` hold a line this member sent to the room:
   * it is not sent back to it. A line in another audience's log is none of
   * its business.
   */
  sentToRoom(log: BroadcastLog, start: number, end: number): void {
    if (this.cursor === null || log !== this.log) return;
    this.own.push(start, end);
  }

  /** Where this member is in the room's log (null: not subscribed); the log keeps what follows. */
  get logCursor(): number | null {
    return this.cursor;
  }

  /**
   * Bytes of the room's log kept for this client: what waits for it, and its
   * own lines in between (they are kept because of it, so they count too:
   * a client that talks but never reads must not hold the log forever).
   */
  private get logBytesHeld(): number {
    return this.cursor === null || this.log === null ? 0 : this.log.end - this.cursor;
  }

  /** Moves the room's lines waiting for this client into `pending` (slices of the log, not copies). */
  private readLog(): void {
    const log = this.log;
    if (this.cursor === null || log === null || this.cursor === log.end) return;
    this.pendingBytes += log.read(this.cursor, this.own, this.pending);
    this.cursor = log.end;
    if (this.own.length > 0) this.own = [];
  }

  private queue(bytes: Buffer, reply: boolean): void {
    // Once the connection is ending, nothing more can go out.
    if (this.state !== State.Open) return;
    this.readLog(); // the room's earlier lines go first
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (reply) this.pendingReply = true;
    // The queue limit counts what waits here and what waits in the socket.
    if (this.pendingBytes + this.socket.writableLength > this.config.sendQueue + this.allowance) {
      // A slow reader: its backlog must not grow the server's memory.
      this.cutOff();
      return;
    }
    if (this.writing) return; // onWritten takes it from here
    // A big turn goes out early, so the queue limit above judges what the
    // client really failed to take, not one busy turn.
    if (this.pendingBytes >= EARLY_FLUSH_BYTES) this.writePending();
    else this.schedule();
  }

  private schedule(): void {
    if (this.pendingReply) {
      if (this.queuedAsReply) return;
      this.queuedAsReply = true;
      this.batcher.add(this, true);
    } else if (!this.queued && !this.queuedAsReply) {
      this.queued = true;
      this.batcher.add(this);
    }
  }

  /** Called by the batcher. */
  flush(): void {
    this.queued = false;
    this.queuedAsReply = false;
    if (this.state !== State.Open) return;
    if (this.writing) {
      // Still behind: the room's lines wait in the log, counted against the limit.
      if (this.pendingBytes + this.logBytesHeld + this.socket.writableLength > this.config.sendQueue + this.allowance) this.cutOff();
      return;
    }
    this.readLog();
    this.writePending();
  }

  /**
   * One write for everything queued, after the batcher's beforeWrite hook:
   * the chat server commits the history there, so every public line in
   * these bytes is stored before any of them reach the client. This is the
   * only place a connection writes (slices, passes, early flushes and the
   * last write before closing all come here).
   *
   * Copying the lines into one buffer beats cork/uncork (a writev of many
   * small buffers): under fan-out load the profile showed writev at 56% of
   * the server's time, and one contiguous write costs the kernel and Node
   * far less per line.
   */
  private writePending(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.batcher.beforeWrite();
    // What is written now is what a resume may have to send again.
    if (this.recorder !== null) this.recorder.record(pending, this.recordFrom);
    this.recordFrom = 0;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingReply = false;
    this.writing = true;
    const done = this.allowanceQueued ? this.onReplayWritten : this.onWritten;
    this.allowanceQueued = false;
    this.socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes), done);
  }

  private onReplayWritten = (error?: Error | null): void => {
    this.allowance = 0;
    this.onWritten(error);
  };

  // --- Sessions (tcp-server/session/, docs/PROTOCOL.md, Session resume) --------

  /** From now on, lines written to this client are recorded in `replay` (after what is queued now). */
  startRecording(replay: ReplayBuffer): void {
    this.recorder = replay;
    this.recordFrom = this.pending.length;
  }

  /** The session ended: what is still written is not kept for a resume. */
  stopRecording(): void {
    this.recorder = null;
    this.recordFrom = 0;
  }

  /**
   * Gives up the member's place: its place in the room's log, and its
   * recorded lines not written yet, which go into the replay buffer (they
   * are the session's, not this socket's). What was queued before recording
   * began stays queued. Returns null if it had no place in the log.
   */
  surrender(): LogPlace | null {
    const place = this.log !== null && this.cursor !== null ? { log: this.log, cursor: this.cursor, own: this.own } : null;
    if (this.recorder !== null && this.recordFrom < this.pending.length) {
      this.recorder.record(this.pending, this.recordFrom);
      this.pending.length = this.recordFrom;
      this.pendingBytes = 0;
      for (const b of this.pending) this.pendingBytes += b.length;
    }
    this.recorder = null;
    this.recordFrom = 0;
    this.log = null;
    this.cursor = null;
    this.own = [];
    return place;
  }

  /**
   * Takes a session over: `first` (the `+resumed` line, not counted), then
   * the replay, then the room's lines of `log` from its end on. The replay
   * does not count against CHAT_SENDQ until the kernel has taken it: a
   * resume must not get the client cut off as a slow reader.
   */
  attachSession(first: Buffer, replayLines: readonly Buffer[], replay: ReplayBuffer, log: BroadcastLog): void {
    if (this.state !== State.Open) return;
    let bytes = first.length;
    this.pending.push(first);
    for (const b of replayLines) {
      this.pending.push(b);
      bytes += b.length;
    }
    this.pendingBytes += bytes;
    this.allowance = bytes;
    this.allowanceQueued = true;
    this.pendingReply = true;
    this.recorder = replay;
    this.recordFrom = this.pending.length;
    this.subscribe(log);
    if (this.writing) return;
    if (this.pendingBytes >= EARLY_FLUSH_BYTES) this.writePending();
    else this.schedule();
  }

  /**
   * The kernel took the last write. Until then, a client whose socket was
   * backed up gathered everything sent to it in `pending`: one write now,
   * not one per turn (a crowd joining would otherwise cost every silent
   * member one buffered write per join).
   */
  private onWritten = (error?: Error | null): void => {
    this.writing = false;
    if (error || this.state !== State.Open) return;
    if (this.pending.length > 0 || this.logBytesHeld > 0) this.schedule();
  };

  /**
   * Sends what is queued, then closes: the socket is closed for good once
   * the client closes its side, or after CHAT_CLOSE_GRACE_MS whatever it does.
   * Nothing more is read or sent.
   */
  end(): void {
    if (this.state !== State.Open) return;
    this.readLog();
    this.cursor = null;
    this.state = State.Closing;
    this.clearTimers();
    this.handler.onDone(this, 'ended');
    this.writePending();
    closeGracefully(this.socket, this.config.closeGraceMs);
  }

  /** A slow reader: what it has not taken is dropped and its socket reset. */
  private cutOff(): void {
    if (this.state === State.Closed) return;
    this.drop(State.Closing, 'cut-off');
    // A reset, not a FIN: the kernel would otherwise keep retrying to send
    // up to a full send buffer the client is not reading.
    this.socket.resetAndDestroy();
  }

  /** Nothing more goes out or is timed; the handler hears it once, if it was open. */
  private drop(next: State, how: DoneHow): void {
    const wasOpen = this.state === State.Open;
    this.state = next;
    this.clearTimers();
    // Before the output is dropped: a session's unsent lines are surrendered there.
    if (wasOpen) this.handler.onDone(this, how);
    this.pending = [];
    this.pendingBytes = 0;
    this.recordFrom = 0;
    this.cursor = null;
  }

  private onData = (chunk: Buffer): void => {
    if (this.state !== State.Open) return;
    this.chunks++;
    this.framer.push(chunk);
    this.process();
  };

  private onPeerEnd = (): void => {
    this.peerEnded = true;
    if (this.state === State.Open) this.process();
  };

  private onSocketClose = (): void => {
    this.drop(State.Closed, 'gone');
  };

  /** Hands every complete line to the handler, as fast as the rate allows. */
  private process(): void {
    if (this.throttleTimer !== null) return; // the timer will call back
    const now = Date.now();
    while (this.state === State.Open) {
      let frame = this.held;
      this.held = null;
      if (frame === null) frame = this.framer.next();
      if (frame === null && this.peerEnded) frame = this.framer.takePartial();
      if (frame === null) break;
      if (!this.bucket.tryTake(now)) {
        this.held = frame;
        this.throttle(now);
        return;
      }
      this.replying = true;
      this.handler.onFrame(this, frame);
      this.replying = false;
    }
    if (this.state !== State.Open) return;
    if (this.peerEnded) {
      this.handler.onEnd(this);
    } else if (this.framer.partialLength > 0) {
      this.armIdle();
    }
  }

  /** Flooding: stop reading until a token is due; the kernel holds the rest. */
  private throttle(now: number): void {
    this.socket.pause();
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      this.process();
      if (this.state === State.Open && this.throttleTimer === null) this.socket.resume();
    }, this.bucket.waitMs(now));
  }

  private armIdle(): void {
    if (this.idleTimer === null) {
      this.idleTimer = setTimeout(this.onIdle, this.config.legacyIdleMs);
    } else {
      this.idleTimer.refresh();
    }
  }

  /**
   * A partial line stayed idle: a legacy client's message. The check runs
   * one phase later (setImmediate) so data already waiting in the poll phase
   * is read first and a busy loop does not split a line that is complete.
   */
  private onIdle = (): void => {
    const chunks = this.chunks;
    setImmediate(() => {
      if (chunks !== this.chunks || this.throttleTimer !== null || this.state !== State.Open) return;
      this.held = this.framer.takePartial();
      this.process();
    });
  };

  private clearTimers(): void {
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.throttleTimer = null;
    this.idleTimer = null;
  }
}

function noop(): void {}
