/**
 * Session resume through real Chromium, the real gateway and the real chat
 * server (issue 13, "Done when" (1)–(3)): a real TCP proxy between the
 * browser and the gateway is cut and restored, the page is reloaded, the
 * gateway is killed with SIGKILL and started again. Each time the page
 * resumes its session: the public and private lines a terminal user sent
 * meanwhile show once each, in order, and nobody sees it leave or join.
 * Also: a line shows "sending" until the server confirms it (in Portuguese
 * here), and a duplicated tab takes the session over while the first tab
 * starts afresh instead of fighting back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { LineClient } from '../helpers/line-client.ts';
import { type TcpProxy, startProxy } from '../helpers/tcp-proxy.ts';
import { awayLines, joinChat, messagesStartingWith, message, pageErrors, say, screenshot, useStack } from './fixture.ts';
import { holdWhileWaitingToRetry } from './hold-retry.ts';
import { Terminals, comingsAndGoings, saysAll, shownAs } from './terminals.ts';

// A grace well over a gateway restart on a loaded machine (the default is 30 s).
const stack = useStack({ CHAT_RESUME_GRACE_MS: '120000' });
const terminals = new Terminals();
let proxy: TcpProxy;
let page: Page;
let errors: string[] = [];
let rui: LineClient;
let ear: LineClient;

beforeAll(async () => {
  proxy = await startProxy(stack.gateway.port);
  ({ page, errors } = await stack.open({ locale: 'en-US', clock: true }));
});

afterAll(async () => {
  terminals.closeAll();
  await proxy.close();
});

/** The page's messages whose text starts with `prefix`, oldest first. */
const shown = (prefix: string) => messagesStartingWith(page, prefix);

