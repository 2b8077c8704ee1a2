/**
 * Coming back after a restart when someone took my name meanwhile: the page
 * asks for another one, keeps what I typed offline, and sends it after I join.
 * Also: the last name used is offered again on the next visit.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { joinChat, message, say, screenshot, useStack } from './fixture.ts';

const stack = useStack();
let page: Page;
let errors: string[] = [];

beforeAll(async () => {
  ({ page, errors } = await stack.open({ locale: 'en-GB', clock: true }));
});

it('asks for another name when mine was taken while offline, then delivers what waited', async () => {
  await page.goto(stack.gateway.url);
  await joinChat(page, 'kim');

  await stack.stopTcp();
  await page.locator('.offline').waitFor();
  await page.clock.pauseAt(Date.now() + 60_000); // hold the page's retries while the name is taken
  await say(page, 'kept for later');
  await message(page, 'kept for later').locator('.state', { hasText: 'waiting to send' }).waitFor();
  // Closing or reloading now would lose that line: the browser asks first, and staying keeps it.
  const asked = page.waitForEvent('dialog');
  await page.close({ runBeforeUnload: true });
  const dialog = await asked;
  expect(dialog.type()).toBe('beforeunload');
  await dialog.dismiss();
  expect(page.isClosed()).toBe(false);

  await stack.restartTcp();
  const thief = await stack.terminalUser('KIM');

  await page.clock.resume();
  await page.getByText('Someone took the name kim while you were away. Pick another.').waitFor({ timeout: 20_000 });
  await page.getByText('Waiting to send: 1').waitFor();
  await screenshot(page, '10-name-taken-on-rejoin');
  await joinChat(page, 'kim2');
  await page.locator('#composer:focus').waitFor();
  await thief.sees('kim2 entrou no chat!\n');
  await thief.sees('kim2: kept for later\n');
  await message(page, 'kept for later').locator('.state').waitFor({ state: 'detached' });
  expect(await page.locator('.whoami strong').textContent()).toBe('kim2');
});

it('offers the last name used on the next visit', async () => {
  // A new tab (a reload would resume the session instead: resume.test.ts).
  const next = await page.context().newPage();
  await next.goto(stack.gateway.url);
  await next.locator('#name').waitFor();
  expect(await next.locator('#name').inputValue()).toBe('kim2');
  await next.close();
});

it('threw no errors', () => {
  expect(errors).toEqual([]);
});
