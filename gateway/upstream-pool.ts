/**
 * Which chat server a new browser goes to: the one with the fewest open
 * connections from this gateway process (least connections). Chat
 * connections are long and of similar weight, so the count is a good
 * measure of load, and unlike round robin it evens out again after a node
 * comes back or many users leave one node. Attempts still in progress
 * count too, so a burst of new sockets is spread at once. Ties go to each
 * node in turn.
 *
 * A node that refused (connect error or timeout, or `Servidor cheio…`) is
 * tried only after every other node for `cooldownMs`: a dead node costs a
 * browser nothing while another is up, and it is tried again once the time
 * has passed (or when no other node takes the browser either).
 *
 * A socket may name the node to try first (a resuming page: the node its
 * session token names, upstream-nodes.ts): that node then comes first
 * unless it is cooling down, and the others follow in the usual order. A
 * name no configured node has changes nothing.
 *
 * Pure bookkeeping, no I/O: upstream-dial.ts does the connecting.
 */

import type { UpstreamNode } from './upstream-nodes.ts';

export interface PoolNode {
  readonly node: UpstreamNode;
  /** Connections open or being opened to it by this process. */
  open: number;
  /** When it last refused (the clock below), or null once it accepted again. */
  refusedAt: number | null;
}

export class UpstreamPool {
  readonly nodes: readonly PoolNode[];
  /** Rotates ties: the node to prefer among equals next time. */
  private turn = 0;

  constructor(
    nodes: readonly UpstreamNode[],
    readonly cooldownMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (nodes.length === 0) throw new Error('UpstreamPool needs at least one node');
    this.nodes = nodes.map((node) => ({ node, open: 0, refusedAt: null }));
  }

  /**
   * Every node, best first: the node named `preferred` if it is not cooling
   * down; then nodes not cooling down by open connections (ties in turn),
   * then those cooling down, the longest-cooled first.
   */
  order(preferred: string | null = null): PoolNode[] {
    const now = this.now();
    const n = this.nodes.length;
    const start = this.turn;
    this.turn = (this.turn + 1) % n;
    const cooling = (p: PoolNode) => p.refusedAt !== null && now - p.refusedAt < this.cooldownMs;
    const rank = new Map(this.nodes.map((p, i) => [p, (i - start + n) % n]));
    const first = (p: PoolNode) => preferred !== null && p.node.name === preferred && !cooling(p);
    return [...this.nodes].sort((a, b) => {
      const fa = first(a);
      if (fa !== first(b)) return fa ? -1 : 1;
      const ca = cooling(a);
      const cb = cooling(b);
      if (ca !== cb) return ca ? 1 : -1;
      if (ca) return a.refusedAt! - b.refusedAt!;
      return a.open - b.open || rank.get(a)! - rank.get(b)!;
    });
  }

  /** A connection to `p` is being opened. */
  acquire(p: PoolNode): void {
    p.open++;
  }

  /** A connection to `p` (open, or an attempt) has ended. */
  release(p: PoolNode): void {
    if (p.open > 0) p.open--;
  }

  /** `p` refused a connection: after the others for `cooldownMs`. */
  refused(p: PoolNode): void {
    p.refusedAt = this.now();
  }

  /** `p` took a browser: it is first-class again. */
  accepted(p: PoolNode): void {
    p.refusedAt = null;
  }
}
