/**
 * Redis killed with `kill -9` while two nodes publish, then started again,
 * with its data (append-only file) and without (empty): every line reaches
 * every node exactly once, each sender's in order, the histories agree, and
 * nobody sees a leave or a join that did not happen. The outage lasts longer
 * than a node's liveness TTL, so liveness that ran out while Redis was away
 * must not be taken for a death.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { nameIdentityKeys } from '../../../protocol/index.ts';
import { killAllRedis, type RedisServer, startRedis } from '../../helpers/redis-server.ts';
import { startProxy, type TcpProxy } from '../../helpers/tcp-proxy.ts';
import { FAST, RoomNode } from '../../helpers/room-node.ts';

afterAll(killAllRedis);

const nodes: RoomNode[] = [];
const servers: RedisServer[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
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

/** A node's stored history as `name: text`, sorted: which lines it holds, once each. */
function lines(n: RoomNode): string[] {
  return n.history
    .recent(10_000)
    .map((r) => `${r.name}: ${r.text}`)
    .sort();
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
  it('with its data: every line once to every node, in order, with the same ids; no spurious leave or join', async () => {
    const { a, b, N } = await flowThroughOutage(true);
    expectExactlyOnceInOrder(a, N);
    expectExactlyOnceInOrder(b, N);
    expect(b.history.recent(1000)).toEqual(a.history.recent(1000));
    // What Redis keeps for nodes that start later holds each line once, with the same id.
    const late = await RoomNode.start(servers[0]!.url, FAST);
    nodes.push(late);
    expect(late.history.recent(1000)).toEqual(a.history.recent(1000));
    expect(await b.link.claim('ANA', 'x')).toBe('taken');
    expect(await a.join('caio')).toBe('ok');
  });

  it('without its data (empty): the same, names registered again, and a node started after it sees the room', async () => {
    const { a, b, N } = await flowThroughOutage(false);
    expectExactlyOnceInOrder(a, N);
    expectExactlyOnceInOrder(b, N);
    // Every history holds every line once. (Their ids agree too, except for a
    // line whose first publication one node read and Redis then lost with the
    // answer to its sender: see docs/CLUSTER.md, Limits.)
    expect(lines(b)).toEqual(lines(a));
    expect(lines(a)).toHaveLength(2 * N);
    // The names are held in Redis again, by their nodes, and a node starting
    // now finds the room (and its history) as it was.
    const redis = createClient({ url: servers[0]!.url });
    await redis.connect();
    for (const [name, holder] of [['ana', a.id], ['bia', b.id]] as const) {
      for (const key of nameIdentityKeys(name)) expect(await redis.get(`chat:id:${key}`)).toBe(holder);
    }
    redis.destroy();
    const late = await RoomNode.start(servers[0]!.url, FAST);
    nodes.push(late);
    await late.waitFor(() => late.link.names.join() === 'ana,bia', 'the room on a late node', 10_000);
    expect(lines(late)).toEqual(lines(a));
    expect(late.events).toEqual([]);
  });

  it('a node slower than the TTL to come back after Redis restarted empty: taken for gone, and its name given out again is lost to it', async () => {
    const server = await startRedis();
    servers.push(server);
    // a reaches Redis through a proxy the test cuts: a network partition.
    const proxy = await startProxy(server.port);
    proxies.push(proxy);
    const a = await RoomNode.start(`redis://127.0.0.1:${proxy.port}`, FAST);
    const b = await RoomNode.start(server.url, FAST);
    nodes.push(a, b);
    await a.join('ana');
    await b.waitFor((e) => e.includes('join ana'), 'ana on b');

    proxy.cut();
    await server.restart(); // empty
    // b registers again, and a with it, as a node it knew; a does not
    // answer within the TTL, so it is gone and ana leaves.
    await b.waitFor((e) => e.includes('leave ana'), 'a taken for gone');
    const c = await RoomNode.start(server.url, FAST);
    nodes.push(c);
    expect(await claimWhenAvailable(c, 'ANA')).toBe('ok');

    proxy.restore();
    // a comes back: its ana lost the name and is told; it learns who holds it now.
    await a.waitFor((e) => e.includes('lost ana') && e.includes('join ANA'), 'ana lost on a');
    expect(a.events.filter((e) => /ana/i.test(e))).toEqual(['join ana', 'lost ana', 'leave ana', 'join ANA']);
    expect(b.events.filter((e) => /ana/i.test(e))).toEqual(['join ana', 'leave ana', 'join ANA']);
    for (const n of [a, b, c]) expect(n.link.find('ana')).toMatchObject({ name: 'ANA', node: c.id });
  });
});

/** A user trying again while the cluster re-registers its members (one TTL after Redis came back empty). */
async function claimWhenAvailable(n: RoomNode, name: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const result = await n.join(name);
    if (result !== 'unavailable') return result;
    await delay(100);
  }
  return 'unavailable';
}
