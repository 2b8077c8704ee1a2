/**
 * A lean WebSocket client for the load generator: a real TCP connection, the
 * real upgrade handshake, real (masked) frames, read into a buffer shared by
 * every socket of the worker and parsed in place, like the bench's TCP
 * clients (ws-frames.ts says why not the `ws` library). It answers pings
 * (the gateway's heartbeat) and a close, as a browser does.
 *
 * Events: 'open', 'error' (Error), 'close' (once, however it ends).
 */
import { randomBytes, randomFillSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { FrameReader, OPCODE, WsProtocolError, clientFrame, handshakeRequest, readHandshake } from './ws-frames.ts';

export interface LeanWebSocketOptions {
  url: string;
  origin: string;
  /** Shared read buffer (net's `onread`): what arrives is only valid during the callbacks. */
  readBuffer: Buffer;
  /** Called once per read, before its frames (the receiver reads the clock once per read, as for TCP). */
  onRead(): void;
  /** Each text frame's payload, `buf[start, end)`, valid during the call only. */
  onText(buf: Buffer, start: number, end: number): void;
}

/** Masks drawn in bulk: a fresh random key per frame without a syscall per frame. */
const MASKS = Buffer.allocUnsafe(4 * 1024);
let maskAt = MASKS.length;
function nextMask(): Buffer {
  if (maskAt === MASKS.length) {
    randomFillSync(MASKS);
    maskAt = 0;
  }
  const mask = MASKS.subarray(maskAt, maskAt + 4);
  maskAt += 4;
  return mask;
}

export class LeanWebSocket extends EventEmitter {
  private readonly socket: net.Socket;
  private readonly key = randomBytes(16).toString('base64');
  private open = false;
  private closed = false;
  private head: Buffer | null = Buffer.alloc(0);
  private readonly frames: FrameReader;
  /** Lines written before the handshake completed. */
  private queued: Buffer[] = [];

  constructor(options: LeanWebSocketOptions) {
    super();
    const url = new URL(options.url);
    this.frames = new FrameReader({
      text: options.onText,
      control: (opcode, payload) => this.onControl(opcode, payload),
    });
    this.socket = net.connect({
      host: url.hostname,
      port: Number(url.port),
      noDelay: true,
      onread: {
        buffer: options.readBuffer,
        callback: (n: number, buf: Buffer) => {
          try {
            options.onRead();
            this.onBytes(buf.subarray(0, n));
          } catch (error) {
            this.fail(error as Error);
          }
          return true;
        },
      },
    });
    this.socket.on('connect', () => this.socket.write(handshakeRequest(url, options.origin, this.key)));
    this.socket.on('error', (error) => this.fail(error));
    this.socket.on('close', () => {
      if (this.closed) return;
      this.closed = true;
      this.emit('close');
    });
  }

  /** Sends each line as one text frame, all in one write. */
  send(lines: readonly string[]): void {
    const frames = Buffer.concat(lines.map((l) => clientFrame(OPCODE.text, Buffer.from(l), nextMask())));
    if (!this.open) this.queued.push(frames);
    else this.socket.write(frames);
  }

  /** Reads no more: what the gateway sends piles up in the kernel's buffers, then in the gateway's. */
  pause(): void {
    this.socket.pause();
  }

  /** Ends the connection at once (the bench's clients leave without a closing handshake, as ws.terminate()). */
  terminate(): void {
    this.socket.destroy();
  }

  private onBytes(chunk: Buffer): void {
    if (this.head === null) {
      this.frames.push(chunk);
      return;
    }
    const head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
    const start = readHandshake(head, this.key);
    if (start === null) {
      this.head = Buffer.from(head);
      return;
    }
    this.head = null;
    this.open = true;
    for (const frames of this.queued.splice(0)) this.socket.write(frames);
    this.emit('open');
    if (start < head.length) this.frames.push(head.subarray(start));
  }

  private onControl(opcode: number, payload: Buffer): void {
    if (opcode === OPCODE.ping) this.socket.write(clientFrame(OPCODE.pong, payload, nextMask()));
    else if (opcode === OPCODE.close) {
      // Echo the close (its code), then the server ends the TCP connection.
      this.socket.end(clientFrame(OPCODE.close, payload.subarray(0, 2), nextMask()));
    }
  }

  private fail(error: Error): void {
    if (this.closed) return;
    this.emit('error', error instanceof WsProtocolError ? error : new Error(error.message));
    this.socket.destroy();
  }
}
