/**
 * GET /healthz: whether a newcomer could chat now. The chat server's state
 * comes from a shared, rate-limited probe (upstream-probe.ts); the
 * gateway's own (room for another browser socket) is read live. The page
 * asks it after a socket that failed before opening, to tell "full" from
 * "unreachable".
 */
import type { FastifyInstance } from 'fastify';
import type { CachedProbe } from './upstream-probe.ts';
import type { SocketAdmission } from './socket-admission.ts';

export interface Health {
  status: 'ok' | 'unavailable';
  upstream: 'up' | 'full' | 'down';
  gateway: 'ok' | 'full';
}

export function registerHealth(app: FastifyInstance, probe: CachedProbe, admission: SocketAdmission): void {
  app.get('/healthz', async (_request, reply) => {
    const upstream = await probe.state();
    const gateway = admission.isFull ? 'full' : 'ok';
    const ok = upstream === 'up' && gateway === 'ok';
    const body: Health = { status: ok ? 'ok' : 'unavailable', upstream, gateway };
    reply.header('Cache-Control', 'no-store');
    return reply.code(ok ? 200 : 503).send(body);
  });
}
