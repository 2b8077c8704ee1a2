/**
 * One browser WebSocket bridged to its own TCP connection to a chat server
 * (chosen by upstream-dial.ts): one text frame per line each way, nothing
 * lost or reordered, memory bounded in both directions. It knows nothing of
 * the chat itself.
 */
import type net from 'node:net';
import type { WebSocket, RawData } from 'ws';
import { framesKept, LineFramer, LineTooLongError } from './line-framer.ts';
import { type GatewayMetrics, RESUME_WATCH_BYTES } from './metrics.ts';
import { type DialedUpstream, dialUpstream } from './upstream-dial.ts';
import type { UpstreamPool } from './upstream-pool.ts';

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
  maxBuffered: number;
  maxUpstreamLine: number;
  upstreamTimeoutMs: number;
}

export interface BridgeContext {
  pool: UpstreamPool;
  metrics: GatewayMetrics;
  /** The node this socket asked to be tried first (`/ws?node=`, checked), or null. */
  preferredNode?: string | null;
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
  { pool, metrics, preferredNode = null }: BridgeContext,
  log: BridgeLog,
  address: string,
): Bridge {
  const opened = Date.now();
  const traffic = metrics.traffic;
  const framer = new LineFramer(options.maxUpstreamLine);
  const low = options.maxBuffered >> 1;
  let tcp: net.Socket | null = null;
  let tcpPaused = false;
  let wsPaused = false;
  let upstreamError: Error | null = null;
  /** Browser frames that came before a chat server took the browser. */
  const early: Buffer[] = [];
  let settle!: () => void;
  const relayDone = new Promise<void>((resolve) => (settle = resolve));
  ws.once('close', () => settle());
  /** Closes the browser's socket; reading resumes, or its answer to the close would never be read. */
  const closeWs = (code: number, reason: string): void => {
    ws.resume();
    ws.close(code, reason);
  };

  log.info({ address }, 'websocket opened');
  metrics.socketOpened();

  // Browser → chat server: each text frame is a line (or several, if it holds LFs).
  const toUpstream = (text: Buffer): void => {
    if (!tcp!.writable) return; // the upstream is gone; the socket is closing too
    if (!tcp!.write(Buffer.concat([text, LF], text.length + 1)) && !wsPaused) {
      // The chat server is not taking lines as fast as they come: stop reading them.
      wsPaused = true;
      ws.pause();
      tcp!.once('drain', () => {
        wsPaused = false;
        ws.resume();
      });
    }
  };
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      closeWs(CloseCode.unsupportedData, 'text frames only');
      return;
    }
    const text = data as Buffer;
    traffic.framesReceived++;
    traffic.receivedBytes += text.length;
    if (tcp === null) early.push(text);
    else toUpstream(text);
  });

  // Chat server → browser: each line is a text frame. A read's frames are
  // encoded together (line-framer.ts) and written to the browser's socket
  // in one write (frames.ts says why); ws still owns the socket for pings
  // and the close, and its bufferedAmount counts these bytes too. Writing
  // only while the WebSocket is OPEN keeps every frame before ws's close frame.
  const onSent = (): void => {
    if (tcpPaused && ws.bufferedAmount <= low) {
      tcpPaused = false;
      tcp!.resume();
    }
  };
  let resumeWatch = RESUME_WATCH_BYTES;
  const relay = (frames: Buffer | null): void => {
    if (frames === null) return;
    traffic.framesSent += framer.lines;
    traffic.sentBytes += framer.bytes;
    if (resumeWatch > 0) {
      // Only at the name prompt (metrics.ts, resumed sessions).
      resumeWatch = metrics.framesRelayed(frames) > 0 ? 0 : resumeWatch - frames.length;
    }
    // A callback only near the bound: it is how a paused upstream learns the browser caught up.
    if (ws.bufferedAmount + frames.length > low) socket.write(frames, onSent);
    else socket.write(frames);
    // Not all taken by the kernel at once: the socket holds the frames (line-framer.ts).
    if (socket.writableLength > 0) framesKept(frames);
    if (ws.bufferedAmount > options.maxBuffered && !tcpPaused) {
      // A slow browser: let the chat server's own slow-reader rule judge it.
      tcpPaused = true;
      traffic.upstreamPauses++;
      tcp!.pause();
    }
  };
  /** Relays what `frame` yields; a line over the limit ends the upstream (1011), after the lines before it. */
  const frameAndRelay = (frame: () => Buffer | null): void => {
    let frames: Buffer | null;
    try {
      frames = frame();
    } catch (error) {
      if (!(error instanceof LineTooLongError)) throw error;
      relay(error.framesBefore);
      upstreamError = error;
      log.warn({ address, err: error }, 'upstream line too long');
      tcp!.destroy();
      return;
    }
    relay(frames);
  };
  const onRead = (buffer: Buffer, length: number): void => {
    if (ws.readyState !== ws.OPEN) return;
    // A browser socket with a queue will keep these frames too: no shared buffer for them.
    const reuse = socket.writableLength === 0;
    frameAndRelay(() => framer.push(length === buffer.length ? buffer : buffer.subarray(0, length), reuse));
  };

  const attach = (dialed: DialedUpstream): void => {
    const { node, socket: upstream } = dialed;
    tcp = upstream;
    dialed.setReader(onRead);
    upstream.on('end', () => {
      if (ws.readyState === ws.OPEN) frameAndRelay(() => framer.flush());
    });
    upstream.on('error', (error) => {
      upstreamError ??= error;
    });
    upstream.on('close', () => {
      pool.release(node);
      settle();
      if (ws.readyState !== ws.OPEN) return;
      if (upstreamError instanceof LineTooLongError) {
        closeWs(CloseCode.internalError, 'chat server line too long');
      } else if (upstreamError) {
        closeWs(CloseCode.internalError, 'chat server connection failed');
      } else {
        closeWs(CloseCode.normal, 'chat server closed the connection');
      }
    });
    for (const text of early.splice(0)) toUpstream(text);
    if (!wsPaused) ws.resume();
    onRead(dialed.head, dialed.head.length);
  };

  // Until a chat server takes the browser, what it sends waits (ws reads no further).
  ws.pause();
  const cancelDial = dialUpstream(pool, {
    timeoutMs: options.upstreamTimeoutMs,
    preferred: preferredNode,
    onRefused(node, reason, error) {
      metrics.upstreamRefused(node.node.address, reason);
      log.warn({ address, node: node.node.address, reason, err: error ?? undefined }, 'chat server refused a connection');
    },
    onDone(dialed) {
      if (dialed !== null) {
        if (ws.readyState === ws.OPEN) return attach(dialed);
        dialed.socket.destroy(); // the browser left meanwhile
        pool.release(dialed.node);
        return;
      }
      settle();
      if (ws.readyState === ws.OPEN) closeWs(CloseCode.tryAgainLater, 'chat server unavailable');
    },
  });

  ws.on('close', (code: number) => {
    log.info({ address, code, durationMs: Date.now() - opened }, 'websocket closed');
    metrics.socketClosed(code);
    if (tcp === null) {
      cancelDial();
      return;
    }
    // A graceful end: the chat server still gets every line sent so far.
    const upstream = tcp;
    upstream.resume();
    upstream.end();
    setTimeout(() => upstream.destroy(), UPSTREAM_LINGER_MS).unref();
  });

  return { relayDone };
}
