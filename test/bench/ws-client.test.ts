/**
 * The load generator's lean WebSocket client: its frame logic on its own,
 * then the client against a real `ws` server (which checks the handshake
 * and that every client frame is masked, as RFC 6455 requires).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { LeanWebSocket } from '../../bench/ws-client.ts';
import { FrameReader, OPCODE, WsProtocolError, acceptFor, clientFrame, readHandshake } from '../../bench/ws-frames.ts';
import { encodeTextFrames } from '../../gateway/frames.ts';

function reader() {
  const texts: string[] = [];
  const controls: Array<[number, string]> = [];
  const r = new FrameReader({
    text: (buf, start, end) => texts.push(buf.toString('utf8', start, end)),
    control: (opcode, payload) => controls.push([opcode, opcode === OPCODE.close ? payload.toString('hex') : payload.toString()]),
  });
  return { r, texts, controls };
}

describe('FrameReader', () => {
  it('reads every text frame once, in order, however the bytes are split, short and 16-bit lengths alike', () => {
    const lines = ['u1: #1,0,0,5', 'é'.repeat(200), '', 'x'.repeat(70_000), 'last'];
    const bytes = encodeTextFrames(lines.map((l) => Buffer.from(l)));
    for (const cut of [1, 2, 3, 7, 100, 4096, bytes.length]) {
      const { r, texts } = reader();
      for (let at = 0; at < bytes.length; at += cut) r.push(bytes.subarray(at, at + cut));
      expect(texts, `reads of ${cut} bytes`).toEqual(lines);
    }
  });

  it('hands pings and closes apart, with their payloads', () => {
    const { r, texts, controls } = reader();
    r.push(Buffer.concat([Buffer.from([0x89, 2]), Buffer.from('hi'), encodeTextFrames([Buffer.from('line')]), Buffer.from([0x88, 2, 0x03, 0xe8])]));
    expect(texts).toEqual(['line']);
    expect(controls).toEqual([
      [OPCODE.ping, 'hi'],
      [OPCODE.close, '03e8'],
    ]);
  });

  it('refuses a masked server frame and a fragment, which the gateway never sends', () => {
    expect(() => reader().r.push(Buffer.from([0x81, 0x81, 1, 2, 3, 4, 5]))).toThrow(WsProtocolError);
    expect(() => reader().r.push(Buffer.from([0x01, 1, 0x41]))).toThrow(/fragmented/);
  });
});

describe('handshake and client frames', () => {
  it("accepts only a 101 answer with the key's accept (RFC 6455's example) and no extension", () => {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    expect(acceptFor(key)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const ok = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
    expect(readHandshake(Buffer.from(ok.slice(0, 40)), key)).toBeNull();
    expect(readHandshake(Buffer.from(ok + '\x81\x01a'), key)).toBe(ok.length);
    expect(() => readHandshake(Buffer.from(ok.replace('xOo=', 'xOx=')), key)).toThrow(/Accept/);
    expect(() => readHandshake(Buffer.from('HTTP/1.1 403 Forbidden\r\n\r\n'), key)).toThrow(/403/);
    expect(() => readHandshake(Buffer.from(ok.replace('\r\n\r\n', '\r\nSec-WebSocket-Extensions: x\r\n\r\n')), key)).toThrow(/extension/);
  });

  it('masks every frame it sends with the key it was given', () => {
    const mask = Buffer.from([1, 2, 3, 4]);
    for (const n of [0, 5, 125, 126, 70_000]) {
      const payload = Buffer.alloc(n, 'a');
      const frame = clientFrame(OPCODE.text, payload, mask);
      const header = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
      expect(frame[0]).toBe(0x81);
      expect(frame[1]! & 0x80).toBe(0x80);
      expect(frame.subarray(header, header + 4)).toEqual(mask);
      const body = frame.subarray(header + 4).map((b, i) => b ^ mask[i & 3]!);
      expect(Buffer.from(body).equals(payload), `${n} bytes`).toBe(true);
    }
  });
});

describe('LeanWebSocket against a real ws server', () => {
  let server: WebSocketServer | null = null;
  afterEach(async () => {
    for (const c of server?.clients ?? []) c.terminate();
    await new Promise((resolve) => server?.close(resolve));
    server = null;
  });

  it('opens with the Origin given, exchanges lines both ways as text frames, and answers a ping', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const accepted = once(server, 'connection') as Promise<[WebSocket, { headers: Record<string, string> }]>;
    const received: string[] = [];
    const client = new LeanWebSocket({
      url: `ws://127.0.0.1:${port}/ws`,
      origin: 'http://page.example',
      readBuffer: Buffer.allocUnsafe(64 * 1024),
      onRead: () => {},
      onText: (buf, start, end) => received.push(buf.toString('utf8', start, end)),
    });
    // Sent before the handshake completes: held until it does.
    client.send(['olá', 'segunda']);
    const [peer, request] = await accepted;
    expect(request.headers.origin).toBe('http://page.example');
    const got: string[] = [];
    peer.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      got.push(data.toString());
    });
    const pong = once(peer, 'pong');
    peer.ping('beat');
    peer.send('from the server');
    peer.send('x'.repeat(1000));
    const [payload] = (await pong) as [Buffer];
    expect(payload.toString()).toBe('beat');
    await expect.poll(() => got).toEqual(['olá', 'segunda']);
    await expect.poll(() => received).toEqual(['from the server', 'x'.repeat(1000)]);

    // The server closes: the client answers the close and reports it once.
    const closed = once(client, 'close');
    const [code] = (await Promise.all([once(peer, 'close'), peer.close(1000, 'bye')]))[0] as [number];
    expect(code).toBe(1000);
    await closed;
  });

  it('reports a refused handshake as an error, then a close', async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: () => false });
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const client = new LeanWebSocket({
      url: `ws://127.0.0.1:${port}/ws`,
      origin: 'http://page.example',
      readBuffer: Buffer.allocUnsafe(1024),
      onRead: () => {},
      onText: () => {},
    });
    // (events.once would reject on the 'error' that comes first.)
    const closed = new Promise((resolve) => client.once('close', resolve));
    const [error] = (await once(client, 'error')) as [Error];
    expect(error.message).toMatch(/handshake refused: HTTP\/1.1 401/);
    await closed;
  });
});
