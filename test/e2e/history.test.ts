/**
 * The page remembers: on joining it shows the room's recent past above an
 * "earlier messages" divider, and when its gateway dies (SIGKILL) and comes
 * back, it shows every public line said meanwhile by a terminal user,
 * exactly once and in order, before what is said after it is back.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LineClient } from '../helpers/line-client.ts';
import { holdWhileWaitingToRetry } from './hold-retry.ts';
import { allMessageTexts, joinChat, message, pageErrors, say, screenshot, useStack } from './fixture.ts';

/** Lines said while the page is away: more than two of the server's /since pages (500). */
const MISSED = 1_200;
/** Lines said right after the page is back, racing its catching up. */
const AFTER = 30;

// Terminal users here send in bursts; the default pacing (20 lines/s) would only slow the test down.
// Resuming off: this file proves the page's rejoin filling in from the history (/since); resume.test.ts
// proves the resumed session after the same gateway SIGKILL.
const stack = useStack({ CHAT_RATE: '100000', CHAT_BURST: '100000', CHAT_RESUME_GRACE_MS: '0' });
let page: Page;
let errors: string[] = [];
let tina: LineClient;
/** Someone at a terminal who hears everything: a line it got is stored (the server commits before it sends). */
let ear: LineClient;

beforeAll(async () => {
  ({ page, errors } = await stack.open({ locale: 'en-GB', clock: true, viewport: { width: 1024, height: 768 } }));
  tina = await LineClient.join(stack.tcp.port, 'tina');
  ear = await LineClient.join(stack.tcp.port, 'ear');
});

afterAll(() => {
  tina?.close();
  ear?.close();
});

/** `tina` says each line; resolves once they are all delivered (and so stored). */
async function tinaSays(lines: string[]): Promise<void> {
  tina.write(lines.map((l) => `${l}\n`).join(''));
  await ear.next((l) => l === `tina: ${lines.at(-1)}`);
}

const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);

it('joining shows the last 50 public messages, quieter, above the "earlier messages" divider', async () => {
  await tinaSays(numbered('before', 60));
  await page.goto(stack.gateway.url);
  await joinChat(page, 'pia');
  await page.locator('.system', { hasText: 'Welcome, pia!' }).waitFor();

  const rows = page.locator('.list > li');
  const kinds = await rows.evaluateAll((els) => els.map((el) => (el.matches('.msg.past') ? 'past' : el.className.split(' ')[0])));
  expect(kinds).toEqual([...Array<string>(50).fill('past'), 'divider', 'system']);
  expect(await page.locator('.divider').textContent()).toBe('earlier messages');
  expect(await page.locator('.list li.msg.past .text').allTextContents()).toEqual(numbered('before', 60).slice(10));

  await tinaSays(['now, live']);
  const liveText = message(page, 'now, live').locator('.text');
  await liveText.waitFor();
  expect(await message(page, 'now, live').evaluate((el) => el.classList.contains('past'))).toBe(false);
  // Quieter: the past is drawn in the muted colour, what is said now in the text colour.
  const color = (el: Element) => getComputedStyle(el).color;
  const pastColor = await page.locator('.list li.msg.past .text').last().evaluate(color);
  expect(pastColor).not.toBe(await liveText.evaluate(color));
  await screenshot(page, '15-history-on-join');
});

it(`after the gateway is killed (SIGKILL) and restarted, shows the ${MISSED.toLocaleString('en')} lines said meanwhile once each, in order, before the newer ones`, { timeout: 120_000 }, async () => {
  const killed = await stack.gateway.stop('SIGKILL');
  expect(killed.signal).toBe('SIGKILL');
  await page.locator('.offline').waitFor();
  await holdWhileWaitingToRetry(page); // the page waits to retry while the room talks on

  await tinaSays(numbered('missed', MISSED));
  await stack.restartGateway();
  await page.getByRole('button', { name: 'Retry now' }).click();
  await page.clock.resume();
  // The room goes on while the page catches up: these may come live, in an answer, or both.
  tina.write(numbered('after', AFTER).map((l) => `${l}\n`).join(''));

  await page.locator('.status.online').waitFor({ timeout: 20_000 });
  await message(page, `after ${AFTER}`).waitFor({ timeout: 30_000 });
  await page
    .locator('.system', { hasText: 'Reconnected. Private messages sent to you while you were away may be lost.' })
    .waitFor();
  const texts = await allMessageTexts(page);
  expect(texts.filter((t) => t.startsWith('missed ') || t.startsWith('after '))).toEqual([
    ...numbered('missed', MISSED),
    ...numbered('after', AFTER),
  ]);
  // All of it is news to the page: nothing of it drawn as the past.
  expect(await page.locator('.list li.msg.past', { hasText: /^missed / }).count()).toBe(0);
  await screenshot(page, '16-history-after-gateway-restart');
});

it('a /history typed on the page shows the answer as the terminal gets it, in words; /foo lists /history', async () => {
  await say(page, '/history 2');
  await page.locator('.system', { hasText: 'History: 2 messages' }).waitFor();
  await page.locator('.system', { hasText: 'End of history.' }).waitFor();
  const answer = page.locator('.list li.msg.past');
  expect((await answer.locator('.text').allTextContents()).slice(-2)).toEqual([`after ${AFTER - 1}`, `after ${AFTER}`]);
  // Stamped as the server wrote it (its time zone), not by the browser's clock.
  expect(await answer.locator('time').last().textContent()).toMatch(/^\d\d\/\d\d \d\d:\d\d$/);

  await say(page, '/foo');
  await page.locator('.system.notice', { hasText: 'Unknown command: /foo. Try /users, /history, /quit or //text.' }).waitFor();
  await screenshot(page, '17-history-command');
});

it('threw no errors', () => {
  expect(pageErrors(errors)).toEqual([]);
});
