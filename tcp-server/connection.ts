/**
 * One client socket: reading lines (framing, legacy idle lines, flood
 * throttling) and writing them (batched per event-loop turn, bounded queue).
 * It knows nothing of the chat; ChatServer decides what lines mean.
 */
import type { Socket } from 'node:net';
import type { ServerConfig } from './config.ts';
import { type Frame, LineFramer } from './line-framer.ts';
import { TokenBucket } from './rate-limiter.ts';

export interface ConnectionHandler {
  /** A complete line (or a too-long report) from the client, in order and paced. */
  onFrame(conn: Connection, frame: Frame): void;
  /** The client finished sending and every line it sent was handled. */
  onEnd(conn: Connection): void;
  /** The socket is gone, for whatever reason. Called once. */
  onClose(conn: Connection): void;
}

/**
 * Collects the connections that have output queued and writes it all once
 * per event-loop turn, so a burst of lines costs one write per recipient.
 */
export class WriteBatcher {
  private dirty: Connection[] = [];
  private scheduled = false;

  constructor(
    /**
     * Runs before queued bytes reach any socket. The chat server commits the
     * turn's history there, so no line is delivered before it is stored.
     */
    readonly beforeWrite: () => void = () => {},
  ) {}

  add(conn: Connection): void {
    this.dirty.push(conn);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushAll);
    }
  }

  flushAll = (): void => {
    this.scheduled = false;
    const dirty = this.dirty;
    this.dirty = [];
    for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
  };
}

/** Queued output above this is written at once rather than at the end of the turn. */
const EARLY_FLUSH_BYTES = 64 * 1024;

const enum State {
  Open,
  /** We are ending it: output is flushed, input ignored. */
  Closing,
  Closed,
}

export class Connection {
  /** The chat name once joined; set and read by ChatServer. */
  name: string | null = null;
  /** nameKey(name), cached for lookups on leave. */
  key: string | null = null;
  /** Opted in to history ids (`/ext ids`, docs/PROTOCOL.md); set by ChatServer. */
  ids = false;

  private state = State.Open;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
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

  /** Queues bytes for this client; they are written at the end of the turn. */
  send(bytes: Buffer): void {
    // Once end() has flushed and half-closed the socket, nothing more can go out.
    if (this.state !== State.Open) return;
    if (this.pending.length === 0) this.batcher.add(this);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    // A big turn goes out early, so the queue limit below judges what the
    // client really failed to take, not one busy turn.
    if (this.pendingBytes >= EARLY_FLUSH_BYTES) this.flush();
    if (this.pendingBytes + this.socket.writableLength > this.config.sendQueue) {
      // A slow reader: its backlog must not grow the server's memory.
      this.destroy();
    }
  }

  flush(): void {
    const pending = this.pending;
    if (pending.length === 0 || this.state === State.Closed) return;
    this.batcher.beforeWrite();
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const socket = this.socket;
    // One write for the whole turn's lines. Copying them into one buffer
    // beats cork/uncork (a writev of many small buffers): under fan-out
    // load the profile showed writev at 56% of the server's time, and one
    // contiguous write costs the kernel and Node far less per line.
    socket.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes));
    if (socket.writableLength > this.config.sendQueue) this.destroy();
  }

  /** Sends what is queued, then closes; nothing more is read. */
  end(): void {
    if (this.state !== State.Open) return;
    this.state = State.Closing;
    this.clearTimers();
    this.socket.pause();
    this.flush();
    this.socket.end();
  }

  destroy(): void {
    if (this.state === State.Closed) return;
    this.state = State.Closing;
    this.clearTimers();
    this.socket.destroy();
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
    this.state = State.Closed;
    this.clearTimers();
    this.pending = [];
    this.pendingBytes = 0;
    this.handler.onClose(this);
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
      this.handler.onFrame(this, frame);
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
