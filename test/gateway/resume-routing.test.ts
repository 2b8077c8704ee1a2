/**
 * A resuming page names the node that holds its session (`/ws?node=<name>`,
 * the tag of its token) and the gateway dials that node first, among the
 * NAMED nodes of CHAT_SERVERS only: real chat servers, a real gateway, real
 * WebSockets. Each chat server here is its own room, with a marker user, so
 * a browser's welcome says which node it reached.
 */
import { describe, expect, it } from 'vitest';
import { upstreamNode } from '../../gateway/upstream-nodes.ts';
import { LineClient } from '../helpers/line-client.ts';
import { WsClient } from '../helpers/ws-client.ts';
import { deadPort, onCleanup, scrapeMetrics, startChat, startGatewayApp } from './fixture.ts';

/** Chat servers a and b (markers `on_a`, `on_b`), and a gateway in front of both, named as given. */
async function twoNodes(names: [string | undefined, string | undefined] = ['a', 'b']) {
  const servers = [await startChat(), await startChat()];
  for (const [i, s] of servers.entries()) {
    const marker = await LineClient.join(s.port, i === 0 ? 'on_a' : 'on_b');
    onCleanup(() => marker.close());
  }
  const nodes = servers.map((s, i) => upstreamNode('127.0.0.1', s.port, names[i]));
  const g = await startGatewayApp(servers[0]!.port, { chatServers: nodes, upstreamCooldownMs: 60_000 });
  let n = 0;
  /** A browser through `/ws<query>` that joins; resolves with the node it reached. */
  const joinVia = async (query: string): Promise<{ node: 'a' | 'b'; client: WsClient }> => {
    const client = new WsClient(`${g.wsUrl}${query}`, g.origin);
    onCleanup(() => client.close());
    await client.expect('Digite seu nome:');
    client.send(`web${n++}`);
    const welcome = await client.next((f) => f.startsWith('Bem-vindo, '));
    const node = welcome.includes('on_a') ? 'a' : welcome.includes('on_b') ? 'b' : null;
    if (node === null) throw new Error(`no marker in ${welcome}`);
    return { node, client };
  };
  return { g, joinVia };
}

describe('/ws?node=<name>', () => {
  it('reaches the named node every time, though least connections would pick the other', async () => {
    const { joinVia } = await twoNodes();
    const landed: string[] = [];
    // Each socket held open: b gets ever more connections from this gateway than a (none).
    for (let i = 0; i < 4; i++) landed.push((await joinVia('?node=b')).node);
    expect(landed).toEqual(['b', 'b', 'b', 'b']);
    // Without a name, least connections sends the next one to a.
    expect((await joinVia('')).node).toBe('a');
  });

  it('ignores a node value that is unknown, malformed, repeated or an address: the usual order, no error', async () => {
    const { g, joinVia } = await twoNodes();
    const queries = [
      '?node=zz',
      '?node=a%20b',
      `?node=${'b'.repeat(65)}`,
      '?node=b&node=b',
      '?node=',
      '?node[]=b',
      `?node=${encodeURIComponent(g.config.chatServers[1]!.address)}`,
    ];
    // b holds more connections than a will ever have here: the usual order picks a each time.
    for (let i = 0; i <= queries.length; i++) expect((await joinVia('?node=b')).node).toBe('b');
    for (const query of queries) expect({ query, node: (await joinVia(query)).node }).toEqual({ query, node: 'a' });
  });

  it('tries the named node first and falls over to another when it is dead', async () => {
    const dead = await deadPort();
    const live = await startChat();
    // The live node listed first: without the name, the dead one would not even be tried.
    const g = await startGatewayApp(live.port, {
      chatServers: [upstreamNode('127.0.0.1', live.port, 'live'), upstreamNode('127.0.0.1', dead, 'gone')],
      upstreamCooldownMs: 60_000,
    });
    const client = new WsClient(`${g.wsUrl}?node=gone`, g.origin);
    onCleanup(() => client.close());
    await client.expect('Digite seu nome:');
    client.send('ana');
    expect(await client.next()).toBe('Bem-vindo, ana! Online (1): ana');
    const m = await scrapeMetrics(g.origin);
    expect(m.get(`gateway_upstream_connect_failures_total{node="127.0.0.1:${dead}",reason="error"}`)).toBe(1);
  });

  it('/healthz gives each node its name', async () => {
    const { g } = await twoNodes(['a', undefined]);
    const health = (await (await fetch(`${g.origin}/healthz`)).json()) as { nodes: unknown[] };
    expect(health.nodes).toEqual([
      { node: g.config.chatServers[0]!.address, name: 'a', state: 'up' },
      { node: g.config.chatServers[1]!.address, state: 'up' },
    ]);
  });
});
