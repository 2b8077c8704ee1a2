/**
 * The pieces of the history timings that need no server: the lines stored
 * before timing, and the quantiles of a small sample. (bench.test.ts runs the
 * real thing against a real server.)
 */
import { describe, expect, it } from 'vitest';
import { chatText } from '../../bench/chat-text.ts';
import { WARMUP, latency } from '../../bench/history-requests.ts';
import { nameProblem, parseClientLine } from '../../protocol/index.ts';

describe('chatText', () => {
  it('gives the same line for the same number, every line different, of chat length', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => chatText(i));
    expect(chatText(1234)).toBe(lines[1234]);
    expect(new Set(lines).size).toBe(lines.length);
    const lengths = lines.map((l) => l.length);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(12);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(150);
    // Some lines hold multi-byte characters, as Portuguese chat does.
    expect(lines.some((l) => Buffer.byteLength(l) > l.length)).toBe(true);
  });

  it('gives public lines: never a command or a private line', () => {
    for (let i = 0; i < 500; i++) expect(parseClientLine(chatText(i)).type).toBe('public');
    expect(nameProblem('bench-filler')).toBeNull();
  });
});

describe('latency', () => {
  it('leaves out the warm-up but reports the very first request, and gives exact quantiles of the rest', () => {
    const times = [50, ...Array.from({ length: WARMUP - 1 }, () => 20), ...Array.from({ length: 100 }, (_, i) => i + 1)];
    expect(latency(times, WARMUP)).toEqual({ requests: 100, p50Ms: 50, p99Ms: 99, maxMs: 100, meanMs: 50.5, firstMs: 50 });
  });

  it('takes the largest as p99 of fewer than 100', () => {
    expect(latency([9, 1, 2, 3], 1)).toMatchObject({ requests: 3, p50Ms: 2, p99Ms: 3, maxMs: 3, firstMs: 9 });
  });
});
