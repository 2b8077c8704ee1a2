/**
 * Reading Prometheus' text format in tests: every sample by its series
 * (`name{label="value"}`), and every metric's declared type.
 */
import { expect } from 'vitest';

export interface Scrape {
  samples: Map<string, number>;
  /** Metric name → `counter`, `gauge`, … from the `# TYPE` lines. */
  types: Map<string, string>;
  text: string;
}

export function parseExposition(text: string): Scrape {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { samples, types, text };
}

/** GET `url` (a /metrics endpoint): 200, Prometheus' text format, parsed. */
export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

/** Scrapes until `done` holds (a state that changes on its own, e.g. Redis reconnecting), for at most `timeoutMs`. */
export async function scrapeUntil(url: string, done: (s: Scrape) => boolean, what: string, timeoutMs = 20_000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await scrape(url);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last scrape:\n${s.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
