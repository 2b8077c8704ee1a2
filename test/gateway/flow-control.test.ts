/**
 * Slow readers on either side hold back the other side instead of growing
 * the gateway's memory.
 */
import net from 'node:net';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { startGatewayOnUpstream, startStack } from './fixture.ts';
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
});

it('a chat server that stops reading holds back the browser, and every line still arrives in order', async () => {
  let upstreamSocket: net.Socket | null = null;
  let received = '';
  const g = await startGatewayOnUpstream((socket) => {
    upstreamSocket = socket;
    socket.pause(); // not reading for now
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
  });
  const web = g.open();
  await web.opened;
  const frame = (i: number) => `${String(i).padStart(5, '0')}${'y'.repeat(9_000)}`;
  const N = 2000; // ~18 MB, far beyond every socket buffer on the way
  for (let i = 0; i < N; i++) web.send(frame(i));
  // The gateway stopped reading the browser: the backlog waits on the browser's side.
  expect(web.ws.bufferedAmount).toBeGreaterThan(0);
  while (upstreamSocket === null) await new Promise((r) => setImmediate(r));
  (upstreamSocket as net.Socket).resume();
  const expected = Array.from({ length: N }, (_, i) => frame(i) + '\n').join('');
  while (received.length < expected.length) await once(upstreamSocket as net.Socket, 'data');
  expect(received === expected).toBe(true);
});
