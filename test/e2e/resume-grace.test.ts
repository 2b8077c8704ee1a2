/**
 * A cut longer than the grace (issue 13, "Done when" (5)): the chat server
 * ends the session (one normal leave), the page's `/resume` is answered
 * `+resume-failed unknown`, and it rejoins with its name (one clean join),
 * fills the public lines it missed from the history, and says that private
 * lines sent meanwhile may be lost.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { type TcpProxy, startProxy } from '../helpers/tcp-proxy.ts';
import { allMessageTexts, joinChat, message, pageErrors, useStack } from './fixture.ts';
import { Terminals, comingsAndGoings, saysAll } from './terminals.ts';

/** Short, so the test waits little; the leave it causes is what the test waits on. */
const GRACE_MS = 1500;
const stack = useStack({ CHAT_RESUME_GRACE_MS: String(GRACE_MS) });
const terminals = new Terminals();
let proxy: TcpProxy;
let page: Page;
let errors: string[] = [];

beforeAll(async () => {
  proxy = await startProxy(stack.gateway.port);
  ({ page, errors } = await stack.open({ locale: 'en-US' }));
});

afterAll(async () => {
  terminals.closeAll();
  await proxy.close();
});

it('(5) one normal leave, one clean rejoin, the missed public lines from the history, and a word about private ones', { timeout: 90_000 }, async () => {
  await page.goto(`http://127.0.0.1:${proxy.port}`);
  await joinChat(page, 'pia');
  const rui = await terminals.join(stack.tcp.port, 'rui');
  const ear = await terminals.join(stack.tcp.port, 'ear');
  await saysAll(rui, 'rui', ear, ['before the cut']);
  await message(page, 'before the cut').waitFor();

  proxy.cut();
  await ear.next((l) => l === 'pia saiu do chat.'); // the grace is over
  await saysAll(rui, 'rui', ear, ['missed 1', '@pia lost in the gap', 'missed 2']);
  expect(rui.lines).toContain('Usuário pia não encontrado.');
  proxy.restore();

  await ear.next((l) => l === 'pia entrou no chat!');
  await message(page, 'missed 2').waitFor({ timeout: 60_000 });
  await page.locator('.system', { hasText: 'Reconnected. Private messages sent to you while you were away may be lost.' }).waitFor();
  const texts = await allMessageTexts(page);
  expect(texts.filter((t) => t.startsWith('missed ') || t === 'before the cut')).toEqual(['before the cut', 'missed 1', 'missed 2']);

  // The page goes on in its new session: what it says arrives once.
  await page.locator('#composer').fill('here again');
  await page.locator('#composer').press('Enter');
  await ear.next((l) => l === 'pia: here again');
  expect(comingsAndGoings(ear, 'pia')).toEqual(['pia saiu do chat.', 'pia entrou no chat!']);
  expect(comingsAndGoings(rui, 'pia')).toEqual(['pia saiu do chat.', 'pia entrou no chat!']);
});

it('threw no errors', () => {
  expect(pageErrors(errors)).toEqual([]);
});
