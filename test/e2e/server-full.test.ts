/**
 * A full chat (CHAT_MAX_CLIENTS reached): the chat server answers
 * `Servidor cheio, tente mais tarde.` and closes. The page says the chat is
 * full (not "unreachable"), keeps retrying with its backoff, and gets in once
 * there is room: from the name prompt, and when rejoining after a drop.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { holdWhileWaitingToRetry } from './hold-retry.ts';
import { joinChat, message, say, screenshot, useStack } from './fixture.ts';

const FULL = 'The server is full; trying again later.';

const stack = useStack({ CHAT_MAX_CLIENTS: '1' });
let page: Page;
let errors: string[] = [];

beforeAll(async () => {
  ({ page, errors } = await stack.open({ locale: 'en-US', clock: true }));
});

it('from the name prompt: says the chat is full, retries, and joins once there is room', async () => {
  const holder = await stack.terminalUser('holder');
  await page.goto(stack.gateway.url);
  await page.locator('#name').fill('ana');
  await page.locator('form.prompt button[type=submit]').click();

  const note = page.locator('.prompt .note');
  await note.getByText(FULL).waitFor();
  await note.getByText(/Retrying in \d+ s/).waitFor();
  expect(await page.getByText('Cannot reach the server.').count()).toBe(0);
  await screenshot(page, '12-server-full-prompt');

  holder.type('/quit');
  holder.hangUp();
  await holder.exited;
  await page.locator('.status.online').waitFor({ timeout: 20_000 });
  await page.locator('.system', { hasText: 'Welcome, ana!' }).waitFor();
});

it('when rejoining after a drop: the banner says the chat is full, and "Retry now" gets back in once there is room', async () => {
  await stack.stopTcp();
  await page.locator('.offline').waitFor();
  await page.clock.pauseAt(Date.now() + 60_000); // hold the retries while someone takes the only place
  await say(page, 'typed while away');
  await stack.restartTcp();
  const taker = await stack.terminalUser('taker');

  await page.clock.resume();
  await page.locator('.offline strong[role=status]', { hasText: FULL }).waitFor({ timeout: 20_000 });
  await screenshot(page, '13-server-full-banner');

  taker.type('/quit');
  taker.hangUp();
  await taker.exited;
  await holdWhileWaitingToRetry(page);
  await page.getByRole('button', { name: 'Retry now' }).click();
  await page.clock.resume();
  await page.locator('.status.online').waitFor({ timeout: 20_000 });
  await page.locator('.system', { hasText: 'Reconnected.' }).waitFor();
  await message(page, 'typed while away').locator('.state').waitFor({ state: 'detached' });
  expect(await page.locator('.offline').count()).toBe(0);
});

it('threw no errors', () => {
  expect(errors).toEqual([]);
});
