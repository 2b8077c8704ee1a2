/**
 * DNS rebinding: a page on http://evil.example:PORT whose name is re-pointed
 * at 127.0.0.1 talks to the gateway with `Host: evil.example:PORT` and a
 * matching Origin. Whatever it asks gets 403 before anything else happens:
 * no page, no upgrade, no connection to the chat server.
 */
import net, { type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { type Browser, chromium } from 'playwright-core';
import { startGatewayOnUpstream } from './fixture.ts';

/** A gateway in front of a stand-in chat server that counts the connections it gets. */
async function gatewayCountingUpstream(allowedHosts: string[] = []) {
  const upstream = { connections: 0 };
  const g = await startGatewayOnUpstream(
    (socket) => {
      upstream.connections++;
      socket.write('Digite seu nome:\n');
    },
    { allowedHosts },
  );
  const port = (g.app.server.address() as AddressInfo).port;
  return { ...g, port, upstream };
}

/**
 * One raw HTTP exchange (the request as given, byte for byte); resolves
 * when the server closes, or on a 101 once its headers are in.
 */
async function rawRequest(port: number, request: string): Promise<{ status: number; text: string }> {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(request);
  let text = '';
  socket.setEncoding('utf8');
  const switched = () => text.startsWith('HTTP/1.1 101 ') && text.includes('\r\n\r\n');
  while (!socket.readableEnded && !switched()) {
    const chunk = await Promise.race([once(socket, 'data'), once(socket, 'end').then(() => null)]);
    if (chunk !== null) text += String(chunk[0]);
  }
  socket.destroy();
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1]), text };
}

const upgrade = (host: string) =>
  `GET /ws HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

describe('a forged Host over a raw socket', () => {
  it('gets 403 for the page and for /healthz, and the chat server never hears of it', async () => {
    const g = await gatewayCountingUpstream();
    for (const path of ['/', '/healthz', '/assets/x.js']) {
      const res = await rawRequest(g.port, `GET ${path} HTTP/1.1\r\nHost: evil.example:${g.port}\r\nConnection: close\r\n\r\n`);
      expect(res.status).toBe(403);
      expect(res.text).toContain('{"error":"host not allowed"}');
    }
    expect(g.upstream.connections).toBe(0);
  });

  it('gets 403 for a WebSocket upgrade whose Origin matches the forged Host, and the connection ends', async () => {
    const g = await gatewayCountingUpstream();
    const res = await rawRequest(g.port, upgrade(`evil.example:${g.port}`));
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('101 Switching Protocols');
    expect(g.upstream.connections).toBe(0);
  });

  it('gets 403 without any Host, in HTTP/1.1 and HTTP/1.0', async () => {
    const g = await gatewayCountingUpstream();
    expect((await rawRequest(g.port, 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n')).status).toBe(403);
    expect((await rawRequest(g.port, 'GET / HTTP/1.0\r\n\r\n')).status).toBe(403);
  });

  it('is answered for localhost, *.localhost and IP literals, on any port', async () => {
    const g = await gatewayCountingUpstream();
    for (const host of [`localhost:${g.port}`, `chat.localhost:${g.port}`, `127.0.0.1:${g.port}`, '[::1]:1']) {
      const res = await rawRequest(g.port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect(res.status, host).toBe(200);
    }
    expect((await rawRequest(g.port, upgrade(`localhost:${g.port}`))).status).toBe(101);
  });
});

describe('a forged Host through ws', () => {
  it('is refused before the upgrade; the same name listed in ALLOWED_HOSTS opens', async () => {
    const g = await gatewayCountingUpstream();
    const host = `evil.example:${g.port}`;
    const evil = g.open(`http://${host}`, { headers: { Host: host } });
    await expect(evil.opened).rejects.toThrow();
    expect(evil.refusedWith).toBe(403);
    expect(g.upstream.connections).toBe(0);

    const listed = await gatewayCountingUpstream(['evil.example']);
    const listedHost = `evil.example:${listed.port}`;
    await listed.open(`http://${listedHost}`, { headers: { Host: listedHost } }).expect('Digite seu nome:');
  });

  it('still applies the Origin check after the Host check', async () => {
    const g = await gatewayCountingUpstream(['chat.example']);
    const host = `chat.example:${g.port}`;
    const foreign = g.open('http://evil.example', { headers: { Host: host } });
    await expect(foreign.opened).rejects.toThrow();
    expect(foreign.refusedWith).toBe(403);
    expect(g.upstream.connections).toBe(0);
  });
});

describe('the attack in Chromium', () => {
  let browser: Browser | undefined;
  afterAll(async () => browser?.close());

  /**
   * Chromium resolves evil.example to 127.0.0.1, as after the rebinding. A
   * document of origin http://evil.example:PORT (any answer of the gateway
   * under that name, even an error page, will do: it was loaded from this
   * address) runs the attacker's script: a WebSocket to its own origin,
   * which is now the gateway. (A page replayed from elsewhere would meet
   * Chromium's Private Network Access rules first; other browsers have none.)
   * Returns what the page load and the socket got.
   */
  async function attack(port: number): Promise<{ page: number; socket: string }> {
    browser ??= await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--host-resolver-rules=MAP evil.example 127.0.0.1'],
    });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const site = `http://evil.example:${port}`;
      const loaded = await page.goto(`${site}/no-such-page`);
      const socket = await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(url);
            ws.onmessage = (e) => resolve(`message: ${String(e.data)}`);
            ws.onclose = (e) => resolve(`closed before any message (${e.code})`);
          }),
        `ws://evil.example:${port}/ws`,
      );
      return { page: loaded!.status(), socket };
    } finally {
      await context.close();
    }
  }

  it('gets neither the page nor a chat socket', async () => {
    const g = await gatewayCountingUpstream();
    expect(await attack(g.port)).toEqual({ page: 403, socket: 'closed before any message (1006)' });
    expect(g.upstream.connections).toBe(0);
  });

  it('would get a chat socket if the name were allowed (the control: the attack itself works)', async () => {
    const g = await gatewayCountingUpstream(['evil.example']);
    expect(await attack(g.port)).toEqual({ page: 404, socket: 'message: Digite seu nome:' });
    expect(g.upstream.connections).toBe(1);
  });
});
