/**
 * Redis killed with `kill -9` while two nodes publish, then started again,
 * with its data (append-only file) and without (empty): every line reaches
 * every node exactly once, each sender's in order, the histories agree, and
 * nobody sees a leave or a join that did not happen. The outage lasts longer
 * than a node's liveness TTL, so liveness that ran out while Redis was away
 * must not be taken for a death.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllRedis, type RedisServer, startRedis } from '../../helpers/redis-server.ts';
import { FAST, RoomNode } from '../../helpers/room-node.ts';

afterAll(killAllRedis);

const nodes: RoomNode[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const turn = () => new Promise((r) => setImmediate(r));

/** Lines a0… from ana on node a and b0… from bia on node b; Redis dies and comes back in the middle. */
async function flowThroughOutage(persist: boolean) {
  const server = await startRedis({ persist });
  servers.push(server);
  const a = await RoomNode.start(server.url, FAST);
  const b = await RoomNode.start(server.url, FAST);
  nodes.push(a, b);
  await a.join('ana');
  await b.join('bia');
  await a.waitFor((e) => e.includes('join bia'), 'bia on a');

  const N = 300;
  const say = (i: number) => {
    a.say('ana', `a${i}`);
    b.say('bia', `b${i}`);
  };
  let i = 0;
  // Lines flowing, and delivered, when Redis dies.
  for (; i < 100; i++) {
    say(i);
    await turn();
  }
  await b.waitFor(() => b.publics.length >= 20, 'some lines through');
  const killed = server.kill();
  for (; i < 150; i++) say(i); // some go to a dying Redis, some are held
  await killed;
  // Away for longer than the liveness TTL (1 s here), still talking.
  for (; i < 200; i++) {
    say(i);
    await delay(15);
  }
  expect(await a.link.claim('caio', 'caio')).toBe('unavailable');
  await server.restart();
  for (; i < N; i++) {
    say(i);
    await turn();
  }
  for (const n of [a, b]) await n.waitFor(() => n.publics.length >= 2 * N, `${2 * N} lines on ${n.id}`, 30_000);
  return { a, b, N };
}

function expectExactlyOnceInOrder(n: RoomNode, N: number) {
  const texts = (from: string) => n.publics.filter((p) => p.from === from).map((p) => p.text);
  expect(texts('ana')).toEqual(Array.from({ length: N }, (_, i) => `a${i}`));
  expect(texts('bia')).toEqual(Array.from({ length: N }, (_, i) => `b${i}`));
  expect(n.publics.length).toBe(2 * N);
  // Nobody left or came back.
  expect(n.events.filter((e) => e.startsWith('join') || e.startsWith('leave') || e.startsWith('lost'))).toEqual([
    'join ana',
    'join bia',
  ]);
}

describe('Redis killed (kill -9) and restarted while lines flow', () => {
  it('with its data: every line once to every node, in order; no spurious leave or join', async () => {
    const { a, b, N } = await flowThroughOutage(true);
    expectExactlyOnceInOrder(a, N);
    expectExactlyOnceInOrder(b, N);
    expect(b.history.recent(1000)).toEqual(a.history.recent(1000));
    expect(await b.link.claim('ANA', 'x')).toBe('taken');
    expect(await a.join('caio')).toBe('ok');
  });

  it('without its data (empty): the same, names registered again, and a node started after it sees the room', async () => {
    const { a, b, N } = await flowThroughOutage(false);
    expectExactlyOnceInOrder(a, N);
    expectExactlyOnceInOrder(b, N);
    expect(b.history.recent(1000)).toEqual(a.history.recent(1000));
    // The names are held in Redis again: a claim elsewhere is refused, and a
    // node starting now finds the room (and its history) as it was.
    expect(await b.link.claim('ANA', 'x')).toBe('taken');
    const late = await RoomNode.start(servers[0]!.url, FAST);
    nodes.push(late);
    await late.waitFor(() => late.link.names.join() === 'ana,bia', 'the room on a late node', 10_000);
    expect(late.history.recent(1000)).toEqual(a.history.recent(1000));
    expect(late.events).toEqual([]);
  });
});
