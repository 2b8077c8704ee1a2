/**
 * The page's weight budget: all JS and CSS of the built page, gzip-compressed
 * as the gateway serves it (the build writes .gz twins), at most 36 KB.
 * It was 30 KB until the page learned history backfill and session resume
 * (issues 12 and 13): the protocol it parses grew with them.
 * `npm test` builds before Vitest runs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { REPO } from '../helpers/processes.ts';

/** Bytes of gzip for all the page's JS + CSS. */
const PAGE_BUDGET_BYTES = 36_000;

it('the built page (all JS + CSS) fits in 36 KB gzip', () => {
  const assets = join(REPO, 'dist', 'assets');
  expect(existsSync(assets), 'dist/ is missing: run `npm run build` first (npm test does)').toBe(true);
  const files = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f));
  expect(files.some((f) => f.endsWith('.js'))).toBe(true);
  expect(files.some((f) => f.endsWith('.css'))).toBe(true);
  let total = 0;
  for (const f of files) {
    const path = join(assets, f);
    expect(statSync(path).size).toBeGreaterThan(0);
    total += gzipSync(readFileSync(path), { level: 9 }).length;
  }
  expect(total).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
});
