/**
 * Coming back after a restart when someone took my name meanwhile: the page
 * asks for another one, keeps what I typed offline, and sends it after I join.
 * Also: the last name used is offered again on the next visit.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  type GatewayProcess,
  type TcpServerProcess,
  killAll,
  startGateway,
  startTcpServer,
} from '../helpers/processes.ts';
import { type Netcat, joinChat, launchChromium, message, netcat, requireBuiltPage, screenshot } from './support.ts';

let tcp: TcpServerProcess;
let gateway: GatewayProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const netcats: Netcat[] = [];

beforeAll(async () => {
  requireBuiltPage();
  tcp = await startTcpServer();
  gateway = await startGateway({ chatPort: tcp.port });
  browser = await launchChromium();
  context = await browser.newContext({ locale: 'en-GB' });
  await context.clock.install();
  page = await context.newPage();
});

afterAll(async () => {
  for (const n of netcats) n.kill();
  await browser?.close();
  await gateway?.stop();
  await tcp?.stop();
  killAll();
});

it('asks for another name when mine was taken while offline, then delivers what waited', async () => {
  await page.goto(gateway.url);
  await joinChat(page, 'kim');

  const port = tcp.port;
  await tcp.stop();
  await page.locator('.offline').waitFor();
  await page.clock.pauseAt(Date.now() + 60_000); // hold the page's retries while the name is taken
  await page.locator('#composer').fill('kept for later');
  await page.locator('#composer').press('Enter');
  await message(page, 'kept for later').locator('.state', { hasText: 'waiting to send' }).waitFor();

  tcp = await startTcpServer({ CHAT_PORT: String(port) });
  const thief = netcat(tcp.port);
  netcats.push(thief);
  await thief.sees('Digite seu nome:\n');
  thief.type('KIM');
  await thief.sees('Bem-vindo, KIM!');

  await page.clock.resume();
  await page.getByText('Someone took the name kim while you were away. Pick another.').waitFor({ timeout: 20_000 });
  await page.getByText('Waiting to send: 1').waitFor();
  await screenshot(page, '10-name-taken-on-rejoin');
  await joinChat(page, 'kim2');
  await thief.sees('kim2 entrou no chat!\n');
  await thief.sees('kim2: kept for later\n');
  await message(page, 'kept for later').locator('.state').waitFor({ state: 'detached' });
  expect(await page.locator('.whoami strong').textContent()).toBe('kim2');
});

it('offers the last name used on the next visit', async () => {
  await page.reload();
  await page.locator('#name').waitFor();
  expect(await page.locator('#name').inputValue()).toBe('kim2');
});
