/**
 * What the page sends arrives exactly once, across a chat-server crash
 * (issue 13, "Done when" (4)): the server runs on a real SQLite file in a
 * temporary folder, is killed with SIGKILL and started again on it, and each
 * of 200 lines typed on the page is in the history once, in order. Also when
 * the page lost its link just before the kill, so that lines the server had
 * accepted were never confirmed: the page sends them again, with their
 * labels, and the restarted server recognises them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { LineClient } from '../helpers/line-client.ts';
import { type TcpProxy, startProxy } from '../helpers/tcp-proxy.ts';
import { allMessageTexts, joinChat, message, pageErrors, say, useStack } from './fixture.ts';
import { Terminals } from './terminals.ts';

const dir = mkdtempSync(join(tmpdir(), 'chat-resume-e2e-'));
// The default flood limit (20 lines/s after 40): 200 lines take the server seconds, a window for the kill.
const stack = useStack({ CHAT_DB: join(dir, 'chat.db') });
const terminals = new Terminals();
let proxy: TcpProxy;

beforeAll(async () => {
  proxy = await startProxy(stack.gateway.port);
});

afterAll(async () => {
  terminals.closeAll();
  await proxy.close();
  rmSync(dir, { recursive: true, force: true });
});

const numbered = (prefix: string, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `${prefix} ${from + i}`);

let readers = 0;
/** Every stored public line, oldest first, as `name: text`: read with `/since`, page by page. */
async function storedLines(): Promise<string[]> {
  const c = await LineClient.joinWithIds(stack.tcp.port, `reader${++readers}`);
  try {
    const out: string[] = [];
    let after = 0;
    for (;;) {
      c.send(`/since ${after}`);
      for (;;) {
        const l = await c.next((l) => l.startsWith('+hist'));
        const m = /^\+hist (\d+) \d+ (.*)$/u.exec(l);
        if (m) {
          after = Number(m[1]);
          out.push(m[2]!);
        } else if (l === '+hist-end done') return out;
        else break; // +hist-end more
      }
    }
  } finally {
    c.close();
  }
}

/** Lines are confirmed in the order sent: when the last one is, all are. */
async function confirmed(page: Page, last: string): Promise<void> {
  await message(page, last).waitFor({ timeout: 120_000 });
  await message(page, last).locator('.state').waitFor({ state: 'detached', timeout: 120_000 });
}

it('(4) 200 lines typed while the chat server is killed and restarted: each stored once, in order', { timeout: 240_000 }, async () => {
  const { page, errors } = await stack.open({ locale: 'en-US' });
  await page.goto(stack.gateway.url);
  await joinChat(page, 'pia');
  const lines = numbered('typed', 1, 200);
  for (const l of lines.slice(0, 70)) await say(page, l);
  await stack.tcp.stop('SIGKILL');
  for (const l of lines.slice(70, 140)) await say(page, l);
  await stack.restartTcp();
  for (const l of lines.slice(140)) await say(page, l);
  await confirmed(page, 'typed 200');

  expect((await storedLines()).filter((l) => l.startsWith('pia: typed '))).toEqual(lines.map((l) => `pia: ${l}`));
  expect((await allMessageTexts(page)).filter((t) => t.startsWith('typed '))).toEqual(lines);
  expect(pageErrors(errors)).toEqual([]);
  await page.context().close();
});

it('(4) …also when the page was cut off just before the kill, so lines the server took were never confirmed', { timeout: 240_000 }, async () => {
  const { page, errors } = await stack.open({ locale: 'en-US' });
  await page.goto(`http://127.0.0.1:${proxy.port}`);
  await joinChat(page, 'bia');
  const ear = await terminals.join(stack.tcp.port, 'ear');

  // 200 lines typed offline go out together when the page is back: the server takes them 20 a second.
  proxy.cut();
  await page.locator('.offline').waitFor();
  const lines = numbered('cut', 1, 200);
  for (const l of lines) await say(page, l);
  proxy.restore();
  await ear.next((l) => l === 'bia: cut 60');

  // Freeze the gateway (the server's confirmations stop there), then cut the page off.
  const gateway = stack.gateway.proc.pid!;
  process.kill(gateway, 'SIGSTOP');
  try {
    proxy.cut();
    await page.locator('.offline').waitFor();
    const unconfirmed = await page.evaluate(() => JSON.parse(sessionStorage.getItem('chat.pending') ?? '[]') as { line: string }[]);
    expect(unconfirmed.length).toBeGreaterThan(0);
    // The server takes the first unconfirmed line: accepted, stored, and never confirmed to the page.
    const taken = `bia: ${unconfirmed[0]!.line}`;
    if (!ear.lines.includes(taken)) await ear.next((l) => l === taken); // (the page's confirmations lag behind the room)
    await stack.tcp.stop('SIGKILL');
  } finally {
    process.kill(gateway, 'SIGCONT');
  }
  ear.close();
  await stack.restartTcp();
  proxy.restore();
  await confirmed(page, 'cut 200');

  expect((await storedLines()).filter((l) => l.startsWith('bia: cut '))).toEqual(lines.map((l) => `bia: ${l}`));
  expect((await allMessageTexts(page)).filter((t) => t.startsWith('cut '))).toEqual(lines);
  expect(pageErrors(errors)).toEqual([]);
});
