/**
 * CHAT_SERVERS: one gateway in front of several real chat servers. New
 * browsers go to the node with the fewest connections, never to a dead or
 * full one while another takes them, and /healthz lists every node.
 */
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SERVER_FULL_LINE } from '../../protocol/index.ts';
import { upstreamNode } from '../../gateway/upstream-nodes.ts';
import { LineClient } from '../helpers/line-client.ts';
import type { WsClient } from '../helpers/ws-client.ts';
import { deadPort, onCleanup, scrapeMetrics, startChat, startGatewayApp } from './fixture.ts';

/** Two real chat servers and a dead port, and a gateway in front of all three (the dead one listed first). */
async function threeNodes(chatOptions: Parameters<typeof startChat>[0] = {}, gateway = {}) {
  const dead = await deadPort();
  const one = await startChat(chatOptions);
  const two = await startChat(chatOptions);
  const nodes = [dead, one.port, two.port].map((port) => upstreamNode('127.0.0.1', port));
  const g = await startGatewayApp(one.port, { chatServers: nodes, upstreamCooldownMs: 60_000, ...gateway });
  const address = (port: number) => `127.0.0.1:${port}`;
  return { g, dead, one, two, address };
}

/** Who is on the chat server at `port`, as a newcomer's welcome lists them (the newcomer left out). */
async function usersOn(port: number): Promise<string[]> {
  const c = await LineClient.join(port, 'contador');
  const welcome = c.lines.find((l) => l.startsWith('Bem-vindo, '))!;
  c.close();
  return welcome.replace(/^.*Online \(\d+\): /, '').split(', ').filter((n) => n !== 'contador').sort();
}

describe('several chat servers', () => {
  it('spreads browsers by least connections and never sends one to the dead node', async () => {
    const { g, dead, one, two, address } = await threeNodes();
    const browsers: WsClient[] = [];
    for (let i = 0; i < 6; i++) browsers.push(await g.join(`u${i}`));
    const onOne = await usersOn(one.port);
    const onTwo = await usersOn(two.port);
    expect(onOne).toHaveLength(3);
    expect(onTwo).toHaveLength(3);
    expect([...onOne, ...onTwo].sort()).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);

    // Least connections, not turns: the three on one node leave, the next three go there.
    for (const b of browsers.filter((_, i) => onOne.includes(`u${i}`))) {
      b.ws.close(1000);
      await b.closed;
    }
    // The gateway counts a connection until the chat server has closed it too: wait for that.
    const onOneNow = `gateway_upstream_connections{node="${address(one.port)}"}`;
    while ((await scrapeMetrics(g.origin)).get(onOneNow) !== 0) await new Promise((r) => setTimeout(r, 10));
    for (let i = 6; i < 8; i++) await g.join(`u${i}`);
    expect(await usersOn(one.port)).toEqual(['u6', 'u7']);
    expect(await usersOn(two.port)).toEqual(onTwo);

    // The dead node was tried once, then left alone for UPSTREAM_COOLDOWN_MS.
    const m = await scrapeMetrics(g.origin);
    expect(m.get(`gateway_upstream_connect_failures_total{node="${address(dead)}",reason="error"}`)).toBe(1);
    expect(m.get(`gateway_upstream_connections{node="${address(dead)}"}`)).toBe(0);
  });

  it('sends a browser past a full node to one with room', async () => {
    const { g, one, two, address } = await threeNodes({ maxClients: 1 });
    const someone = await LineClient.join(one.port, 'ana');
    onCleanup(() => someone.close());
    const web = await g.join('bia'); // not refused: it lands on the other node
    expect(web.frames).toEqual(['Digite seu nome:', 'Bem-vindo, bia! Online (1): bia']);
    // bia holds the other node's one place.
    const late = await LineClient.connect(two.port);
    expect(await late.next()).toBe(SERVER_FULL_LINE);
    late.close();
    const m = await scrapeMetrics(g.origin);
    expect(m.get(`gateway_upstream_connect_failures_total{node="${address(one.port)}",reason="full"}`)).toBe(1);
  });

  it('passes on "Servidor cheio" only when every node is full', async () => {
    const { g, one, two } = await threeNodes({ maxClients: 1 });
    const terms = [await LineClient.join(one.port, 'ana'), await LineClient.join(two.port, 'bia')];
    onCleanup(() => terms.forEach((t) => t.close()));
    const web = g.open();
    expect(await web.closed).toEqual({ code: 1000, reason: 'chat server closed the connection' });
    expect(web.frames).toEqual([SERVER_FULL_LINE]);
  });

  it('skips a node that accepts but never says a word within UPSTREAM_TIMEOUT_MS', async () => {
    const silent = net.createServer(() => {}); // accepts, never writes
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const held = new Set<net.Socket>();
    silent.on('connection', (s) => held.add(s));
    onCleanup(() => {
      for (const s of held) s.destroy();
      silent.close();
    });
    const live = await startChat();
    const silentPort = (silent.address() as AddressInfo).port;
    const g = await startGatewayApp(live.port, {
      chatServers: [upstreamNode('127.0.0.1', silentPort), upstreamNode('127.0.0.1', live.port)],
      upstreamTimeoutMs: 300,
    });
    const web = await g.join('ana');
    expect(web.frames).toEqual(['Digite seu nome:', 'Bem-vindo, ana! Online (1): ana']);
    const m = await scrapeMetrics(g.origin);
    expect(m.get(`gateway_upstream_connect_failures_total{node="127.0.0.1:${silentPort}",reason="timeout"}`)).toBe(1);
  });

  it('closes with 1013 when no node answers at all', async () => {
    const nodes = [await deadPort(), await deadPort()].map((p) => upstreamNode('127.0.0.1', p));
    const g = await startGatewayApp(nodes[0]!.port, { chatServers: nodes });
    const web = g.open();
    expect(await web.closed).toEqual({ code: 1013, reason: 'chat server unavailable' });
    const m = await scrapeMetrics(g.origin);
    for (const n of nodes) expect(m.get(`gateway_upstream_connect_failures_total{node="${n.address}",reason="error"}`)).toBe(1);
  });

  it('lists each node in /healthz, and is ok while any one takes newcomers', async () => {
    const { g, dead, one, two, address } = await threeNodes();
    const res = await g.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      upstream: 'up',
      gateway: 'ok',
      nodes: [
        { node: address(dead), state: 'down' },
        { node: address(one.port), state: 'up' },
        { node: address(two.port), state: 'up' },
      ],
    });
  });

  it.each([
    [1, 200, 'up', ['down', 'full', 'up']],
    [2, 503, 'full', ['down', 'full', 'full']],
  ])('with %i of the two live nodes full, /healthz is %i, "upstream": "%s"', async (full, status, upstream, states) => {
    const { g, one, two } = await threeNodes({ maxClients: 1 });
    const terms = await Promise.all([one, two].slice(0, full).map((n, i) => LineClient.join(n.port, `t${i}`)));
    onCleanup(() => terms.forEach((t) => t.close()));
    const res = await g.app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ status: status === 200 ? 'ok' : 'unavailable', upstream, gateway: 'ok' });
    expect(res.json().nodes.map((n: { state: string }) => n.state)).toEqual(states);
  });
});
