/**
 * A gateway at its MAX_SOCKETS cap refuses the next upgrade with a 503,
 * which the browser cannot read: the second page asks GET /healthz, learns
 * `"gateway": "full"`, says the chat is full (not "unreachable"), keeps
 * retrying, and gets in once the first page leaves.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { joinChat, say, screenshot, useStack } from './fixture.ts';

const stack = useStack({}, { MAX_SOCKETS: '1' });
let first: Page;
let second: Page;
let errors: string[] = [];

beforeAll(async () => {
  ({ page: first } = await stack.open({ locale: 'en-US' }));
  ({ page: second, errors } = await stack.open({ locale: 'en-US' }));
});

it('a second page says "The server is full", and joins once the first one leaves', async () => {
  await first.goto(stack.gateway.url);
  await joinChat(first, 'first');

  await second.goto(stack.gateway.url);
  await second.locator('#name').fill('second');
  const asked = second.waitForResponse((r) => new URL(r.url()).pathname === '/healthz');
  await second.locator('form.prompt button[type=submit]').click();
  expect(await (await asked).json()).toMatchObject({ gateway: 'full' });
  const note = second.locator('.prompt .note');
  await note.getByText('The server is full; trying again later.').waitFor();
  await note.getByText(/Retrying in \d+ s/).waitFor();
  expect(await second.getByText('Cannot reach the server.').count()).toBe(0);
  await screenshot(second, '18-gateway-full');

  await say(first, '/quit'); // frees the gateway's one socket
  await first.locator('#name').waitFor();
  await second.locator('.status.online').waitFor({ timeout: 20_000 });
  await second.locator('.system', { hasText: 'Welcome, second!' }).waitFor();
});

it('threw no errors (the browser itself logs each refused handshake)', () => {
  expect(errors.filter((e) => !/WebSocket handshake: Unexpected response code: 503/.test(e))).toEqual([]);
});
