/**
 * What the end-to-end tests drive: Debian's real Chromium (through
 * playwright-core, no browser download) and real `nc` processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { REPO } from '../helpers/processes.ts';

export const ARTIFACTS = join(REPO, 'test-artifacts');

/** The gateway serves dist/; `npm test` builds it before Vitest runs. */
export function requireBuiltPage(): void {
  if (!existsSync(join(REPO, 'dist', 'index.html'))) {
    throw new Error('dist/index.html is missing: run `npm run build` first (npm test does).');
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Collects errors the page throws, so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  return errors;
}

export interface Netcat {
  proc: ChildProcess;
  readonly screen: string;
  type(line: string): void;
  /** Waits until the terminal shows `text`. */
  sees(text: string): Promise<void>;
  kill(): void;
}

/** One person at a terminal running `nc 127.0.0.1 PORT`. */
export function netcat(port: number): Netcat {
  const proc = spawn('nc', ['127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'ignore'] });
  proc.stdin!.on('error', () => {}); // EPIPE once nc is gone
  let screen = '';
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    screen += d;
    wake();
  });
  proc.on('exit', wake);
  return {
    proc,
    get screen() {
      return screen;
    },
    type(line) {
      proc.stdin!.write(line + '\n');
    },
    async sees(text) {
      while (!screen.includes(text)) {
        if (proc.exitCode !== null || proc.signalCode !== null) {
          throw new Error(`nc exited before showing ${JSON.stringify(text)}; screen:\n${screen}`);
        }
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    // openbsd nc does not exit when its input ends, so the test ends it.
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** Joins the chat from the name prompt and waits until the page shows it is connected. */
export async function joinChat(page: Page, name: string): Promise<void> {
  await page.locator('#name').fill(name);
  await page.locator('form.prompt button[type=submit]').click();
  await page.locator('.status[data-state="online"]').waitFor();
}

/** The list item showing a message with this text. */
export function message(page: Page, text: string) {
  return page.locator('.list li.msg', { hasText: text });
}
