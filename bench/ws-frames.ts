/**
 * The client side of RFC 6455, as much as the load generator needs, with no
 * I/O: the opening handshake (request, and the check of the answer), frames
 * from the server read in place (no Buffer and no event per frame), and
 * masked frames to the server.
 *
 * Why not the `ws` library, as the page's stand-in? At 1.6M deliveries/s the
 * load generator reads 1.6M frames a second on the same 2 cores as the
 * gateway it measures. `ws` makes each read a Writable write and each frame
 * a Buffer, a UTF-8 check and an event (about a microsecond a frame): its
 * sockets' receive queues held tens of MB, and the measured latency was the
 * load generator's (docs/BENCHMARKS.md, Gateway). A browser parses its own
 * frames on its own machine; the TCP clients of the bench read into one
 * shared buffer and parse in place, and so do these. The gateway sees the
 * same bytes either way (`--ws-client ws` keeps the library for comparison).
 */
import { createHash } from 'node:crypto';

export const OPCODE = { text: 0x1, close: 0x8, ping: 0x9, pong: 0xa } as const;
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const HEAD_END = Buffer.from('\r\n\r\n');
/** An answer to the handshake longer than this is not one. */
const MAX_HEAD = 16 * 1024;
/** Frames from the gateway are lines (at most UPSTREAM_MAX_LINE, 1 MiB) or short control frames. */
export const MAX_FRAME = 4 * 1024 * 1024;

export class WsProtocolError extends Error {
  readonly code = 'ERR_BENCH_WS_PROTOCOL';
}

/** The upgrade request for `url`'s host and path, sending `origin` as the page would. */
export function handshakeRequest(url: URL, origin: string, key: string): string {
  return (
    `GET ${url.pathname}${url.search} HTTP/1.1\r\n` +
    `Host: ${url.host}\r\n` +
    'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
    `Origin: ${origin}\r\n\r\n`
  );
}

/** The Sec-WebSocket-Accept a server must answer to `key` (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/**
 * Reads the answer to the handshake from `bytes` (what arrived so far):
 * null while its head is incomplete, else where the frames start. Throws
 * when it is not `101` with the right accept and no extension (the client
 * offered none, and frames read below assume none).
 */
export function readHandshake(bytes: Buffer, key: string): number | null {
  const end = bytes.indexOf(HEAD_END);
  if (end === -1) {
    if (bytes.length > MAX_HEAD) throw new WsProtocolError('handshake answer too long');
    return null;
  }
  const [status = '', ...headers] = bytes.toString('latin1', 0, end).split('\r\n');
  const code = /^HTTP\/1\.1 (\d{3})/.exec(status)?.[1];
  if (code !== '101') throw new WsProtocolError(`handshake refused: ${status}`);
  const fields = new Map(headers.map((h) => [h.slice(0, h.indexOf(':')).trim().toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]));
  if (fields.get('sec-websocket-accept') !== acceptFor(key)) throw new WsProtocolError('handshake: wrong Sec-WebSocket-Accept');
  if (fields.has('sec-websocket-extensions')) throw new WsProtocolError('handshake: an extension was negotiated');
  return end + HEAD_END.length;
}

export interface FrameSink {
  /** A text frame's payload: `buf[start, end)`, valid during the call only. */
  text(buf: Buffer, start: number, end: number): void;
  /** A control frame (ping, pong, close) with its payload (a copy). */
  control(opcode: number, payload: Buffer): void;
}

/**
 * Frames from a server, in order, however the bytes are split. A server's
 * frames are not masked; the gateway sends no fragments (one final text
 * frame per line), so a fragment is refused rather than joined.
 */
export class FrameReader {
  /** The start of a frame split across reads (copies: a read's buffer is reused). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the pending frame needs in all (0: its header is not complete yet). */
  private needed = 0;

  constructor(private readonly sink: FrameSink) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(Buffer.from(chunk));
      this.pendingBytes += chunk.length;
      // A long frame arriving in many reads is joined once, when whole.
      if (this.needed > 0 && this.pendingBytes < this.needed) return;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const len = buf.length;
    let at = 0;
    this.needed = 0;
    while (at < len) {
      if (len - at < 2) break;
      const b0 = buf[at]!;
      const b1 = buf[at + 1]!;
      if (b1 & 0x80) throw new WsProtocolError('a server frame was masked');
      let size = b1 & 0x7f;
      let header = 2;
      if (size === 126) {
        if (len - at < 4) break;
        size = buf.readUInt16BE(at + 2);
        header = 4;
      } else if (size === 127) {
        if (len - at < 10) break;
        if (buf.readUInt32BE(at + 2) !== 0) throw new WsProtocolError('frame too long');
        size = buf.readUInt32BE(at + 6);
        header = 10;
      }
      if (size > MAX_FRAME) throw new WsProtocolError('frame too long');
      if (len - at < header + size) {
        this.needed = header + size;
        break;
      }
      const start = at + header;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x80) === 0 || opcode === 0) throw new WsProtocolError('fragmented frames are not expected from the gateway');
      if (opcode === OPCODE.text) this.sink.text(buf, start, start + size);
      else if (opcode >= 0x8) this.sink.control(opcode, Buffer.from(buf.subarray(start, start + size)));
      else throw new WsProtocolError(`unexpected opcode ${opcode}`);
      at = start + size;
    }
    if (at < len) {
      this.pending = [Buffer.from(buf.subarray(at))];
      this.pendingBytes = len - at;
    }
  }
}

/**
 * One masked frame from the client (RFC 6455 §5.3: every client frame is
 * masked), `mask` being 4 bytes the caller drew at random.
 */
export function clientFrame(opcode: number, payload: Buffer, mask: Buffer): Buffer {
  const n = payload.length;
  const header = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else if (n < 0x10000) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(n, 6);
  }
  mask.copy(out, header, 0, 4);
  const body = header + 4;
  for (let i = 0; i < n; i++) out[body + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}
