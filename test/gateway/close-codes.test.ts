/**
 * How a socket ends, with codes the page can act on.
 */
import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ChatServer } from '../../tcp-server/chat-server.ts';
import { onCleanup, startGatewayApp, startGatewayOnUpstream, startStack } from './fixture.ts';

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

describe('upstream', () => {
  it('closes with 1013 when the chat server is unreachable', async () => {
    const g = await startGatewayApp(await freePort());
    const web = g.open();
    expect(await web.closed).toEqual({ code: 1013, reason: 'chat server unavailable' });
  });

  it('works again once the chat server is back', async () => {
    const port = await freePort();
    const g = await startGatewayApp(port);
    expect((await g.open().closed).code).toBe(1013);
    const chat = new ChatServer({ host: '127.0.0.1', port });
    await chat.listen();
    onCleanup(() => chat.close());
    const web = await g.join('ana');
    expect(web.frames).toEqual(['Digite seu nome:', 'Bem-vindo, ana! Online (1): ana']);
  });

  it('passes on the server going away: its last line, then a close, never a hang', async () => {
    const s = await startStack();
    const web = await s.join('ana');
    await s.chat.close();
    expect(await web.next()).toBe('Servidor encerrando.');
    expect((await web.closed).code).toBe(1000);
  });

  it('closes with 1011 when the chat server connection breaks', async () => {
    // An upstream that resets the connection mid-session.
    const sockets: net.Socket[] = [];
    const g = await startGatewayOnUpstream((s) => {
      sockets.push(s);
      s.write('Digite seu nome:\n');
    });
    const web = g.open();
    await web.expect('Digite seu nome:');
    sockets[0]!.resetAndDestroy();
    expect((await web.closed).code).toBe(1011);
  });

  it('closes with 1011 on a line over UPSTREAM_MAX_LINE, after relaying the lines before it', async () => {
    const g = await startGatewayOnUpstream(
      (s) => s.write(`Digite seu nome:\nantes\n${'z'.repeat(1025)}\ndepois\n`),
      { maxUpstreamLine: 1024 },
    );
    const web = g.open();
    expect(await web.closed).toEqual({ code: 1011, reason: 'chat server line too long' });
    expect(web.frames).toEqual(['Digite seu nome:', 'antes']);
  });

  it('closes with 1011 when a line grows past UPSTREAM_MAX_LINE without ever ending', async () => {
    let upstream: net.Socket | undefined;
    const g = await startGatewayOnUpstream(
      (s) => {
        upstream = s;
        s.write('Digite seu nome:\n');
        s.write('z'.repeat(600));
      },
      { maxUpstreamLine: 1024 },
    );
    const web = g.open();
    await web.expect('Digite seu nome:');
    upstream!.write('z'.repeat(600)); // 1,200 bytes, no LF yet
    expect(await web.closed).toEqual({ code: 1011, reason: 'chat server line too long' });
    // And the gateway hung up on that upstream.
    if (!upstream!.closed) await once(upstream!, 'close');
  });

  it('still relays a line of exactly UPSTREAM_MAX_LINE bytes', async () => {
    const g = await startGatewayOnUpstream((s) => s.write(`Digite seu nome:\n${'z'.repeat(1024)}\r\n`), {
      maxUpstreamLine: 1024,
    });
    const web = g.open();
    await web.expect('Digite seu nome:');
    await web.expect('z'.repeat(1024));
  });
});

describe('what a browser may send', () => {
  it('closes with 1003 on a binary frame', async () => {
    const s = await startStack();
    const web = await s.join('ana');
    web.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await web.closed).code).toBe(1003);
  });

  it('closes with 1009 on a frame over WS_MAX_FRAME, and the others never see it', async () => {
    const s = await startStack({}, { maxFrame: 1024 });
    const web = await s.join('ana');
    const term = await s.joinTcp('bruno');
    web.send('x'.repeat(1025));
    expect((await web.closed).code).toBe(1009);
    expect(await term.next()).toBe('ana saiu do chat.');
  });

  it('accepts a frame of exactly WS_MAX_FRAME bytes', async () => {
    const s = await startStack({ maxLine: 4096 }, { maxFrame: 1024 });
    const web = await s.join('ana');
    const term = await s.joinTcp('bruno');
    web.send('y'.repeat(1024));
    expect(await term.next()).toBe(`ana: ${'y'.repeat(1024)}`);
  });
});

describe('heartbeat', () => {
  it('drops a socket that stops answering pings, and its chat user leaves', async () => {
    const s = await startStack({}, { heartbeatMs: 50 });
    const term = await s.joinTcp('bruno');
    const web = s.open(s.origin, { autoPong: false });
    await web.expect('Digite seu nome:');
    web.send('mudo');
    expect(await term.next()).toBe('mudo entrou no chat!');
    expect((await web.closed).code).toBe(1006); // terminated, no close frame
    expect(await term.next()).toBe('mudo saiu do chat.');
  });

  it('keeps a socket that answers pings', async () => {
    const s = await startStack({}, { heartbeatMs: 20 });
    const web = await s.join('ana');
    const term = await s.joinTcp('bruno');
    let pings = 0;
    web.ws.on('ping', () => pings++);
    while (pings < 5) await once(web.ws, 'ping');
    term.send('ainda aí?');
    expect(await web.next((f) => f.startsWith('bruno:'))).toBe('bruno: ainda aí?');
  });
});