describe('one page resuming its session', () => {
  it('(1) a cut between the browser and the gateway: what was said meanwhile shows once, in order, and nobody saw pia go', { timeout: 90_000 }, async () => {
    await page.goto(`http://127.0.0.1:${proxy.port}`);
    await joinChat(page, 'pia');
    rui = await terminals.join(stack.tcp.port, 'rui');
    ear = await terminals.join(stack.tcp.port, 'ear');
    await saysAll(rui, 'rui', ear, ['before the cut']);
    await message(page, 'before the cut').waitFor();

    proxy.cut();
    await page.locator('.offline').waitFor();
    const lines = awayLines('cut');
    await saysAll(rui, 'rui', ear, lines);
    proxy.restore();

    await message(page, 'cut 5').waitFor({ timeout: 60_000 });
    await page.locator('.status.online').waitFor();
    expect(await shown('cut ')).toEqual(lines.map(shownAs));
    await page.locator('.system', { hasText: 'Reconnected. Nothing was missed.' }).waitFor();
    expect(rui.lines).not.toContain('Usuário pia não encontrado.');
    expect(comingsAndGoings(rui, 'pia')).toEqual([]);
    expect(comingsAndGoings(ear, 'pia')).toEqual([]);
  });

  it('(2) a reload resumes the same way', { timeout: 90_000 }, async () => {
    // Away first (the cut), so the lines are said between the old page and the reloaded one.
    proxy.cut();
    await page.locator('.offline').waitFor();
    await holdWhileWaitingToRetry(page); // the old page does not come back by itself before the reload
    const lines = awayLines('reload');
    await saysAll(rui, 'rui', ear, lines);
    proxy.restore();

    await page.reload();
    await page.clock.resume();
    await message(page, 'reload 5').waitFor({ timeout: 60_000 });
    await page.locator('.status.online').waitFor();
    expect(await page.locator('.whoami strong').textContent()).toBe('pia');
    expect(await shown('reload ')).toEqual(lines.map(shownAs));
    // The public past comes from the history (once, though the replay brought some of it too).
    expect(await shown('before the cut')).toEqual(['before the cut']);
    expect(await page.locator('#online li').allTextContents()).toEqual([
      expect.stringContaining('ear'),
      expect.stringContaining('pia'),
      expect.stringContaining('rui'),
    ]);
    expect(comingsAndGoings(rui, 'pia')).toEqual([]);
    expect(comingsAndGoings(ear, 'pia')).toEqual([]);
  });

  it('(3) the gateway killed with SIGKILL and started again: the page resumes, nobody sees a leave', { timeout: 120_000 }, async () => {
    await stack.gateway.stop('SIGKILL');
    await page.locator('.offline').waitFor();
    const lines = awayLines('gateway');
    await saysAll(rui, 'rui', ear, lines);
    await stack.restartGateway();

    await message(page, 'gateway 5').waitFor({ timeout: 90_000 });
    await page.locator('.status.online').waitFor();
    expect(await shown('gateway ')).toEqual(lines.map(shownAs));
    // And it goes on as before: what pia says reaches the room once.
    await say(page, 'back after the gateway restart');
    await ear.next((l) => l === 'pia: back after the gateway restart');
    expect(comingsAndGoings(rui, 'pia')).toEqual([]);
    expect(comingsAndGoings(ear, 'pia')).toEqual([]);
  });

  it('a duplicated tab takes the session over; the first tab starts afresh and does not fight back', { timeout: 90_000 }, async () => {
    // A duplicated tab gets a copy of sessionStorage: the token and the count.
    const copy = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage)));
    const twin = await page.context().newPage();
    await twin.addInitScript((entries) => {
      if (sessionStorage.length === 0) for (const [k, v] of JSON.parse(entries) as [string, string][]) sessionStorage.setItem(k, v);
    }, copy);
    await twin.goto(`http://127.0.0.1:${proxy.port}`);
    await twin.locator('.status.online').waitFor({ timeout: 30_000 });
    expect(await twin.locator('.whoami strong').textContent()).toBe('pia');

    // The first tab is told, comes back with its name (held by the twin), and waits at the prompt.
    await page.getByText('Your chat as pia goes on in another tab. Pick another name to chat here too.').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => sessionStorage.getItem('chat.session'))).toBeNull();
    await screenshot(page, '20-session-moved-prompt');
    await saysAll(rui, 'rui', ear, ['@pia for the twin', 'after the move']);
    await twin.locator('.list li.msg', { hasText: 'for the twin' }).waitFor();
    await twin.locator('.list li.msg', { hasText: 'after the move' }).waitFor();
    expect(await twin.locator('.status.online').count()).toBe(1);
    expect(await page.locator('#name').count()).toBe(1);
    expect(comingsAndGoings(rui, 'pia')).toEqual([]);
    await twin.close();
  });
});

describe('a line waits for its confirmation (pt)', () => {
  it('shows "enviando…" while the chat server has not confirmed it, and nothing once it has', { timeout: 60_000 }, async () => {
    const { page: ze, errors: zeErrors } = await stack.open({ locale: 'pt-BR' });
    await ze.goto(stack.gateway.url);
    await joinChat(ze, 'ze');
    const pid = stack.tcp.proc.pid!;
    process.kill(pid, 'SIGSTOP'); // the chat server takes the line only when it runs again
    try {
      await say(ze, 'esperando o servidor');
      const row = message(ze, 'esperando o servidor');
      await row.locator('.state', { hasText: 'enviando…' }).waitFor();
      expect(await row.locator('.state svg').count()).toBe(1); // an icon and words, not a colour alone
      await screenshot(ze, '21-sending-pt');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await message(ze, 'esperando o servidor').locator('.state').waitFor({ state: 'detached', timeout: 30_000 });
    await ear.next((l) => l === 'ze: esperando o servidor');
    expect(zeErrors).toEqual([]);
  });
});

it('threw no errors (the browser says when a socket could not open: the link was cut), and nobody saw pia leave or join', () => {
  expect(pageErrors(errors)).toEqual([]);
  expect(comingsAndGoings(ear, 'pia')).toEqual([]);
});
