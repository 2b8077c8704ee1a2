/**
 * The chat server shuts down (SIGTERM, as a service manager stops it) while
 * a page is in the chat: the page shows the server's farewell instead of a
 * bare "connection lost", keeps retrying, and rejoins when the server is back.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { joinChat, screenshot, useStack } from './fixture.ts';

const stack = useStack();
let page: Page;
let errors: string[] = [];

beforeAll(async () => {
  ({ page, errors } = await stack.open({ locale: 'pt-BR', viewport: { width: 390, height: 800 } }));
});

it('shows the farewell when the server shuts down, and rejoins when it is back', async () => {
  await page.goto(stack.gateway.url);
  await joinChat(page, 'zeca');
  const port = stack.tcp.port;

  const stopped = await stack.tcp.stop('SIGTERM');
  expect(stopped.code).toBe(0); // a clean shutdown, which says goodbye first
  await page.locator('.system.notice', { hasText: 'O servidor está encerrando.' }).waitFor();
  await page.locator('.offline strong[role=status]', { hasText: 'O servidor está encerrando.' }).waitFor();
  await page.locator('.status:not(.online)').waitFor();
  await screenshot(page, '14-server-shutting-down');

  expect((await stack.restartTcp()).port).toBe(port);
  await page.locator('.status.online').waitFor({ timeout: 20_000 });
  await page.locator('.system', { hasText: 'Reconectado.' }).waitFor();
  expect(await page.locator('.offline').count()).toBe(0);
  expect(await page.locator('.whoami strong').textContent()).toBe('zeca');
});

it('threw no errors', () => {
  expect(errors).toEqual([]);
});
