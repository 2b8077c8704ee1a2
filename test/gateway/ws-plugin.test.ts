/**
 * The /ws plugin: who gets a socket (MAX_SOCKETS, TRUST_PROXY for the
 * per-address cap), its options checked at register, and its shutdown: a
 * stopping gateway still relays what the chat server sends before 1001.
 */
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import wsPlugin, { type WsPluginOptions } from '../../gateway/ws-plugin.ts';
import { GatewayMetrics } from '../../gateway/metrics.ts';
import { SocketAdmission } from '../../gateway/socket-admission.ts';
import { upstreamNode } from '../../gateway/upstream-nodes.ts';
import { UpstreamPool } from '../../gateway/upstream-pool.ts';
import { startGatewayOnUpstream, startStack } from './fixture.ts';

describe('MAX_SOCKETS', () => {
  it('refuses the upgrade beyond it with HTTP 503, while /healthz says "gateway": "full"', async () => {
    const s = await startStack({}, { maxSockets: 2 });
    const a = await s.join('ana');
    await s.join('bia');
    const third = s.open();
    await expect(third.opened).rejects.toThrow();
    expect(third.refusedWith).toBe(503);
    const health = await s.app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toMatchObject({ status: 'unavailable', upstream: 'up', gateway: 'full' });

    a.close();
    await a.closed;
    // The gateway learns of the close a moment later; then there is room again.
    await s.openOnceRoom(503);
    expect((await s.app.inject({ url: '/healthz' })).json()).toMatchObject({ gateway: 'full' });
  });

  it('counts handshakes arriving together exactly: never more sockets than the cap', async () => {
    const s = await startStack({}, { maxSockets: 3 });
    const clients = Array.from({ length: 10 }, () => s.open());
    const outcomes = await Promise.all(
      clients.map((c) =>
        c.opened.then(
          () => 'open',
          () => String(c.refusedWith),
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'open')).toHaveLength(3);
    expect(outcomes.filter((o) => o === '503')).toHaveLength(7);
  });
});

describe('TRUST_PROXY', () => {
  const forwardedFor = (address: string) => ({ headers: { 'X-Forwarded-For': address } });

  it('counts MAX_SOCKETS_PER_IP by X-Forwarded-For when the request comes from the trusted proxy', async () => {
    const s = await startStack({}, { maxSocketsPerIp: 1, trustProxy: ['127.0.0.1'] });
    const one = s.open(s.origin, forwardedFor('203.0.113.1'));
    const other = s.open(s.origin, forwardedFor('203.0.113.2'));
    await one.expect('Digite seu nome:');
    await other.expect('Digite seu nome:');
    const again = s.open(s.origin, forwardedFor('203.0.113.1'));
    await expect(again.opened).rejects.toThrow();
    expect(again.refusedWith).toBe(429);
  });

  it('ignores X-Forwarded-For from anyone else: the connection’s own address is counted', async () => {
    const s = await startStack({}, { maxSocketsPerIp: 1, trustProxy: ['10.9.9.9'] });
    const one = s.open(s.origin, forwardedFor('203.0.113.1'));
    await one.expect('Digite seu nome:');
    const forged = s.open(s.origin, forwardedFor('203.0.113.2'));
    await expect(forged.opened).rejects.toThrow();
    expect(forged.refusedWith).toBe(429);
  });

  it('is off by default: X-Forwarded-For changes nothing', async () => {
    const s = await startStack({}, { maxSocketsPerIp: 1 });
    await s.open(s.origin, forwardedFor('203.0.113.1')).expect('Digite seu nome:');
    const forged = s.open(s.origin, forwardedFor('203.0.113.2'));
    await expect(forged.opened).rejects.toThrow();
    expect(forged.refusedWith).toBe(429);
  });
});

describe('options', () => {
  const pool = new UpstreamPool([upstreamNode('127.0.0.1', 12345)], 1000);
  const valid: WsPluginOptions = {
    admission: new SocketAdmission(10, 10),
    pool,
    metrics: new GatewayMetrics({ openSockets: () => 0, pool }),
    allowedOrigins: [],
    maxBuffered: 1024,
    maxUpstreamLine: 1024,
    upstreamTimeoutMs: 1000,
    maxFrame: 1024,
    heartbeatMs: 1000,
    shutdownRelayMs: 0,
    shutdownCloseMs: 0,
  };

  it.each([
    [{ maxFrame: 0 }, 'maxFrame must be a whole number >= 1'],
    [{ heartbeatMs: 1.5 }, 'heartbeatMs must be a whole number >= 1'],
    [{ shutdownRelayMs: -1 }, 'shutdownRelayMs must be a whole number >= 0'],
    [{ pool: {} as UpstreamPool }, 'pool must be an UpstreamPool'],
    [{ admission: {} as SocketAdmission }, 'admission must be a SocketAdmission'],
  ])('refuses %o at register', async (bad, message) => {
    const app = Fastify();
    await expect(app.register(wsPlugin, { ...valid, ...bad }).ready()).rejects.toMatchObject({
      code: 'ERR_WS_PLUGIN_OPTIONS',
      message,
    });
    await app.close();
  });

  it('registers with valid options, /ws and app.websocketServer in place', async () => {
    const app = Fastify();
    await app.register(wsPlugin, valid).ready();
    expect(app.hasRoute({ method: 'GET', url: '/ws' })).toBe(true);
    expect(app.websocketServer.clients.size).toBe(0);
    await app.close();
  });
});

describe('shutdown', () => {
  it('keeps relaying open sockets while stopping, refuses new ones, and passes on the chat server’s farewell', async () => {
    const s = await startStack({}, { shutdownRelayMs: 60_000 });
    const web = await s.join('ana');
    const term = await s.joinTcp('bruno');
    await web.next((f) => f === 'bruno entrou no chat!');
    const closing = s.app.close();
    // Still relaying…
    term.send('ainda aí?');
    expect(await web.next()).toBe('bruno: ainda aí?');
    // …but no new sockets.
    const late = s.open();
    await expect(late.opened).rejects.toThrow();
    expect(late.refusedWith).toBe(503);
    // The chat server stops too: its last line, then its close, reach the browser.
    await s.chat.close();
    expect(await web.next()).toBe('Servidor encerrando.');
    expect(await web.closed).toEqual({ code: 1000, reason: 'chat server closed the connection' });
    await closing;
  });

  it('closes with 1001 the sockets whose upstream is still open after SHUTDOWN_RELAY_MS', async () => {
    const g = await startGatewayOnUpstream((socket) => socket.write('Digite seu nome:\n'), { shutdownRelayMs: 50 });
    const web = g.open();
    await web.expect('Digite seu nome:');
    const closing = g.app.close();
    expect(await web.closed).toEqual({ code: 1001, reason: 'gateway shutting down' });
    await closing;
  });

  it('cuts a browser that does not answer the close within SHUTDOWN_CLOSE_MS', async () => {
    const g = await startGatewayOnUpstream((socket) => socket.write('Digite seu nome:\n'), {
      shutdownRelayMs: 0,
      shutdownCloseMs: 50,
    });
    const web = g.open();
    await web.expect('Digite seu nome:');
    web.ws.pause(); // reads nothing more: never sees the close frame, never answers it
    const [serverSide] = g.app.websocketServer.clients;
    // Without the cut, this would wait for ws's own 30 s close timeout (and the test time out).
    await g.app.close();
    expect(serverSide!.readyState).toBe(serverSide!.CLOSED);
    web.ws.resume();
    await web.closed;
  });
});
