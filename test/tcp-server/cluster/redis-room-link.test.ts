/**
 * RedisRoomLink against real redis-server processes: several "nodes" (links)
 * in this test process share one Redis. Names unique cluster-wide under the
 * same rules, every event once to every node in each sender's order, the
 * same history everywhere, late nodes, clean stops, and a node that cannot
 * reach Redis at start.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { ClusterStartError } from '../../../tcp-server/cluster/room-link.ts';
import { freePort, killAllRedis, type RedisServer, startRedis } from '../../helpers/redis-server.ts';
import { FAST, RoomNode } from '../../helpers/room-node.ts';

afterAll(killAllRedis);

const nodes: RoomNode[] = [];
const servers: RedisServer[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function redis(): Promise<RedisServer> {
  const server = await startRedis();
  servers.push(server);
  return server;
}
async function node(url: string, options = FAST): Promise<RoomNode> {
  const n = await RoomNode.start(url, options);
  nodes.push(n);
  return n;
}

describe('names across nodes', () => {
  it('of two nodes racing for one name (or a look-alike), exactly one wins, every time', async () => {
    const { url } = await redis();
    const a = await node(url);
    const b = await node(url);
    const variants: [string, string][] = [
      ['ana', 'ana'],
      ['bia', 'BIA'],
      ['caio', 'ｃａｉｏ'],
      ['paypal', 'paypaI'],
      ['copy', 'сору'], // Cyrillic
    ];
    for (let round = 0; round < 10; round++) {
      for (const [x, y] of variants) {
        const [ra, rb] = await Promise.all([a.link.claim(`${x}${round}`, 'a'), b.link.claim(`${y}${round}`, 'b')]);
        expect([ra, rb].sort()).toEqual(['ok', 'taken']);
      }
    }
    // Both nodes end up with the same room: the 50 winners, once each.
    await a.waitFor(() => a.link.names.length === 50 && b.link.names.length === 50, 'both rosters complete');
    expect(a.link.names).toEqual(b.link.names);
  });

  it('announces a join and a leave once to the other node, and frees the name', async () => {
    const { url } = await redis();
    const a = await node(url);
    const b = await node(url);
    expect(await a.join('ana')).toBe('ok');
    await b.waitFor((e) => e.includes('join ana'), 'join on b');
    expect(b.link.find('ANA')).toMatchObject({ name: 'ana', node: a.id, holder: undefined });
    expect(await b.link.claim('Ana', 'x')).toBe('taken');
    a.link.release('ana', 'ana');
    await b.waitFor((e) => e.includes('leave ana'), 'leave on b');
    expect(b.link.names).toEqual([]);
    expect(await b.join('ANA')).toBe('ok');
    await a.waitFor((e) => e.includes('join ANA'), 'join on a');
    expect([a.count('join ana'), a.count('leave ana'), b.count('join ana'), b.count('leave ana')]).toEqual([1, 1, 1, 1]);
  });

  it('refuses a second local claim of a name whose first claim is still on its way', async () => {
    const { url } = await redis();
    const a = await node(url);
    const first = a.link.claim('ana', 'one');
    expect(a.link.claim('ANA', 'two')).toBe('taken');
    expect(await first).toBe('ok');
  });
});

describe('events across nodes', () => {
  it('delivers every public line once to every node, each sender’s in order, with the same ids everywhere', async () => {
    const { url } = await redis();
    const a = await node(url);
    const b = await node(url);
    const c = await node(url);
    await a.join('ana');
    await b.join('bia');
    const N = 300;
    for (let i = 0; i < N; i++) {
      a.say('ana', `a${i}`);
      b.say('bia', `b${i}`);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r)); // several batches, interleaved
    }
    for (const n of [a, b, c]) await n.waitFor(() => n.publics.length >= 2 * N, `${2 * N} lines`);
    for (const n of [a, b, c]) {
      expect(n.publics.length).toBe(2 * N);
      expect(n.publics.filter((p) => p.from === 'ana').map((p) => p.text)).toEqual(Array.from({ length: N }, (_, i) => `a${i}`));
      expect(n.publics.filter((p) => p.from === 'bia').map((p) => p.text)).toEqual(Array.from({ length: N }, (_, i) => `b${i}`));
      const ids = n.publics.map((p) => p.id);
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    }
    // One order for the whole room, and one history.
    expect(b.publics.map((p) => [p.id, p.text])).toEqual(a.publics.map((p) => [p.id, p.text]));
    expect(c.publics.map((p) => [p.id, p.text])).toEqual(a.publics.map((p) => [p.id, p.text]));
    expect(c.history.recent(1000)).toEqual(a.history.recent(1000));
    // Only the sender's node marks a line as its own (the sender gets an ack, not the line).
    expect(a.publics.filter((p) => p.mine).every((p) => p.from === 'ana')).toBe(true);
    expect(c.publics.some((p) => p.mine)).toBe(false);
  });

  it('hands a private line only to the recipient’s node, in order with the sender’s public lines', async () => {
    const { url } = await redis();
    const a = await node(url);
    const b = await node(url);
    await a.join('ana');
    await b.join('bia');
    a.say('ana', 'primeiro');
    expect(a.link.publishPrivate('ana', a.link.find('BIA')!, 'segredo', 'ana')).toBe('ok');
    a.say('ana', 'depois');
    await b.waitFor((e) => e.includes('public ana: depois'), 'last line on b');
    expect(b.events.filter((e) => e.includes('ana'))).toEqual([
      'join ana',
      'public ana: primeiro',
      'private ana>bia: segredo',
      'public ana: depois',
    ]);
    await a.waitFor((e) => e.includes('public ana: depois'), 'last line on a');
    expect(a.events.some((e) => e.startsWith('private'))).toBe(false);
  });

  it('a node that starts later sees the room as it is and the same history', async () => {
    const { url } = await redis();
    const a = await node(url);
    await a.join('ana');
    await a.join('Zé');
    for (let i = 0; i < 20; i++) a.say('ana', `antes ${i}`);
    await a.waitFor(() => a.publics.length === 20, '20 lines');
    const late = await node(url);
    expect(late.link.names).toEqual(['ana', 'Zé']);
    expect(late.history.recent(100)).toEqual(a.history.recent(100));
    expect(late.events).toEqual([]); // nothing from before it came is replayed as new
    a.say('Zé', 'depois');
    for (const n of [a, late]) await n.waitFor((e) => e.includes('public Zé: depois'), 'new line');
    expect(late.history.recent(100)).toEqual(a.history.recent(100));
  });

  it('Redis keeps only the last CHAT_HISTORY_MAX lines for the nodes that start later', async () => {
    const { url } = await redis();
    const small = { ...FAST, historyMax: 5 };
    const a = await node(url, small);
    await a.join('ana');
    for (let i = 0; i < 12; i++) a.say('ana', `l${i}`);
    await a.waitFor(() => a.publics.length === 12, '12 lines');
    const late = await node(url, small);
    expect(late.history.recent(100).map((r) => r.text)).toEqual(['l7', 'l8', 'l9', 'l10', 'l11']);
    expect(late.history.recent(100)).toEqual(a.history.recent(100));
  });

  it('ids keep growing in a room whose Redis starts over empty', async () => {
    const server = await redis();
    const a = await node(server.url);
    await a.join('ana');
    a.say('ana', 'um');
    await a.waitFor(() => a.publics.length === 1, 'first line');
    const redisClient = createClient({ url: server.url });
    await redisClient.connect();
    await redisClient.del('chat:lastid'); // as if the counter were lost
    await redisClient.destroy();
    a.say('ana', 'dois');
    await a.waitFor(() => a.publics.length === 2, 'second line');
    expect(a.publics[1]!.id).toBeGreaterThan(a.publics[0]!.id);
  });
});

describe('stopping and starting', () => {
  it('a node that stops cleanly: the others see its members leave at once, and their names are free', async () => {
    const { url } = await redis();
    const a = await node(url, { heartbeatMs: 5000, nodeTtlMs: 60_000 }); // no help from liveness
    const b = await node(url);
    await a.join('ana');
    await a.join('bia');
    await b.waitFor((e) => e.includes('join bia'), 'joins on b');
    nodes.splice(nodes.indexOf(a), 1);
    const stopped = Date.now();
    await a.close();
    await b.waitFor((e) => e.includes('leave ana') && e.includes('leave bia'), 'leaves on b');
    expect(Date.now() - stopped).toBeLessThan(2000);
    expect([b.count('leave ana'), b.count('leave bia')]).toEqual([1, 1]);
    expect(await b.join('ana')).toBe('ok');
  });

  it('a node stopping while Redis is away stops all the same, and says what Redis never got', async () => {
    const server = await redis();
    const a = await RoomNode.start(server.url, { ...FAST, closeWaitMs: 500 });
    await a.join('ana');
    await server.kill();
    a.say('ana', 'ninguém vai ouvir');
    await a.close();
    expect(a.logLines.some((l) => /stopping with 1 ops Redis never got/.test(l))).toBe(true);
  });

  it('a node that cannot reach Redis at start fails with a message naming CHAT_REDIS_URL', async () => {
    const port = await freePort();
    const start = RoomNode.start(`redis://user:s3cret@127.0.0.1:${port}`, FAST);
    await expect(start).rejects.toBeInstanceOf(ClusterStartError);
    await expect(start).rejects.toThrow(`CHAT_REDIS_URL=redis://user:***@127.0.0.1:${port}`);
  });
});

describe('while Redis is away', () => {
  it('answers name attempts "unavailable", holds lines (bounded), and delivers them once when Redis is back', async () => {
    const server = await startRedis({ persist: true });
    servers.push(server);
    const a = await node(server.url, { ...FAST, bufferBytes: 4096 });
    const b = await node(server.url, FAST);
    await a.join('ana');
    await b.join('bia');
    await server.kill();
    expect(await a.link.claim('caio', 'caio')).toBe('unavailable');
    const sent: string[] = [];
    let refused = 0;
    for (let i = 0; i < 100; i++) {
      const r = a.link.publishPublic('ana', `held ${i} ${'x'.repeat(100)}`, 'ana');
      if (r === 'ok') sent.push(`held ${i}`);
      else refused++;
    }
    // The budget (4 KiB) holds some lines, refuses the rest, and says so.
    expect(sent.length).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(0);
    expect(a.link.status().heldBytes).toBeLessThanOrEqual(4096);
    await server.restart();
    for (const n of [a, b]) {
      await n.waitFor(() => n.publics.length === sent.length, `${sent.length} held lines on ${n.id}`);
      expect(n.publics.map((p) => p.text.split(' x')[0])).toEqual(sent);
    }
    expect(await a.join('caio')).toBe('ok');
  });
});
