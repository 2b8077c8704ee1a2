/**
 * Labels kept in memory (CHAT_HISTORY=off, and a SQLite store's pending turn).
 */
import { describe, expect, it } from 'vitest';
import { LabelMemory } from '../../../tcp-server/history/label-memory.ts';

describe('labels in memory', () => {
  it('finds a remembered label with the answer it got', () => {
    const memory = new LabelMemory(10);
    memory.remember({ label: 'a1', id: 42, time: 1000 });
    memory.remember({ label: 'p1', id: null, time: 2000 });
    expect(memory.find('a1')).toEqual({ label: 'a1', id: 42, time: 1000 });
    expect(memory.find('p1')).toEqual({ label: 'p1', id: null, time: 2000 });
    expect(memory.find('nunca')).toBeUndefined();
  });

  it('keeps the first answer for a label remembered twice', () => {
    const memory = new LabelMemory(10);
    memory.remember({ label: 'x', id: 1, time: 1 });
    memory.remember({ label: 'x', id: 2, time: 2 });
    expect(memory.find('x')).toEqual({ label: 'x', id: 1, time: 1 });
    expect(memory.size).toBe(1);
  });

  it('keeps exactly the newest `max`, forgetting the oldest first', () => {
    const memory = new LabelMemory(3);
    for (let i = 1; i <= 10; i++) memory.remember({ label: `l${i}`, id: i, time: i });
    expect(memory.size).toBe(3);
    const known = Array.from({ length: 10 }, (_, i) => `l${i + 1}`).filter((l) => memory.find(l) !== undefined);
    expect(known).toEqual(['l8', 'l9', 'l10']);
  });

  it('hands over every label oldest first and forgets them (a turn written)', () => {
    const memory = new LabelMemory(5);
    memory.remember({ label: 'b', id: null, time: 1 });
    memory.remember({ label: 'a', id: 7, time: 2 });
    expect(memory.take().map((r) => r.label)).toEqual(['b', 'a']);
    expect(memory.size).toBe(0);
    expect(memory.find('a')).toBeUndefined();
  });
});
