/**
 * GET /healthz: whether a newcomer could chat now. Each chat server's state
 * comes from a shared, rate-limited probe (upstream-probe.ts); the
 * gateway's own (room for another browser socket) is read live. The page
 * asks it after a socket that failed before opening, to tell "full" from
 * "unreachable".
 *
 * `upstream` is the state a newcomer meets: `up` when any node takes one
 * (the gateway sends browsers only there), `full` when none does but some
 * answer that they are full, `down` when none answers. `nodes` lists each.
 */
import type { FastifyInstance } from 'fastify';
import { type NodeHealth, overallState, type UpstreamState } from './upstream-probe.ts';
import type { SocketAdmission } from './socket-admission.ts';

export interface Health {
  status: 'ok' | 'unavailable';
  upstream: UpstreamState;
  gateway: 'ok' | 'full';
  nodes: NodeHealth[];
}

/** `nodeStates` may fail (a worker that cannot reach its primary): the chat is then reported down, no node listed. */
export function registerHealth(
  app: FastifyInstance,
  nodeStates: () => Promise<NodeHealth[]>,
  admission: SocketAdmission,
): void {
  app.get('/healthz', async (request, reply) => {
    let nodes: NodeHealth[];
    try {
      nodes = await nodeStates();
    } catch (error) {
      request.log.error({ err: error }, 'no node states');
      nodes = [];
    }
    const upstream = overallState(nodes);
    const gateway = admission.isFull ? 'full' : 'ok';
    const ok = upstream === 'up' && gateway === 'ok';
    const body: Health = { status: ok ? 'ok' : 'unavailable', upstream, gateway, nodes };
    reply.header('Cache-Control', 'no-store');
    return reply.code(ok ? 200 : 503).send(body);
  });
}
