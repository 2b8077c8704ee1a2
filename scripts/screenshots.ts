/**
 * `npm run screenshots`: pictures of the page for docs/screenshots/, taken
 * from the real thing. Starts a chat server and a gateway on ephemeral
 * loopback ports (as the e2e tests do), lets two terminal users and four
 * browser pages chat (the terminal users start before the pages join, so
 * each page shows that as the recent past), and photographs each page at
 * 1280 px and 390 px wide, in English and Portuguese, connected and then
 * reconnecting (the chat server stopped with SIGTERM, as a service manager
 * would).
 *
 * Chromium runs with every emoji font refused, as on a machine without one
 * (Debian without fonts-noto-color-emoji): any emoji the page drew would
 * show as an empty box.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page, chromium } from 'playwright-core';
import { holdWhileWaitingToRetry } from '../test/e2e/hold-retry.ts';
import { LineClient } from '../test/helpers/line-client.ts';
import { REPO, killAll, startGateway, startTcpServer } from '../test/helpers/processes.ts';

const OUT = join(REPO, 'docs', 'screenshots');
/** Longest wait for anything the page should show. */
const TIMEOUT_MS = 20_000;

interface Shot {
  lang: 'en' | 'pt';
  width: 1280 | 390;
  name: string;
  page?: Page;
}

const shots: Shot[] = [
  { lang: 'en', width: 1280, name: 'ana' },
  { lang: 'en', width: 390, name: 'ben' },
  { lang: 'pt', width: 1280, name: 'carla' },
  { lang: 'pt', width: 390, name: 'davi' },
];

/** The system's font configuration with every emoji font refused. */
function fontConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-fonts-'));
  const file = join(dir, 'fonts.conf');
  writeFileSync(
    file,
    `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><glob>*Emoji*</glob><glob>*emoji*</glob></rejectfont></selectfont>
  <cachedir>${dir}/cache</cachedir>
</fontconfig>
`,
  );
  return file;
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const fonts = fontConfig();
  const tcp = await startTcpServer();
  const gateway = await startGateway({ chatPort: tcp.port });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    env: { ...process.env, FONTCONFIG_FILE: fonts },
  });
  const terminals: LineClient[] = [];
  try {
    const nina = await LineClient.join(tcp.port, 'nina');
    const otto = await LineClient.join(tcp.port, 'otto');
    terminals.push(nina, otto);
    // Said before the pages join: each page shows it as the room's recent past, above "earlier messages".
    nina.send('Good morning! Notes from yesterday: https://example.com/notes');
    otto.send('Thanks, reading them now');
    await nina.next((l) => l === 'otto: Thanks, reading them now');

    for (const shot of shots) {
      const context = await browser.newContext({
        locale: shot.lang === 'pt' ? 'pt-BR' : 'en-US',
        colorScheme: shot.lang === 'pt' ? 'dark' : 'light',
        viewport: { width: shot.width, height: shot.width === 390 ? 844 : 800 },
        isMobile: shot.width === 390,
        hasTouch: shot.width === 390,
      });
      // A controllable clock: the reconnecting pictures are taken with the retry timer held.
      await context.clock.install();
      const page = await context.newPage();
      page.setDefaultTimeout(TIMEOUT_MS);
      await page.goto(gateway.url);
      await page.locator('#name').fill(shot.name);
      await page.locator('form.prompt button[type=submit]').click();
      await page.locator('.status.online').waitFor();
      await page.locator('.divider').waitFor();
      shot.page = page;
    }

    for (const shot of shots) nina.send(`@${shot.name} lunch at noon?`);
    otto.send(`standup in 5 minutes, @${shots.map((s) => s.name).join(' @')}`);
    for (const shot of shots) {
      await shot.page!.locator('.list li.msg', { hasText: 'standup in 5 minutes' }).waitFor();
      await shot.page!.locator('#composer').fill(shot.lang === 'pt' ? 'Bom dia! Já vou.' : 'Morning! On my way.');
      await shot.page!.locator('#composer').press('Enter');
    }
    await otto.next((l) => l.startsWith(`${shots.at(-1)!.name}: `));
    for (const shot of shots) {
      await shot.page!.locator('.list li.msg.own', { hasText: shot.lang === 'pt' ? 'Bom dia' : 'Morning' }).waitFor();
      await shot.page!.screenshot({ path: join(OUT, `${shot.lang}-${shot.width}-connected.png`) });
    }

    await tcp.stop('SIGTERM');
    for (const shot of shots) {
      await shot.page!.locator('.status.reconnecting').waitFor();
      await holdWhileWaitingToRetry(shot.page!);
      await shot.page!.screenshot({ path: join(OUT, `${shot.lang}-${shot.width}-reconnecting.png`) });
      await shot.page!.clock.resume();
    }
    process.stdout.write(`screenshots: ${shots.length * 2} files in ${OUT}\n`);
  } finally {
    for (const t of terminals) t.socket.destroy();
    await browser.close();
    await gateway.stop();
    await tcp.stop();
    killAll();
    rmSync(join(fonts, '..'), { recursive: true, force: true });
  }
}

await main();
