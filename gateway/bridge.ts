/**
 * One browser WebSocket bridged to its own TCP connection to the chat
 * server: one text frame per line each way, nothing lost or reordered,
 * memory bounded in both directions. It knows nothing of the chat itself.
 */
import net from 'node:net';
import type { WebSocket, RawData } from 'ws';
import { encodeTextFrames, wellFormedUtf8 } from './frames.ts';
import { LineSplitter, LineTooLongError } from './line-splitter.ts';

/** Close codes the page acts on (RFC 6455 §7.4.1 and the IANA registry). */
export const CloseCode = {
  normal: 1000,
  goingAway: 1001,
  unsupportedData: 1003,
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

export interface Bridge {
  /** Settles once nothing more can reach the browser: the upstream or the browser socket has closed. */
  readonly relayDone: Promise<void>;
}

const LF = Buffer.from('\n');
/** After the browser leaves, how long the chat server gets to read its last lines. */
const UPSTREAM_LINGER_MS = 10_000;

/**
 * Bridges `ws`, whose connection is `socket` (the net.Socket its upgrade
 * came on, `request.raw.socket`): frames to the browser are written to that
 * socket directly (see relay below), which needs a WebSocket with no
 * extension negotiated; the caller checks that.
 */
export function bridge(
  ws: WebSocket,
  socket: net.Socket,
  options: BridgeOptions,
  log: BridgeLog,
  address: string,
): Bridge {
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
  const relayDone = new Promise<void>((resolve) => {
    tcp.once('close', () => resolve());
    ws.once('close', () => resolve());
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
  // encoded together and written to the browser's socket in one write
  // (frames.ts says why); ws still owns the socket for pings and the close,
  // and its bufferedAmount counts these bytes too. Writing only while the
  // WebSocket is OPEN keeps every frame before ws's close frame.
  const onSent = (): void => {
    if (tcpPaused && ws.bufferedAmount <= low) {
      tcpPaused = false;
      tcp.resume();
    }
  };
  const lines: Buffer[] = [];
  const collect = (line: Buffer): void => {
    lines.push(wellFormedUtf8(line));
  };
  const relay = (): void => {
    if (lines.length === 0 || ws.readyState !== ws.OPEN) return;
    const frames = encodeTextFrames(lines);
    lines.length = 0;
    // A callback only near the bound: it is how a paused upstream learns the browser caught up.
    if (ws.bufferedAmount + frames.length > low) socket.write(frames, onSent);
    else socket.write(frames);
    if (ws.bufferedAmount > options.maxBuffered) {
      // A slow browser: let the chat server's own slow-reader rule judge it.
      tcpPaused = true;
      tcp.pause();
    }
  };
  /** Passes on what the splitter yields; a line over the limit ends the upstream (1011), after the lines before it. */
  const split = (take: () => void): void => {
    try {
      take();
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      relay();
      upstreamError = error;
      log.warn({ address, err: error }, 'upstream line too long');
      tcp.destroy();
      return;
    }
    relay();
  };
  tcp.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    split(() => splitter.push(chunk, collect));
  });
  tcp.on('end', () => {
    if (ws.readyState !== ws.OPEN) return;
    split(() => {
      const last = splitter.flush();
      if (last !== null) collect(last);
    });
  });
  tcp.on('error', (error) => {
    upstreamError ??= error;
  });
  tcp.on('close', () => {
    if (ws.readyState !== ws.OPEN) return;
    if (!connected) {
      ws.close(CloseCode.tryAgainLater, 'chat server unavailable');
    } else if (upstreamError instanceof LineTooLongError) {
      ws.close(CloseCode.internalError, 'chat server line too long');
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

  return { relayDone };
}
