/**
 * The gateway as a Fastify app: the built page, /ws bridged to the chat
 * server, /healthz. Small plugins, each with its options spelled out.
 */
import net from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { AddressLimiter } from './address-limiter.ts';
import { bridge, CloseCode } from './bridge.ts';
import type { GatewayConfig } from './config.ts';
import { isAllowedOrigin } from './origin.ts';

/** How long a shutdown waits for browsers to answer the 1001 close. */
const SHUTDOWN_GRACE_MS = 2000;
const YEAR_S = 365 * 24 * 3600;

export async function buildGateway(config: GatewayConfig): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    // Page loads are not worth a log line each; sockets are logged by the bridge.
    logController: new LogController({ disableRequestLogging: true }),
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // No upgrade-insecure-requests: on a plain-HTTP deployment it would
        // turn the page's ws:// into wss:// and the chat would never connect.
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Plain-HTTP by default; HSTS belongs to whoever terminates TLS.
    strictTransportSecurity: false,
  });

  await registerPage(app, config.staticDir);
  await registerWebSocket(app, config);
  registerHealth(app, config);
  return app;
}

async function registerPage(app: FastifyInstance, root: string): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) {
    app.log.warn({ root }, 'no built page found: run `npm run build`');
  }
  await app.register(fastifyStatic, {
    root,
    // dist/ holds .br and .gz twins written at build time (scripts/precompress.ts).
    preCompressed: true,
    cacheControl: false,
    setHeaders(reply, path) {
      // Hashed names never change content; index.html must be revalidated.
      const immutable = path.includes('/assets/');
      reply.header('Cache-Control', immutable ? `public, max-age=${YEAR_S}, immutable` : 'no-cache');
    },
  });
}

async function registerWebSocket(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  const perAddress = new AddressLimiter(config.maxSocketsPerIp);
  const alive = new WeakSet<WebSocket>();

  await app.register(websocket, {
    options: { maxPayload: config.maxFrame, perMessageDeflate: false },
    // ws already closed the socket with the right code (1009 for a big frame).
    errorHandler(error, socket, request) {
      request.log.debug({ err: error }, 'websocket error');
      if (socket.readyState === socket.OPEN) socket.close(CloseCode.internalError, 'error');
    },
    preClose(done) {
      const clients = app.websocketServer.clients;
      for (const ws of clients) ws.close(CloseCode.goingAway, 'gateway shutting down');
      const deadline = setTimeout(() => {
        for (const ws of clients) ws.terminate();
      }, SHUTDOWN_GRACE_MS);
      const check = () => {
        if (clients.size === 0) {
          clearTimeout(deadline);
          done();
        } else setTimeout(check, 20);
      };
      check();
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
  }, config.heartbeatMs);
  app.addHook('onClose', async () => clearInterval(heartbeat));

  app.get(
    '/ws',
    {
      websocket: true,
      // Refused before the upgrade, with a plain HTTP status.
      preValidation: async (request, reply) => {
        if (!isAllowedOrigin(request.headers.origin, request.headers.host, config.allowedOrigins)) {
          request.log.info({ address: request.ip, origin: request.headers.origin }, 'websocket refused: origin');
          return reply.code(403).send({ error: 'origin not allowed' });
        }
        if (!perAddress.hasRoom(request.ip)) {
          request.log.info({ address: request.ip }, 'websocket refused: too many sockets');
          return reply.code(429).send({ error: 'too many connections from this address' });
        }
      },
    },
    (ws, request) => {
      const address = request.ip;
      // Two handshakes can pass preValidation at once; this is the real count.
      if (!perAddress.acquire(address)) {
        ws.close(CloseCode.policyViolation, 'too many connections from this address');
        return;
      }
      alive.add(ws);
      ws.on('pong', () => alive.add(ws));
      ws.on('close', () => perAddress.release(address));
      bridge(ws, config, request.log, address);
    },
  );
}

function registerHealth(app: FastifyInstance, config: GatewayConfig): void {
  app.get('/healthz', async (_request, reply) => {
    const up = await canConnect(config.chatHost, config.chatPort, config.upstreamTimeoutMs);
    reply.header('Cache-Control', 'no-store');
    return reply.code(up ? 200 : 503).send({ status: up ? 'ok' : 'unavailable', upstream: up ? 'up' : 'down' });
  });
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (up: boolean) => {
      socket.destroy();
      resolve(up);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
