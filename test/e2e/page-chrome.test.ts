/**
 * The page's own chrome on phones and desktops, in both languages: no emoji
 * (they show as empty boxes where no emoji font is installed), a header that
 * stays on one line at 320 px and up even while reconnecting, a composer
 * placeholder that is not cut off, and avatar colours that differ for people
 * online together.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { type Netcat, joinChat, message, say, screenshot, useStack } from './fixture.ts';

const stack = useStack();

interface Viewer {
  label: string;
  locale: string;
  width: number;
  name: string;
  page?: Page;
  errors?: string[];
}

const viewers: Viewer[] = [
  { label: 'en-320', locale: 'en-US', width: 320, name: 'ana' },
  { label: 'pt-320', locale: 'pt-BR', width: 320, name: 'bia' },
  { label: 'en-390', locale: 'en-US', width: 390, name: 'cid' },
  { label: 'pt-390', locale: 'pt-BR', width: 390, name: 'dora' },
];

/** Every emoji-like character the page itself shows: text, pseudo-elements, and attributes a user meets. */
function pictographs(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const re = /\p{Extended_Pictographic}/u;
    const found: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if (re.test(n.textContent ?? '')) found.push(n.textContent!);
    for (const el of document.querySelectorAll('*')) {
      for (const pseudo of ['::before', '::after']) {
        const content = getComputedStyle(el, pseudo).content;
        if (re.test(content)) found.push(`${pseudo} ${content}`);
      }
      for (const attr of ['placeholder', 'aria-label', 'title', 'alt', 'value']) {
        const v = el.getAttribute(attr);
        if (v && re.test(v)) found.push(`[${attr}] ${v}`);
      }
    }
    if (re.test(document.title)) found.push(document.title);
    return found;
  });
}

/**
 * Measured at an instant when the header says "reconnecting": whether each
 * item of the header is on one line (no text wraps inside it), all sit on
 * the same row, and all are inside the screen.
 */
function headerWhileReconnecting(page: Page) {
  return page
    .waitForFunction(() => {
      if (!document.querySelector('.status.reconnecting')) return null;
      const header = document.querySelector('header.top')!;
      const items = [...header.querySelectorAll<HTMLElement>('.brand, .status, .actions > button')].filter(
        (el) => el.getClientRects().length > 0,
      );
      const rows = new Set<number>();
      const wrapped: string[] = [];
      const outside: string[] = [];
      for (const el of items) {
        const r = el.getBoundingClientRect();
        rows.add(Math.round(r.top + r.height / 2));
        if (r.left < 0 || r.right > window.innerWidth) outside.push(el.className);
        // A text that wraps has line boxes at more than one height (text hidden for screen readers aside).
        const texts = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = texts.nextNode(); n; n = texts.nextNode()) {
          const range = document.createRange();
          range.selectNodeContents(n);
          const tops = new Set([...range.getClientRects()].filter((q) => q.width > 1).map((q) => Math.round(q.top)));
          if (tops.size > 1) wrapped.push(`${el.className}: ${n.textContent}`);
        }
      }
      return {
        items: items.map((el) => el.className),
        rows: [...rows],
        wrapped,
        outside,
        overflow: header.scrollWidth > header.clientWidth,
        status: header.querySelector('.status')!.textContent!.trim(),
        banner: document.querySelector('.offline')?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      };
    })
    .then(async (handle) => (await handle.jsonValue())!);
}

/** Whether the composer's placeholder fits its box, measured in the input's own font. */
function placeholderFits(page: Page) {
  return page.locator('#composer').evaluate((input: HTMLInputElement) => {
    const style = getComputedStyle(input);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = style.font;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return { placeholder: input.placeholder, width: ctx.measureText(input.placeholder).width, room };
  });
}

describe('on phones and desktops, in English and Portuguese', () => {
  let nina: Netcat;

  beforeAll(async () => {
    for (const v of viewers) {
      const opened = await stack.open({ locale: v.locale, viewport: { width: v.width, height: 700 }, isMobile: true, hasTouch: true });
      v.page = opened.page;
      v.errors = opened.errors;
    }
  });

  it('the name prompt shows no emoji', async () => {
    for (const v of viewers) {
      await v.page!.goto(stack.gateway.url);
      await v.page!.locator('#name').waitFor();
      expect(await pictographs(v.page!), v.label).toEqual([]);
    }
  });

  it('in the chat: no emoji, the composer placeholder fits, and people online together have different colours', async () => {
    for (const v of viewers) await joinChat(v.page!, v.name);
    nina = await stack.terminalUser('nina');
    nina.type('hello from the terminal');
    for (const v of viewers) {
      const page = v.page!;
      await message(page, 'hello from the terminal').waitFor();
      await say(page, `@nina private from ${v.name}`);
      await message(page, `private from ${v.name}`).waitFor();
      expect(await pictographs(page), v.label).toEqual([]);
      const fit = await placeholderFits(page);
      expect(fit.width, `${v.label}: "${fit.placeholder}"`).toBeLessThanOrEqual(fit.room);
    }
    // Five people online (four pages and nina): five different avatar colours on each page.
    const page = viewers[2]!.page!;
    await page.locator('.users-toggle').click();
    const colours = await page.locator('#online .avatar').evaluateAll((els) => els.map((el) => getComputedStyle(el).backgroundColor));
    expect(colours).toHaveLength(5);
    expect(new Set(colours).size).toBe(5);
    await page.getByRole('button', { name: 'Close' }).click();
  });

  it('while reconnecting, the header stays on one line and the countdown is in the banner below it', async () => {
    await stack.stopTcp();
    for (const v of viewers) {
      const h = await headerWhileReconnecting(v.page!);
      expect(h.items, v.label).toEqual(expect.arrayContaining([expect.stringContaining('brand'), expect.stringContaining('status'), expect.stringContaining('users-toggle')]));
      expect(h.rows, `${v.label}: items on different rows`).toHaveLength(1);
      expect(h.wrapped, `${v.label}: text wrapped`).toEqual([]);
      expect(h.outside, `${v.label}: off screen`).toEqual([]);
      expect(h.overflow, v.label).toBe(false);
      expect(h.status).toBe(v.locale === 'en-US' ? 'Reconnecting…' : 'Reconectando…');
      expect(h.banner).toMatch(v.locale === 'en-US' ? /Retrying in \d+ s/ : /Nova tentativa em \d+ s/);
      expect(await pictographs(v.page!), v.label).toEqual([]);
      await screenshot(v.page!, `11-reconnecting-${v.label}`);
    }
  });

  it('threw no errors', () => {
    for (const v of viewers) expect(v.errors, v.label).toEqual([]);
  });
});
