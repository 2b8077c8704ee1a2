/**
 * A real chat server and a real gateway, in this process, on ephemeral
 * loopback ports; everything they opened is closed after each test.
 */
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { afterEach, expect } from 'vitest';
import { ChatServer, type ChatServerOptions } from '../../tcp-server/chat-server.ts';
import { buildGateway } from '../../gateway/app.ts';
import { type GatewayConfig, gatewayConfigFromEnv } from '../../gateway/config.ts';
import { upstreamNode } from '../../gateway/upstream-nodes.ts';
import { LineClient } from '../helpers/line-client.ts';
import { WsClient } from '../helpers/ws-client.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

export async function startChat(options: ChatServerOptions = {}) {
  const chat = new ChatServer({ host: '127.0.0.1', port: 0, ...options });
  const { port } = await chat.listen();
  cleanups.push(() => chat.close());
  return { chat, port };
}

/** A gateway in front of the chat server at `chatPort` (or those in `overrides.chatServers`). */
export async function startGatewayApp(chatPort: number, overrides: Partial<GatewayConfig> = {}) {
  const config: GatewayConfig = {
    ...gatewayConfigFromEnv({}),
    httpHost: '127.0.0.1',
    httpPort: 0,
    chatServers: [upstreamNode('127.0.0.1', chatPort)],
    logLevel: 'silent',
    ...overrides,
  };
  const app: FastifyInstance = await buildGateway(config);
  await app.listen({ host: config.httpHost, port: 0 });
  cleanups.push(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const wsUrl = `ws://127.0.0.1:${port}/ws`;
  const open = (from: string | null = origin, options = {}) => track(new WsClient(wsUrl, from, options));
  return {
    app,
    config,
    origin,
    wsUrl,
    /** A browser user of this gateway: connected, named, welcomed. */
    join: async (name: string) => track(await WsClient.join(wsUrl, origin, name)),
    /** A socket with any origin (or none), not yet named. */
    open,
    /**
     * A socket opened once the gateway has room again. The gateway learns
     * of a client's close a moment after the client: until then each new
     * socket must be refused with `status`, and nothing else.
     */
    async openOnceRoom(status: number): Promise<WsClient> {
      for (;;) {
        const c = open();
        try {
          await c.opened;
          await c.expect('Digite seu nome:');
          return c;
        } catch {
          expect(c.refusedWith).toBe(status);
        }
      }
    },
  };
}

/** Chat server + gateway, with a way to add terminal users too. */
export async function startStack(chatOptions: ChatServerOptions = {}, gatewayOverrides: Partial<GatewayConfig> = {}) {
  const { chat, port } = await startChat(chatOptions);
  const gateway = await startGatewayApp(port, gatewayOverrides);
  return {
    chat,
    chatPort: port,
    ...gateway,
    joinTcp: async (name: string) => trackTcp(await LineClient.join(port, name)),
  };
}

function track(c: WsClient): WsClient {
  cleanups.push(() => c.close());
  return c;
}
function trackTcp(c: LineClient): LineClient {
  cleanups.push(() => c.close());
  return c;
}

export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

/**
 * A scripted stand-in for the chat server (a real TCP server), for what the
 * real one never does: dribbling bytes, resetting, not reading. Returns a
 * gateway in front of it.
 */
export async function startGatewayOnUpstream(
  onConnection: (socket: net.Socket) => void,
  overrides: Partial<GatewayConfig> = {},
) {
  const upstream = net.createServer(onConnection);
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  cleanups.push(() => upstream.close());
  return startGatewayApp((upstream.address() as AddressInfo).port, overrides);
}

/**
 * GET /metrics, parsed: each sample line's series (`name{labels}` as
 * printed) and its value. A series never incremented is absent: read it
 * with `?? 0`.
 */
export async function scrapeMetrics(origin: string): Promise<Map<string, number>> {
  const res = await fetch(`${origin}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** A loopback port with nothing listening on it (a dead chat server). */
export async function deadPort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}
