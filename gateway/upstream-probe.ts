/**
 * What /healthz says about each chat server, at a bounded cost to it. A probe
 * is one TCP connection that reads the first line and hangs up: the prompt
 * means the server takes newcomers, `Servidor cheio…` that it is full.
 * Each probe holds a slot of CHAT_MAX_CLIENTS for a moment, so probes never
 * overlap and come at most once per `minIntervalMs`; every request in
 * between gets the last answer.
 */
import net from 'node:net';
import { PROMPT_LINE, SERVER_FULL_LINE } from '../protocol/index.ts';
import type { UpstreamNode } from './upstream-nodes.ts';

export type UpstreamState = 'up' | 'full' | 'down';

/** The first line is short; a server that sends more than this without a LF is not ours. */
const MAX_FIRST_LINE = 256;

/** One probe: connects, reads the first line, hangs up. Never rejects. */
export function probeUpstream(host: string, port: number, timeoutMs: number): Promise<UpstreamState> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, noDelay: true });
    let received = Buffer.alloc(0);
    const done = (state: UpstreamState) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    // Covers the connect and the first line both: a server that accepts but never speaks is down too.
    const timer = setTimeout(() => done('down'), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const lf = received.indexOf(0x0a);
      if (lf === -1) {
        if (received.length > MAX_FIRST_LINE) done('down');
        return;
      }
      const line = received.subarray(0, lf).toString('utf8').replace(/\r$/, '');
      done(line === PROMPT_LINE ? 'up' : line === SERVER_FULL_LINE ? 'full' : 'down');
    });
    socket.on('error', () => done('down'));
    socket.on('close', () => done('down'));
  });
}

/**
 * Shares one probe among all callers: never two at once, and the next one
 * only `minIntervalMs` after the last has finished (not started: a probe
 * slowed down by a busy machine must not be followed at once by another,
 * while the chat server may not yet have freed the first one's slot).
 */
export class CachedProbe {
  private pending: Promise<UpstreamState> | null = null;
  private last: { state: UpstreamState; finishedAt: number } | null = null;

  constructor(
    private readonly probe: () => Promise<UpstreamState>,
    readonly minIntervalMs: number,
  ) {}

  state(): Promise<UpstreamState> {
    if (this.pending !== null) return this.pending;
    if (this.last !== null && performance.now() - this.last.finishedAt < this.minIntervalMs) {
      return Promise.resolve(this.last.state);
    }
    this.pending = this.probe().then((state) => {
      this.last = { state, finishedAt: performance.now() };
      this.pending = null;
      return state;
    });
    return this.pending;
  }
}

/** One node's state, as /healthz lists it. */
export interface NodeHealth {
  /** `host:port`. */
  node: string;
  /** Its name in CHAT_SERVERS (`name=host:port`), when it has one. */
  name?: string;
  state: UpstreamState;
}

/**
 * Every node's state, each from its own CachedProbe: at most one probe
 * connection per node at a time and one per `minIntervalMs`, all nodes
 * probed together. With several workers only the primary holds these
 * (cluster-primary.ts), so the bound holds for the whole gateway.
 */
export class UpstreamHealth {
  private readonly probes: Array<{ node: UpstreamNode; probe: CachedProbe }>;

  constructor(
    nodes: readonly UpstreamNode[],
    timeoutMs: number,
    minIntervalMs: number,
    probe: (node: UpstreamNode) => Promise<UpstreamState> = (n) => probeUpstream(n.host, n.port, timeoutMs),
  ) {
    this.probes = nodes.map((n) => ({ node: n, probe: new CachedProbe(() => probe(n), minIntervalMs) }));
  }

  states(): Promise<NodeHealth[]> {
    return Promise.all(
      this.probes.map(async ({ node, probe }) => {
        const state = await probe.state();
        return node.name === undefined ? { node: node.address, state } : { node: node.address, name: node.name, state };
      }),
    );
  }
}

/** The gateway's answer for a newcomer: `up` if any node takes one, else `full` if any is only full, else `down`. */
export function overallState(nodes: readonly NodeHealth[]): UpstreamState {
  if (nodes.some((n) => n.state === 'up')) return 'up';
  if (nodes.some((n) => n.state === 'full')) return 'full';
  return 'down';
}
