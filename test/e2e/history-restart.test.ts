/**
 * The chat server goes down (SIGKILL, then SIGTERM) and comes back on the
 * same port with the same database file (CHAT_DB in a temporary folder),
 * while a terminal user keeps talking: the page, held back from rejoining
 * until the talk is over, then shows every public line it missed exactly
 * once, in order, before what is said after it is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LineClient } from '../helpers/line-client.ts';
import { holdWhileWaitingToRetry } from './hold-retry.ts';
import { allMessageTexts, joinChat, message, say, useStack } from './fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-history-e2e-'));
const stack = useStack({ CHAT_DB: join(dir, 'chat.db'), CHAT_RATE: '100000', CHAT_BURST: '100000' });
let page: Page;
let errors: string[] = [];
const terminals: LineClient[] = [];

beforeAll(async () => {
  ({ page, errors } = await stack.open({ locale: 'en-US', clock: true }));
});

afterAll(() => {
  for (const t of terminals) t.close();
  rmSync(dir, { recursive: true, force: true });
});

const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);

/** A terminal user on the chat server as it is now. */
async function terminal(name: string): Promise<LineClient> {
  const t = await LineClient.join(stack.tcp.port, name);
  terminals.push(t);
  return t;
}

/** `who` says each line, and another terminal user hears the last one: all are stored (committed before sent). */
async function says(who: LineClient, ear: LineClient, name: string, lines: string[]): Promise<void> {
  who.write(lines.map((l) => `${l}\n`).join(''));
  await ear.next((l) => l === `${name}: ${lines.at(-1)}`);
}

/**
 * The chat server stops with `signal` while the page is in the chat; the
 * page is held back while, on the restarted server, `missed` lines are
 * said; then it rejoins while `after` more are said. Returns the page's
 * messages of that round.
 */
async function round(signal: NodeJS.Signals, tag: string, missed: number, after: number): Promise<string[]> {
  await stack.tcp.stop(signal);
  for (const t of terminals.splice(0)) t.close();
  await page.locator('.offline').waitFor();
  await holdWhileWaitingToRetry(page);

  await stack.restartTcp();
  const rui = await terminal('rui');
  const ear = await terminal('ear');
  await says(rui, ear, 'rui', numbered(`${tag} missed`, missed));

  await page.getByRole('button', { name: 'Retry now' }).click();
  await page.clock.resume();
  rui.write(numbered(`${tag} after`, after).map((l) => `${l}\n`).join(''));
  await message(page, `${tag} after ${after}`).waitFor({ timeout: 30_000 });
  return (await allMessageTexts(page)).filter((t) => t.startsWith(`${tag} `));
}

it('after a SIGKILL and a restart on the same database: the 1,000 lines said meanwhile, once each, in order', { timeout: 120_000 }, async () => {
  await page.goto(stack.gateway.url);
  await joinChat(page, 'pia');
  const rui = await terminal('rui');
  const ear = await terminal('ear');
  await says(rui, ear, 'rui', ['before the crash']);
  await message(page, 'before the crash').waitFor();
  await say(page, 'mine, before the crash');
  await ear.next((l) => l === 'pia: mine, before the crash');

  const texts = await round('SIGKILL', 'k', 1_000, 20);
  expect(texts).toEqual([...numbered('k missed', 1_000), ...numbered('k after', 20)]);
  // What the page had before the crash (its own line too, known by its +ack) is there once, not fetched again.
  const all = await allMessageTexts(page);
  expect(all.filter((t) => t === 'before the crash')).toHaveLength(1);
  expect(all.filter((t) => t === 'mine, before the crash')).toHaveLength(1);
});

it('after a SIGTERM and a restart: the same', { timeout: 120_000 }, async () => {
  const texts = await round('SIGTERM', 't', 300, 20);
  expect(texts).toEqual([...numbered('t missed', 300), ...numbered('t after', 20)]);
});

it('threw no errors', () => {
  expect(errors).toEqual([]);
});
