/**
 * Holding a page at the moment it waits to retry: its clock (installed by
 * the test or script) is paused while the countdown shows, so a picture or
 * a click happens in that state and not during an attempt. Resume the clock
 * afterwards: the page's timers (the retry, the line batching) wait on it.
 */
import type { Page } from 'playwright-core';

export async function holdWhileWaitingToRetry(page: Page): Promise<void> {
  for (;;) {
    await page.locator('.retry').waitFor();
    // A little ahead of the page's time (which runs on meanwhile); if a retry fell due in between, try again.
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 100);
    if ((await page.locator('.retry').count()) > 0) return;
    await page.clock.resume();
  }
}
