/**
 * One browser WebSocket bridged to its own TCP connection to the chat
 * server: one text frame per line each way, nothing lost or reordered,
 * memory bounded in both directions. It knows nothing of the chat itself.
 */
import net from 'node:net';
import { isUtf8 } from 'node:buffer';
import type { WebSocket, RawData } from 'ws';
import { encodeTextFrames } from './frames.ts';
import { LineSplitter } from './line-splitter.ts';

/** Close codes the page acts on (RFC 6455 §7.4.1 and the IANA registry). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
  policyViolation: 1008,
  tooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;

export interface BridgeOptions {
  chatHost: string;
  chatPort: number;
  maxBuffered: number;
  maxUpstreamLine: number;
  upstreamTimeoutMs: number;
}

export interface BridgeLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

const LF = Buffer.from('\n');
/** After the browser leaves, how long the chat server gets to read its last lines. */
const UPSTREAM_LINGER_MS = 10_000;

export function bridge(ws: WebSocket, options: BridgeOptions, log: BridgeLog, address: string): void {
  const opened = Date.now();
  const splitter = new LineSplitter(options.maxUpstreamLine);
  const low = options.maxBuffered >> 1;
  let connected = false;
  let tcpPaused = false;
  let wsPaused = false;
  let upstreamError: Error | null = null;

  const tcp = net.connect({
    host: options.chatHost,
    port: options.chatPort,
    noDelay: true,
    keepAlive: true,
    timeout: options.upstreamTimeoutMs,
  });

  log.info({ address }, 'websocket opened');

  tcp.on('connect', () => {
    connected = true;
    tcp.setTimeout(0);
  });
  tcp.on('timeout', () => tcp.destroy(new Error('upstream connect timeout')));

  // Browser → chat server: each text frame is a line (or several, if it holds LFs).
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      ws.close(CloseCode.unsupportedData, 'text frames only');
      return;
    }
    if (!tcp.writable) return; // the upstream is gone; the socket is closing too
    const text = data as Buffer;
    if (!tcp.write(Buffer.concat([text, LF], text.length + 1)) && !wsPaused) {
      // The chat server is not taking lines as fast as they come: stop reading them.
      wsPaused = true;
      ws.pause();
      tcp.once('drain', () => {
        wsPaused = false;
        ws.resume();
      });
    }
  });

  // Chat server → browser: each line is a text frame. A chunk's frames are
  // encoded together and written straight to the WebSocket's socket in one
  // write (frames.ts says why); ws still owns the socket for pings and the
  // close, and its bufferedAmount counts these bytes too. Writing only while
  // the socket is OPEN keeps every frame before ws's close frame.
  const raw = (ws as unknown as { _socket: net.Socket })._socket;
  const onSent = (): void => {
    if (tcpPaused && ws.bufferedAmount <= low) {
      tcpPaused = false;
      tcp.resume();
    }
  };
  const lines: Buffer[] = [];
  const collect = (line: Buffer): void => {
    lines.push(isUtf8(line) ? line : Buffer.from(line.toString('utf8')));
  };
  const relay = (): void => {
    if (lines.length === 0) return;
    const frames = encodeTextFrames(lines);
    lines.length = 0;
    // A callback only near the bound: it is how a paused upstream learns the browser caught up.
    if (ws.bufferedAmount + frames.length > low) raw.write(frames, onSent);
    else raw.write(frames);
    if (ws.bufferedAmount > options.maxBuffered) {
      // A slow browser: let the chat server's own slow-reader rule judge it.
      tcpPaused = true;
      tcp.pause();
    }
  };
  tcp.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    try {
      splitter.push(chunk, collect);
    } catch (error) {
      lines.length = 0;
      upstreamError = error as Error;
      tcp.destroy();
      return;
    }
    relay();
  });
  tcp.on('end', () => {
    const last = splitter.flush();
    if (last === null || ws.readyState !== ws.OPEN) return;
    collect(last);
    relay();
  });
  tcp.on('error', (error) => {
    upstreamError = error;
  });
  tcp.on('close', () => {
    if (ws.readyState !== ws.OPEN) return;
    if (!connected) {
      ws.close(CloseCode.tryAgainLater, 'chat server unavailable');
    } else if (upstreamError) {
      ws.close(CloseCode.internalError, 'chat server connection failed');
    } else {
      ws.close(CloseCode.normal, 'chat server closed the connection');
    }
  });

  ws.on('close', (code: number) => {
    log.info({ address, code, durationMs: Date.now() - opened }, 'websocket closed');
    if (!connected) {
      tcp.destroy();
      return;
    }
    // A graceful end: the chat server still gets every line sent so far.
    tcp.resume();
    tcp.end();
    setTimeout(() => tcp.destroy(), UPSTREAM_LINGER_MS).unref();
  });
}
