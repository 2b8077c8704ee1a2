import { describe, expect, it } from 'vitest';
import { type Flushable, WriteBatcher } from '../../tcp-server/write-batcher.ts';

/** Connections that note when they are flushed. */
function recorder() {
  const flushed: string[] = [];
  const conn = (name: string, work = () => {}): Flushable => ({
    flush() {
      flushed.push(name);
      work();
    },
  });
  return { flushed, conn };
}

/** Resolves once `check` holds, looking again at the end of every turn. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

describe('WriteBatcher', () => {
  it('flushes what was queued during a turn at its end, replies first, each once', async () => {
    const { flushed, conn } = recorder();
    const batcher = new WriteBatcher();
    batcher.add(conn('a'));
    batcher.add(conn('b'), true);
    batcher.add(conn('c'));
    expect(flushed).toEqual([]);
    await until(() => flushed.length === 3);
    expect(flushed).toEqual(['b', 'a', 'c']);
  });

  it('after a line to the room, flushes every member once, those who join during the pass too', async () => {
    const { flushed, conn } = recorder();
    const members = new Map<string, Flushable>();
    let passes = 0;
    const batcher = new WriteBatcher({ members: () => members.values(), afterPass: () => passes++ });
    members.set('ana', conn('ana', () => members.set('zoe', conn('zoe'))));
    members.set('bia', conn('bia'));
    batcher.roomLine();
    batcher.roomLine(); // two lines in one turn: one pass
    await until(() => passes === 1);
    expect(flushed).toEqual(['ana', 'bia', 'zoe']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(passes).toBe(1);
  });

  it('spreads a long pass over slices and lets a reply through before the rest', async () => {
    const { flushed, conn } = recorder();
    const members = new Map<string, Flushable>();
    let passes = 0;
    const batcher = new WriteBatcher({ members: () => members.values(), afterPass: () => passes++ });
    const slow = () => {
      const end = performance.now() + 2;
      while (performance.now() < end); // a member whose write takes 2 ms
    };
    for (let i = 0; i < 20; i++) members.set(`m${i}`, conn(`m${i}`, slow));
    batcher.roomLine();
    // The first slice stops after about 10 ms, well before the 20 members (40 ms).
    await until(() => flushed.length > 0);
    expect(flushed.length).toBeLessThan(20);
    batcher.add(conn('newcomer'), true);
    await until(() => passes === 1);
    const newcomerAt = flushed.indexOf('newcomer');
    expect(newcomerAt).toBeGreaterThan(0);
    expect(newcomerAt).toBeLessThan(20);
    expect(flushed.filter((n) => n !== 'newcomer')).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });
});
