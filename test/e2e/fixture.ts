/**
 * What every end-to-end scenario stands on: the real TCP server and gateway
 * on ephemeral loopback ports, Debian's real Chromium (through playwright-core,
 * no browser download), real `nc` users, and the page helpers the scenarios
 * share. `useStack()` starts all of it before a file's tests and stops all of
 * it after them, so a test file holds only its scenario.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type Browser, type BrowserContextOptions, type Page, chromium } from 'playwright-core';
import { type Netcat, killNetcats, netcat } from '../helpers/netcat.ts';
import {
  type GatewayProcess,
  type TcpServerProcess,
  REPO,
  killAll,
  startGateway,
  startTcpServer,
} from '../helpers/processes.ts';

export type { Netcat };

export const ARTIFACTS = join(REPO, 'test-artifacts');

/** Flags Chromium needs here: running as root, and a closed network (no background requests). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface PageOptions extends BrowserContextOptions {
  /** Installs a controllable clock, so a test can hold the page's reconnect timers. */
  clock?: boolean;
}

export interface OpenedPage {
  page: Page;
  /** Errors the page threw or logged, for a test to assert there were none. */
  errors: string[];
}

export interface Stack {
  readonly tcp: TcpServerProcess;
  readonly gateway: GatewayProcess;
  /** A new page in its own browser context (own storage, locale, viewport). */
  open(options?: PageOptions): Promise<OpenedPage>;
  /** Someone at a terminal, connected but not yet named. */
  nc(): Netcat;
  /** A terminal user who has joined the chat as `name`. */
  terminalUser(name: string): Promise<Netcat>;
  /** Stops the chat server (the gateway stays up and answers 1013). */
  stopTcp(): Promise<void>;
  /** Starts the chat server again on the port it had. */
  restartTcp(): Promise<TcpServerProcess>;
  /** Starts the gateway again on the port it had (after `gateway.stop(…)`), in front of the same chat server. */
  restartGateway(): Promise<GatewayProcess>;
}

/** Starts the stack for the calling test file; `tcpEnv` configures the chat server, `gatewayEnv` the gateway. */
export function useStack(tcpEnv: Record<string, string> = {}, gatewayEnv: Record<string, string> = {}): Stack {
  let tcp: TcpServerProcess | undefined;
  let gateway: GatewayProcess | undefined;
  let browser: Browser | undefined;
  let port = 0;

  beforeAll(async () => {
    // The gateway serves dist/; `npm test` builds it before Vitest runs.
    if (!existsSync(join(REPO, 'dist', 'index.html'))) {
      throw new Error('dist/index.html is missing: run `npm run build` first (npm test does).');
    }
    tcp = await startTcpServer(tcpEnv);
    port = tcp.port;
    gateway = await startGateway({ chatPort: port, env: gatewayEnv });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    killNetcats();
    await browser?.close();
    await gateway?.stop();
    await tcp?.stop();
    killAll();
  });

  const stack: Stack = {
    get tcp() {
      return tcp!;
    },
    get gateway() {
      return gateway!;
    },
    async open({ clock, ...options } = {}) {
      const context = await browser!.newContext(options);
      if (clock) await context.clock.install();
      const page = await context.newPage();
      return { page, errors: watchErrors(page) };
    },
    nc: () => netcat(port),
    async terminalUser(name) {
      const n = netcat(port);
      await n.sees('Digite seu nome:\n');
      n.type(name);
      await n.sees(`Bem-vindo, ${name}!`);
      return n;
    },
    async stopTcp() {
      await tcp!.stop();
    },
    async restartTcp() {
      tcp = await startTcpServer({ ...tcpEnv, CHAT_PORT: String(port) });
      return tcp;
    },
    async restartGateway() {
      gateway = await startGateway({ chatPort: port, env: { ...gatewayEnv, HTTP_PORT: String(gateway!.port) } });
      return gateway;
    },
  };
  return stack;
}

export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  return errors;
}

/**
 * The errors a test asserts there were none of: the browser's own log line
 * for a socket that could not open is left out (it is expected while a
 * test keeps the gateway away, and the page handles it).
 */
export function pageErrors(errors: readonly string[]): string[] {
  return errors.filter((e) => !/^WebSocket connection to '\S+' failed/u.test(e));
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Joins the chat from the name prompt and waits until the page shows it is connected. */
export async function joinChat(page: Page, name: string): Promise<void> {
  await page.locator('#name').fill(name);
  await page.locator('form.prompt button[type=submit]').click();
  await page.locator('.status.online').waitFor();
}

/** The list item showing a message with this text. */
export function message(page: Page, text: string) {
  return page.locator('.list li.msg', { hasText: text });
}

/** Types a line in the composer and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  await page.locator('#composer').fill(text);
  await page.locator('#composer').press('Enter');
}

/**
 * Every message text the list holds, oldest first, as a user reads them:
 * scrolled to the top, "Show earlier messages" until there is none. Then
 * back at the bottom, following the newest again.
 */
/** The page's messages whose text starts with `prefix`, oldest first (all of them: see allMessageTexts). */
export async function messagesStartingWith(page: Page, prefix: string): Promise<string[]> {
  return (await allMessageTexts(page)).filter((t) => t.startsWith(prefix));
}

/**
 * What a terminal user says while a page is away, in the resume tests: public
 * lines and private ones to pia, interleaved, a public one last (so its
 * arrival means the private ones before it were delivered too).
 */
export const awayLines = (tag: string) => [`${tag} 1`, `@pia ${tag} 2 (private)`, `${tag} 3`, `@pia ${tag} 4 (private)`, `${tag} 5`];

export async function allMessageTexts(page: Page): Promise<string[]> {
  const earlier = page.locator('button.earlier');
  const rows = page.locator('.list > li');
  for (;;) {
    await page.locator('.scroller').evaluate((el) => el.scrollTo(0, 0));
    if ((await earlier.count()) === 0) break;
    const before = await rows.count();
    await earlier.click();
    await page.waitForFunction((n) => document.querySelectorAll('.list > li').length > n, before);
  }
  const texts = await page.locator('.list li.msg .text').allTextContents();
  await page.locator('.scroller').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  if ((await page.locator('button.jump').count()) > 0) await page.locator('button.jump').click();
  return texts;
}
