/**
 * Which chat server a new browser is sent to: least connections, ties in
 * turn, a node that refused tried last for UPSTREAM_COOLDOWN_MS.
 */
import { describe, expect, it } from 'vitest';
import { upstreamNode } from '../../gateway/upstream-nodes.ts';
import { type PoolNode, UpstreamPool } from '../../gateway/upstream-pool.ts';

const a = upstreamNode('10.0.0.1', 12345);
const b = upstreamNode('10.0.0.2', 12345);
const c = upstreamNode('10.0.0.3', 12345);

/** A pool on a clock the test moves. */
function pool(nodes = [a, b, c], cooldownMs = 1000) {
  let now = 0;
  const p = new UpstreamPool(nodes, cooldownMs, () => now);
  const first = () => p.order()[0]!;
  const named = (address: string) => p.nodes.find((n) => n.node.address === address)!;
  return { p, first, named, tick: (ms: number) => (now += ms) };
}

/** Takes `count` places the way a burst of browsers would: each on the best node then. */
function place(p: UpstreamPool, count: number): string[] {
  const chosen: string[] = [];
  for (let i = 0; i < count; i++) {
    const best = p.order()[0]!;
    p.acquire(best);
    chosen.push(best.node.address);
  }
  return chosen;
}

describe('UpstreamPool', () => {
  it('spreads a burst evenly: each new connection goes to the node with the fewest', () => {
    const { p } = pool();
    const chosen = place(p, 9);
    expect(p.nodes.map((n) => n.open)).toEqual([3, 3, 3]);
    // Never two in a row to a node ahead of the others.
    expect(new Set(chosen.slice(0, 3)).size).toBe(3);
  });

  it('sends newcomers to the node that lost its users, not in turn (least connections, not round robin)', () => {
    const { p, named } = pool([a, b]);
    place(p, 6); // 3 and 3
    for (let i = 0; i < 3; i++) p.release(named(a.address)); // a's users leave
    expect(place(p, 3)).toEqual([a.address, a.address, a.address]);
  });

  it('gives equal nodes each their turn', () => {
    const { p } = pool();
    const firsts = [p.order()[0]!, p.order()[0]!, p.order()[0]!].map((n) => n.node.address);
    expect(new Set(firsts).size).toBe(3);
  });

  it('tries a node that refused after every other, until UPSTREAM_COOLDOWN_MS has passed', () => {
    const { p, named, tick } = pool([a, b], 1000);
    const dead = named(a.address);
    p.refused(dead);
    // Even with more connections on b, a comes last while cooling down.
    place(p, 4);
    expect(dead.open).toBe(0);
    tick(999);
    expect(p.order().map((n) => n.node.address)).toEqual([b.address, a.address]);
    tick(1);
    expect(p.order()[0]).toBe(dead);
  });

  it('orders nodes cooling down by how long ago they refused, so each is retried in turn', () => {
    const { p, named, tick } = pool();
    p.refused(named(b.address));
    tick(10);
    p.refused(named(a.address));
    tick(10);
    p.refused(named(c.address));
    expect(p.order().map((n: PoolNode) => n.node.address)).toEqual([b.address, a.address, c.address]);
  });

  it('takes a node back at once when it accepts again', () => {
    const { p, named } = pool([a, b]);
    p.refused(named(a.address));
    p.accepted(named(a.address));
    p.acquire(named(b.address));
    expect(p.order()[0]!.node.address).toBe(a.address);
  });

  describe('with a node a socket asks for (a resume: the node its session token names)', () => {
    const n1 = upstreamNode('10.0.0.1', 12345, 'node-1');
    const n2 = upstreamNode('10.0.0.2', 12345, 'node-2');
    const anon = upstreamNode('10.0.0.3', 12345);
    const addresses = (order: PoolNode[]) => order.map((n) => n.node.address);

    it('puts the named node first even when least connections and the turn would pick another, the rest in the usual order', () => {
      const { p, named } = pool([n1, n2, anon]);
      p.acquire(named(n2.address));
      p.acquire(named(n2.address));
      p.acquire(named(anon.address));
      expect(addresses(p.order())).toEqual([n1.address, anon.address, n2.address]);
      for (let i = 0; i < 3; i++) expect(p.order('node-2')[0]!.node.address).toBe(n2.address);
      expect(addresses(p.order('node-2')).slice(1)).toEqual([n1.address, anon.address]);
    });

    it('keeps the usual order while the named node cools down after a refusal, and puts it first again after', () => {
      const { p, named, tick } = pool([n1, n2], 1000);
      p.refused(named(n1.address));
      expect(addresses(p.order('node-1'))).toEqual([n2.address, n1.address]);
      tick(1000);
      expect(addresses(p.order('node-1'))).toEqual([n1.address, n2.address]);
    });

    it('ignores a name no node has, and never matches an unnamed node by its address', () => {
      const { p, named } = pool([n1, anon]);
      p.acquire(named(n1.address));
      expect(addresses(p.order('node-9'))).toEqual([anon.address, n1.address]);
      p.release(named(n1.address));
      p.acquire(named(anon.address));
      expect(addresses(p.order(anon.address))).toEqual([n1.address, anon.address]);
      expect(addresses(p.order('10.0.0.3'))).toEqual([n1.address, anon.address]);
    });
  });

  it('never counts below zero', () => {
    const { p, named } = pool([a]);
    p.release(named(a.address));
    expect(named(a.address).open).toBe(0);
  });
});
