/**
 * The page's reading of GET /healthz (the contract with the gateway), over a
 * real HTTP connection to a server on a loopback port that answers what the
 * gateway may answer.
 */
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { probeHealth } from '../../web/lib/health.ts';

/** Path → status and body the server answers with. */
const answers: Record<string, [number, string]> = {
  '/gateway-full': [503, JSON.stringify({ status: 'unavailable', gateway: 'full', upstream: 'up' })],
  '/chat-full': [503, JSON.stringify({ status: 'unavailable', gateway: 'ok', upstream: 'full' })],
  '/up': [200, JSON.stringify({ status: 'ok', gateway: 'ok', upstream: 'up' })],
  '/down': [503, JSON.stringify({ status: 'unavailable', upstream: 'down' })],
  '/today': [200, JSON.stringify({ status: 'ok', upstream: 'up' })],
  '/not-json': [502, '<html>Bad gateway</html>'],
};

let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const [status, body] = answers[req.url!] ?? [404, ''];
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('is "full" when the gateway is at its socket cap or the chat server turns people away', async () => {
  expect(await probeHealth(`${base}/gateway-full`)).toBe('full');
  expect(await probeHealth(`${base}/chat-full`)).toBe('full');
});

it('is "unreachable" otherwise: up, down, a gateway without the fields yet, or not JSON', async () => {
  expect(await probeHealth(`${base}/up`)).toBe('unreachable');
  expect(await probeHealth(`${base}/down`)).toBe('unreachable');
  expect(await probeHealth(`${base}/today`)).toBe('unreachable');
  expect(await probeHealth(`${base}/not-json`)).toBe('unreachable');
});

it('is "unreachable" when nothing answers', async () => {
  const closed = http.createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  expect(await probeHealth(`http://127.0.0.1:${port}/healthz`)).toBe('unreachable');
});
