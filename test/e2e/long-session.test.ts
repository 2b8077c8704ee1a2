/**
 * A long session stays smooth: 10,000 messages arrive from a terminal user
 * and the page keeps only a bounded window in the DOM, follows the newest,
 * and still answers the keyboard at once.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { joinChat, message, screenshot, useStack } from './fixture.ts';

const COUNT = 10_000;

// The server paces each client to 20 lines/s by default; this test wants a flood.
const stack = useStack({ CHAT_RATE: '100000', CHAT_BURST: '100000' });
let page: Page;
let errors: string[] = [];

beforeAll(async () => {
  ({ page, errors } = await stack.open({ viewport: { width: 1024, height: 768 } }));
});

it(`${COUNT.toLocaleString('en')} messages do not freeze the page`, { timeout: 90_000 }, async () => {
  await page.goto(stack.gateway.url);
  await joinChat(page, 'reader');
  const flood = await stack.terminalUser('flood');
  const lines = Array.from({ length: COUNT }, (_, i) => `line ${i + 1} of the flood, with a link https://example.com/${i + 1}`);
  flood.type(lines.join('\n'));

  const last = message(page, `line ${COUNT} of the flood`);
  await last.waitFor({ timeout: 60_000 });
  // The newest message is in view (the list followed the flood).
  expect(await last.isVisible()).toBe(true);
  const box = await last.boundingBox();
  expect(box!.y + box!.height).toBeLessThanOrEqual(768);
  // Only a bounded window is in the DOM.
  const rendered = await page.locator('.list > li').count();
  expect(rendered).toBeLessThanOrEqual(200);
  // The page still answers the keyboard.
  await page.locator('#composer').fill('still typing fine');
  await page.keyboard.press('Enter');
  await message(page, 'still typing fine').waitFor();
  await flood.sees('reader: still typing fine\n');

  // Scrolling up stops following and offers older messages.
  await page.locator('.scroller').evaluate((el) => el.scrollTo(0, 0));
  await page.getByRole('button', { name: 'Show earlier messages' }).waitFor();
  flood.type('one more while you read');
  await page.getByRole('button', { name: '1 new message' }).click();
  await message(page, 'one more while you read').waitFor();
  await screenshot(page, '09-long-session');

  // Reading old messages while a whole memory's worth (10,000 items) more arrives:
  // what I was reading is dropped, and the list shows the newest instead of going blank.
  await page.locator('.scroller').evaluate((el) => el.scrollTo(0, 0));
  await page.getByRole('button', { name: 'Show earlier messages' }).waitFor();
  flood.type(lines.map((l) => `again: ${l}`).join('\n'));
  await message(page, `again: line ${COUNT} of the flood`).waitFor({ timeout: 60_000 });
  const shown = await page.locator('.list > li').count();
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThanOrEqual(200);
  expect(errors).toEqual([]);
});
