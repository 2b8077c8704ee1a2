/**
 * Exactly once: repeats published again after a Redis outage are dropped by
 * (origin node, op number), and the filter's memory stays bounded.
 */
import { describe, expect, it } from 'vitest';
import { SeqFilter } from '../../../tcp-server/cluster/seq-filter.ts';

describe('SeqFilter', () => {
  it('delivers each number once per origin, and nothing at or below the last delivered', () => {
    const f = new SeqFilter(1000);
    expect([1, 2, 3].map((s) => f.accept('a', s))).toEqual([true, true, true]);
    // Published again after Redis came back: all repeats.
    expect([1, 2, 3].map((s) => f.accept('a', s))).toEqual([false, false, false]);
    // Another origin counts apart.
    expect(f.accept('b', 1)).toBe(true);
    // What Redis never had comes after the repeats, and is new.
    expect(f.accept('a', 4)).toBe(true);
    expect(f.lastOf('a')).toBe(4);
  });

  it('accepts gaps (a claim given up while Redis was away never comes)', () => {
    const f = new SeqFilter(1000);
    expect(f.accept('a', 1)).toBe(true);
    expect(f.accept('a', 3)).toBe(true);
    expect(f.accept('a', 2)).toBe(false);
  });

  it('starts a late node where the room is', () => {
    const f = new SeqFilter(1000);
    f.seed('a', 10);
    expect(f.accept('a', 10)).toBe(false);
    expect(f.accept('a', 11)).toBe(true);
    f.seed('a', 5); // never backwards
    expect(f.lastOf('a')).toBe(11);
  });

  it('forgets an origin some time after it is gone, not before', () => {
    const f = new SeqFilter(1000);
    f.accept('a', 5);
    f.accept('b', 1);
    f.markGone('a', 10_000);
    f.prune(10_999);
    expect(f.lastOf('a')).toBe(5);
    f.prune(11_000);
    expect(f.lastOf('a')).toBe(0);
    expect(f.size).toBe(1);
  });

  it('keeps an origin that speaks again after it was taken for gone', () => {
    const f = new SeqFilter(1000);
    f.accept('a', 5);
    f.markGone('a', 0);
    expect(f.accept('a', 5)).toBe(false);
    expect(f.accept('a', 6)).toBe(true);
    f.prune(5000);
    expect(f.lastOf('a')).toBe(6);
  });
});
