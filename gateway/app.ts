/**
 * The gateway as a Fastify app: the built page, /ws bridged to the chat
 * servers, /healthz, /metrics. Small plugins, each with its options spelled
 * out; the Host check comes before all of them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { isAllowedHost } from './allowed-host.ts';
import type { GatewayConfig } from './config.ts';
import type { Registry } from 'prom-client';
import { registerHealth } from './health.ts';
import { GatewayMetrics } from './metrics.ts';
import { SocketAdmission } from './socket-admission.ts';
import { type NodeHealth, UpstreamHealth } from './upstream-probe.ts';
import { UpstreamPool } from './upstream-pool.ts';
import wsPlugin from './ws-plugin.ts';

const YEAR_S = 365 * 24 * 3600;

/** What a worker asks its primary instead of doing it itself (gateway/cluster-worker.ts). */
export interface SharedServices {
  /** Each node's state for /healthz, from probes shared by all workers. */
  nodeStates(): Promise<NodeHealth[]>;
  /** /metrics summed over all workers. */
  metricsText(): Promise<string>;
  /** Given this process's own metrics, for the primary to sum. */
  offerMetrics?(registry: Registry): void;
}

export interface GatewayExtras {
  /** Absent: this process probes the nodes and answers /metrics alone. */
  shared?: SharedServices;
  /** Add the process's own metrics (CPU, memory, event loop, GC) to /metrics. */
  processMetrics?: boolean;
}

export async function buildGateway(config: GatewayConfig, extras: GatewayExtras = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel },
    // Page loads are not worth a log line each; sockets are logged by the bridge.
    logController: new LogController({ disableRequestLogging: true }),
    // X-Forwarded-For / -Host only from the proxies named in TRUST_PROXY.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    // Node would answer a Host-less HTTP/1.1 request 400 itself; the Host
    // check below answers every refused Host the same way (403).
    http: { requireHostHeader: false },
    // While closing, Fastify would answer 503 itself, before any hook: an
    // upgrade refused that way keeps its socket (nothing ends it), and the
    // close would wait on it forever. ws-plugin.ts answers 503 to new
    // sockets itself; plain requests are still served until the listener closes.
    return503OnClosing: false,
  });

  const pool = new UpstreamPool(config.chatServers, config.upstreamCooldownMs);
  const metrics = new GatewayMetrics({
    openSockets: () => app.websocketServer?.clients.size ?? 0,
    pool,
    processMetrics: extras.processMetrics,
  });
  registerHostCheck(app, config.allowedHosts, metrics);
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

  const admission = new SocketAdmission(config.maxSockets, config.maxSocketsPerIp);
  await registerPage(app, config.staticDir);
  let shared = extras.shared;
  if (shared === undefined) {
    const health = new UpstreamHealth(config.chatServers, config.upstreamTimeoutMs, config.healthCacheMs);
    shared = { nodeStates: () => health.states(), metricsText: () => metrics.registry.metrics() };
  }
  shared.offerMetrics?.(metrics.registry);
  registerHealth(app, shared.nodeStates, admission);
  registerMetrics(app, shared.metricsText, metrics.registry.contentType);
  await app.register(wsPlugin, {
    admission,
    pool,
    metrics,
    allowedOrigins: config.allowedOrigins,
    maxBuffered: config.maxBuffered,
    maxUpstreamLine: config.maxUpstreamLine,
    upstreamTimeoutMs: config.upstreamTimeoutMs,
    maxFrame: config.maxFrame,
    heartbeatMs: config.heartbeatMs,
    shutdownRelayMs: config.shutdownRelayMs,
    shutdownCloseMs: config.shutdownCloseMs,
  });
  return app;
}

/** GET /metrics: Prometheus' text format. Behind the Host check like everything else. */
function registerMetrics(app: FastifyInstance, text: () => Promise<string>, contentType: string): void {
  app.get('/metrics', async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    try {
      const body = await text();
      return reply.type(contentType).send(body);
    } catch (error) {
      request.log.error({ err: error }, 'metrics unavailable');
      return reply.code(503).send({ error: 'metrics unavailable' });
    }
  });
}

/**
 * DNS rebinding (allowed-host.ts): a request whose Host is not ours gets
 * 403 before anything else runs: no page, no upgrade, no upstream
 * connection. For an upgrade the connection is then ended, since no HTTP
 * exchange follows on it.
 */
function registerHostCheck(app: FastifyInstance, allowedHosts: readonly string[], metrics: GatewayMetrics): void {
  app.addHook('onRequest', async (request, reply) => {
    if (isAllowedHost(request.host, allowedHosts)) return;
    request.log.info({ address: request.ip, host: request.host }, 'request refused: host');
    if (request.headers.upgrade !== undefined) {
      metrics.handshakeRefused('host');
      reply.raw.once('finish', () => request.raw.socket.destroy());
    }
    return reply.code(403).header('Connection', 'close').send({ error: 'host not allowed' });
  });
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
