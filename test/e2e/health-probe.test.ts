/**
 * A socket the gateway refuses before it opens (here its per-address cap,
 * MAX_SOCKETS_PER_IP=1; at its MAX_SOCKETS cap it is a 503): the browser
 * cannot read why, so the page asks GET /healthz and shows what it learns.
 * This gateway's answer has no "full" in it, so the page says it cannot
 * reach the server, keeps retrying, and joins once a socket is free.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { joinChat, say, useStack } from './fixture.ts';

const stack = useStack({}, { MAX_SOCKETS_PER_IP: '1' });
let first: Page;
let second: Page;

beforeAll(async () => {
  ({ page: first } = await stack.open({ locale: 'en-US' }));
  ({ page: second } = await stack.open({ locale: 'en-US' }));
});

it('after a refused upgrade the page asks /healthz, says what it knows, and gets in when there is room', async () => {
  await first.goto(stack.gateway.url);
  await joinChat(first, 'first');

  await second.goto(stack.gateway.url);
  await second.locator('#name').fill('second');
  const asked = second.waitForResponse((r) => new URL(r.url()).pathname === '/healthz');
  await second.locator('form.prompt button[type=submit]').click();
  const health = await asked;
  expect(await health.json()).toMatchObject({ upstream: 'up' });
  await second.locator('.prompt .note').getByText('Cannot reach the server.').waitFor();

  await say(first, '/quit'); // frees the one socket this address may have
  await first.locator('#name').waitFor();
  await second.locator('.status.online').waitFor({ timeout: 20_000 });
});
