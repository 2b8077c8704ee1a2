/**
 * Builds the page (web/) into dist/, which the gateway serves, and configures
 * Vitest for every test under test/.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { precompress } from './scripts/precompress.ts';

const repo = fileURLToPath(new URL('.', import.meta.url));
/** Where `npm run dev` forwards /ws: a running gateway. */
const devGateway = process.env.DEV_GATEWAY ?? 'http://localhost:8080';

export default defineConfig({
  root: `${repo}web`,
  plugins: [svelte({ compilerOptions: { discloseVersion: false } }), precompress(`${repo}dist`)],
  build: {
    outDir: `${repo}dist`,
    emptyOutDir: true,
    // One entry chunk and no lazy imports: the preload polyfill would be dead weight in the budget.
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { '/ws': { target: devGateway, ws: true } },
  },
  test: {
    root: repo,
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
