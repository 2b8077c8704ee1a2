/**
 * Slow readers on either side hold back the other side instead of growing
 * the gateway's memory.
 */
import net from 'node:net';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { scrapeMetrics, startGatewayOnUpstream, startStack } from './fixture.ts';
import { talkUntilLeave } from '../helpers/line-client.ts';

it('a browser that never reads holds back its TCP connection, until the chat server cuts it off', async () => {
  const maxBuffered = 64 * 1024;
  const s = await startStack({ sendQueue: 256 * 1024, rate: 100_000, burst: 100_000 }, { maxBuffered });
  const talker = await s.joinTcp('talker');
  const listener = await s.joinTcp('listener');
  const slow = await s.join('slow');
  slow.ws.pause(); // the browser tab that stopped reading
  await listener.next((l) => l === 'slow entrou no chat!');
  let maxQueued = 0;
  const cutOff = await talkUntilLeave(talker, listener, 'slow', {
    maxLines: 50_000,
    afterBatch: () => {
      for (const ws of s.app.websocketServer.clients) maxQueued = Math.max(maxQueued, ws.bufferedAmount);
    },
  });
  expect(cutOff).toBe(true);
  // The bound is checked after each upstream chunk (at most 64 KiB).
  expect(maxQueued).toBeLessThanOrEqual(maxBuffered + 64 * 1024 + 1024);
  // Others were never affected.
  talker.send('depois');
  expect(await listener.next((l) => l === 'talker: depois')).toBe('talker: depois');
  // Operators see the pause (once per stop: the browser never read again).
  expect((await scrapeMetrics(s.origin)).get('gateway_upstream_pauses_total')).toBe(1);
});

it('a chat server that stops reading holds back the browser, and every line still arrives in order', async () => {
  let upstreamSocket: net.Socket | null = null;
  let received = '';
  const g = await startGatewayOnUpstream((socket) => {
    upstreamSocket = socket;
    socket.write('Digite seu nome:\n'); // a chat server greets first; the gateway waits for that
    socket.pause(); // not reading for now
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
  });
  // The gateway's end of the browser's connection: how much it has read from the browser.
  let browserSide: net.Socket | undefined;
  g.app.server.once('upgrade', (_request, socket: net.Socket) => (browserSide = socket));
  const web = g.open();
  await web.opened;
  const frame = (i: number) => `${String(i).padStart(5, '0')}${'y'.repeat(9_000)}`;
  const N = 2000; // ~18 MB, far beyond every socket buffer on the way
  for (let i = 0; i < N; i++) web.send(frame(i));
  const sent = N * (frame(0).length + 8); // payload + a masked client frame's header
  // The gateway stops reading the browser once the chat server's side is full…
  const [serverWs] = g.app.websocketServer.clients;
  // (Without flow control it would read all of it instead, and not pause.)
  while (!serverWs!.isPaused && browserSide!.bytesRead < sent) await new Promise((r) => setTimeout(r, 10));
  expect(serverWs!.isPaused).toBe(true);
  // …so the backlog waits on the browser's side, not in the gateway's memory.
  expect(browserSide!.bytesRead).toBeLessThan(sent / 2);
  expect(web.ws.bufferedAmount).toBeGreaterThan(0);
  while (upstreamSocket === null) await new Promise((r) => setImmediate(r));
  (upstreamSocket as net.Socket).resume();
  const expected = Array.from({ length: N }, (_, i) => frame(i) + '\n').join('');
  while (received.length < expected.length) await once(upstreamSocket as net.Socket, 'data');
  expect(received === expected).toBe(true);
  // Once the chat server reads again, so does the gateway.
  expect(serverWs!.isPaused).toBe(false);
  expect(browserSide!.bytesRead).toBeGreaterThanOrEqual(sent);
});

it('a browser that reads late still gets every line intact and in order, however much waited in the gateway', async () => {
  // The gateway reuses one buffer for the frames of each read unless the
  // socket kept them queued: here they are queued, read after read.
  const s = await startStack({ sendQueue: 64 * 1024 * 1024, rate: 100_000, burst: 100_000 }, { maxBuffered: 64 * 1024 });
  const talker = await s.joinTcp('talker');
  const listener = await s.joinTcp('listener');
  const late = await s.join('late');
  await listener.next((l) => l === 'late entrou no chat!');
  late.ws.pause();
  const base = late.frames.length;
  const N = 6000;
  const line = (i: number) => `${String(i).padStart(5, '0')} ${'ção🙂'.repeat(i % 300)}`;
  let maxQueued = 0;
  for (let i = 0; i < N; i += 500) {
    for (let j = i; j < i + 500; j++) talker.send(line(j));
    await listener.next((l) => l === `talker: ${line(i + 499)}`);
    for (const ws of s.app.websocketServer.clients) maxQueued = Math.max(maxQueued, ws.bufferedAmount);
  }
  expect(maxQueued).toBeGreaterThan(0); // frames did wait in the gateway
  late.ws.resume();
  await late.waitForCount(base + N);
  expect(late.frames.slice(base)).toEqual(Array.from({ length: N }, (_, i) => `talker: ${line(i)}`));
});
