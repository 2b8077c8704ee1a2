/**
 * The chat_redis_* metrics of a cluster node follow its real room link on a
 * real redis-server: the heartbeat's round trip, the outage when Redis is
 * killed, the lines held meanwhile, and their release once Redis is back.
 * (The chat server does not use the room link yet, so the node here is the
 * link alone, as in the cluster's own tests.)
 */
import { afterAll, afterEach, expect, it } from 'vitest';
import { chatMetricsRegistry } from '../../../tcp-server/metrics/chat-metrics.ts';
import { MetricsEndpoint } from '../../../tcp-server/metrics/metrics-endpoint.ts';
import { ServerCounters } from '../../../tcp-server/metrics/server-counters.ts';
import { killAllRedis, startRedis } from '../../helpers/redis-server.ts';
import { FAST, RoomNode } from '../../helpers/room-node.ts';
import { scrape, scrapeUntil } from '../../helpers/prometheus.ts';

afterAll(killAllRedis);
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('shows the Redis round trip, an outage with the lines held meanwhile, and their release when Redis is back', async () => {
  const redis = await startRedis();
  cleanups.push(() => redis.stop());
  const node = await RoomNode.start(redis.url, FAST);
  cleanups.push(() => node.close());
  const registry = chatMetricsRegistry({
    counters: new ServerCounters(),
    connections: () => 0,
    maxConnections: 10,
    room: () => node.link.status(),
  });
  const endpoint = await MetricsEndpoint.start(registry, { host: '127.0.0.1', port: 0 });
  cleanups.push(() => endpoint.close());
  const url = `http://127.0.0.1:${endpoint.address.port}/metrics`;
  const rtt = (s: Map<string, number>) => s.get('chat_redis_round_trip_seconds')!;

  let m = (await scrapeUntil(url, (s) => !Number.isNaN(rtt(s.samples)), 'a first heartbeat')).samples;
  expect(m.get('chat_redis_connected')).toBe(1);
  expect(m.get('chat_redis_outages_total')).toBe(0);
  // A loopback round trip: more than nothing, well under a second.
  expect(rtt(m)).toBeGreaterThan(0);
  expect(rtt(m)).toBeLessThan(1);

  await node.join('ana');
  m = (await scrapeUntil(url, (s) => s.samples.get('chat_redis_held_ops') === 0, 'the join released')).samples;
  expect(m.get('chat_redis_held_bytes')).toBe(0);

  await redis.kill();
  m = (await scrapeUntil(url, (s) => s.samples.get('chat_redis_connected') === 0, 'the outage seen')).samples;
  expect(m.get('chat_redis_outages_total')).toBe(1);
  const lines = ['um', 'dois', 'três', 'quatro', 'cinco'];
  for (const text of lines) node.say('ana', text);
  m = (await scrape(url)).samples;
  expect(m.get('chat_redis_held_ops')).toBe(lines.length);
  expect(m.get('chat_redis_held_bytes')).toBeGreaterThanOrEqual(lines.reduce((n, t) => n + Buffer.byteLength(t), 0));

  await redis.restart(); // empty: no persistence
  await node.waitFor(() => node.publics.length === lines.length, 'the held lines through');
  m = (await scrapeUntil(url, (s) => s.samples.get('chat_redis_held_ops') === 0, 'the held lines released')).samples;
  expect(m.get('chat_redis_connected')).toBe(1);
  expect(m.get('chat_redis_held_bytes')).toBe(0);
  expect(m.get('chat_redis_outages_total')).toBe(1);
  expect(node.publics.map((p) => p.text)).toEqual(lines);
});

it('leaves the chat_redis_* metrics out for the single server', async () => {
  const registry = chatMetricsRegistry({ counters: new ServerCounters(), connections: () => 0, maxConnections: 10 });
  const endpoint = await MetricsEndpoint.start(registry, { host: '127.0.0.1', port: 0 });
  cleanups.push(() => endpoint.close());
  const { types } = await scrape(`http://127.0.0.1:${endpoint.address.port}/metrics`);
  expect([...types.keys()].filter((n) => n.startsWith('chat_redis_'))).toEqual([]);
  expect(types.get('chat_members')).toBe('gauge');
});
