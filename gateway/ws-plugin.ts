/**
 * The /ws route as a Fastify plugin: who may open a socket (Origin, room),
 * the bridge to the chat server for each, the heartbeat, and an ordered
 * shutdown. Its options are checked when it is registered.
 *
 * Shutdown (preClose, before the HTTP server stops): new sockets get 503;
 * open ones keep being relayed until their upstream ends, for at most
 * `shutdownRelayMs`, so a chat server stopping at the same time still gets
 * its farewell (`Servidor encerrando.`) to every browser; then what is left
 * is closed with 1001, and cut after `shutdownCloseMs` more.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { type Bridge, type BridgeOptions, CloseCode, bridge } from './bridge.ts';
import { GatewayMetrics } from './metrics.ts';
import { isAllowedOrigin } from './origin.ts';
import { SocketAdmission } from './socket-admission.ts';
import { requestedNode } from './upstream-nodes.ts';
import { UpstreamPool } from './upstream-pool.ts';

export interface WsPluginOptions extends BridgeOptions {
  admission: SocketAdmission;
  /** The chat servers, and how many connections each has. */
  pool: UpstreamPool;
  metrics: GatewayMetrics;
  allowedOrigins: readonly string[];
  /** Largest frame a browser may send; larger closes with 1009. */
  maxFrame: number;
  heartbeatMs: number;
  shutdownRelayMs: number;
  shutdownCloseMs: number;
}

export class WsPluginOptionsError extends Error {
  readonly code = 'ERR_WS_PLUGIN_OPTIONS';
}

function checkOptions(o: WsPluginOptions): void {
  const positive = ['maxBuffered', 'maxUpstreamLine', 'upstreamTimeoutMs', 'maxFrame', 'heartbeatMs'] as const;
  for (const key of positive) {
    if (!Number.isInteger(o[key]) || o[key] < 1) throw new WsPluginOptionsError(`${key} must be a whole number >= 1`);
  }
  for (const key of ['shutdownRelayMs', 'shutdownCloseMs'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < 0) throw new WsPluginOptionsError(`${key} must be a whole number >= 0`);
  }
  if (!(o.pool instanceof UpstreamPool)) throw new WsPluginOptionsError('pool must be an UpstreamPool');
  if (!(o.metrics instanceof GatewayMetrics)) throw new WsPluginOptionsError('metrics must be GatewayMetrics');
  if (!(o.admission instanceof SocketAdmission)) throw new WsPluginOptionsError('admission must be a SocketAdmission');
  if (!Array.isArray(o.allowedOrigins)) throw new WsPluginOptionsError('allowedOrigins must be an array');
}

/** Settles true once `work` has, or false after `ms`, whichever comes first. */
function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([work.then(() => true), late]).finally(() => clearTimeout(timer));
}

function closed(ws: WebSocket): Promise<void> {
  return ws.readyState === ws.CLOSED ? Promise.resolve() : new Promise((resolve) => ws.once('close', () => resolve()));
}

const wsPlugin: FastifyPluginAsync<WsPluginOptions> = async (app: FastifyInstance, options) => {
  checkOptions(options);
  const { admission, metrics } = options;
  // bridge.ts writes whole frames to the socket itself; that is only right
  // while no extension (permessage-deflate) transforms what ws sends.
  const wsOptions = { maxPayload: options.maxFrame, perMessageDeflate: false } as const;
  if (wsOptions.perMessageDeflate !== false) throw new WsPluginOptionsError('bridge.ts needs perMessageDeflate off');

  const bridges = new Set<Bridge>();
  const alive = new WeakSet<WebSocket>();
  let stopping = false;

  await app.register(websocket, {
    options: wsOptions,
    // ws already closed the socket with the right code (1009 for a big frame).
    errorHandler(error, socket, request) {
      request.log.debug({ err: error }, 'websocket error');
      if (socket.readyState === socket.OPEN) socket.close(CloseCode.internalError, 'error');
    },
    async preClose() {
      stopping = true;
      const clients = app.websocketServer.clients;
      await within(options.shutdownRelayMs, Promise.all([...bridges].map((b) => b.relayDone)));
      for (const ws of clients) {
        if (ws.readyState !== ws.OPEN) continue;
        ws.resume(); // a socket paused for flow control must still read the browser's answer
        ws.close(CloseCode.goingAway, 'gateway shutting down');
      }
      const all = Promise.all([...clients].map(closed));
      if (!(await within(options.shutdownCloseMs, all))) {
        for (const ws of clients) ws.terminate();
        await all;
      }
    },
  });

  const heartbeat = setInterval(() => {
    for (const ws of app.websocketServer.clients) {
      if (!alive.has(ws)) {
        ws.terminate(); // missed the last pong
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.heartbeatMs);
  app.addHook('onClose', async () => clearInterval(heartbeat));

  app.get(
    '/ws',
    {
      websocket: true,
      // Refused before the upgrade, with a plain HTTP status.
      preValidation: async (request, reply) => {
        if (!request.ws) return; // a plain GET: the route answers 404
        const address = request.ip;
        if (!isAllowedOrigin(request.headers.origin, request.host, options.allowedOrigins)) {
          request.log.info({ address, origin: request.headers.origin }, 'websocket refused: origin');
          metrics.handshakeRefused('origin');
          return reply.code(403).send({ error: 'origin not allowed' });
        }
        if (stopping) {
          metrics.handshakeRefused('shutting_down');
          return reply.code(503).send({ error: 'gateway shutting down' });
        }
        const admitted = admission.admit(address);
        if (admitted === 'full') {
          request.log.warn({ address, maxSockets: admission.maxSockets }, 'websocket refused: gateway full');
          metrics.handshakeRefused('gateway_full');
          return reply.code(503).send({ error: 'gateway full' });
        }
        if (admitted === 'address-full') {
          request.log.info({ address }, 'websocket refused: too many sockets');
          metrics.handshakeRefused('address_full');
          return reply.code(429).send({ error: 'too many connections from this address' });
        }
        // The place is held until the connection itself closes, whether
        // the upgrade completes or not: one count, no race between handshakes.
        request.raw.socket.once('close', () => admission.release(address));
      },
    },
    (ws, request) => {
      if (ws.extensions !== '') {
        request.log.error({ extensions: ws.extensions }, 'websocket extension negotiated; bridge.ts cannot write frames');
        ws.close(CloseCode.internalError, 'unexpected extension');
        return;
      }
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      // A resuming page names the node that holds its session; a bad or unknown name is ignored.
      const preferredNode = requestedNode((request.query as Record<string, unknown> | undefined)?.node);
      const context = { pool: options.pool, metrics, preferredNode };
      const b = bridge(ws, request.raw.socket, options, context, request.log, request.ip);
      bridges.add(b);
      void b.relayDone.then(() => bridges.delete(b));
    },
  );
};

// Registered in the parent's scope (Fastify's documented 'skip-override'),
// so app.websocketServer and the shutdown hook belong to the whole app.
Object.assign(wsPlugin, { [Symbol.for('skip-override')]: true });

export default wsPlugin;
