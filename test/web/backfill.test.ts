/**
 * Merging the room's history with what arrives live, by id (web/lib/backfill.ts):
 * the pure rules first, then the server's side simulated turn by turn with
 * random interleavings, where every public line must show exactly once, in
 * the room's order.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Backfill, JOIN_HISTORY } from '../../web/lib/backfill.ts';

/** Items are strings here: `#<id>` for a public line, anything else for a line without an id. */
const msg = (id: number) => `#${id}`;

describe('what the page asks for', () => {
  it('the last messages on its first join, then what it missed since the largest id it has', () => {
    const b = new Backfill<string>();
    expect(b.start()).toBe(`/last ${JOIN_HISTORY}`);
    expect(b.reading).toBe('last');
    expect(b.stored(40, msg(40))).toEqual([msg(40)]);
    expect(b.done()).toEqual([]);
    expect(b.reading).toBeNull();
    expect(b.live(41, msg(41))).toEqual([msg(41)]);
    expect(b.live(42)).toEqual([]); // my own line's +ack: nothing to show, but it is had
    expect(b.start()).toBe('/since 42');
  });

  it('after an empty history, everything since the start (all of it came after the join)', () => {
    const b = new Backfill<string>();
    b.start();
    b.done();
    expect(b.start()).toBe('/since 0');
  });

  it('pages on from the last line of each answer', () => {
    const b = new Backfill<string>();
    b.start();
    b.done();
    b.live(10, msg(10));
    b.start();
    for (let id = 11; id <= 15; id++) b.stored(id, msg(id));
    expect(b.more()).toBe('/since 15');
  });

  it('a first join dropped before any answer asks for the last messages again; one dropped mid-answer goes on from its last line', () => {
    const b = new Backfill<string>();
    b.start();
    b.abort();
    expect(b.start()).toBe(`/last ${JOIN_HISTORY}`);
    b.stored(7, msg(7));
    b.abort();
    expect(b.start()).toBe('/since 7');
  });
});

describe('merging live lines into the answer', () => {
  it('shows nothing live while the answer is read, then each line once, in id order', () => {
    const b = new Backfill<string>();
    b.start();
    b.done();
    b.live(100, msg(100));
    b.start(); // rejoined: /since 100
    expect(b.live(103, msg(103))).toEqual([]); // arrives live before the answer that also has it
    expect(b.live(undefined, 'bob joined')).toEqual([]);
    expect(b.live(104, msg(104))).toEqual([]);
    const shown = [
      ...b.stored(101, msg(101)),
      ...b.stored(102, msg(102)),
      ...b.stored(103, `stored ${msg(103)}`),
      ...b.stored(104, `stored ${msg(104)}`),
      ...b.done(),
    ];
    // The held copies show in their place; what arrived between them stays between them.
    expect(shown).toEqual([msg(101), msg(102), msg(103), 'bob joined', msg(104)]);
    expect(b.start()).toBe('/since 104');
  });

  it('a live line the server could not store (a full disk) still shows once, in its place', () => {
    const b = new Backfill<string>();
    b.start();
    b.done();
    b.start();
    b.live(5, msg(5)); // delivered, not stored
    b.live(6, msg(6));
    const shown = [...b.stored(4, msg(4)), ...b.stored(6, msg(6)), ...b.done()];
    expect(shown).toEqual([msg(4), msg(5), msg(6)]);
  });

  it('what arrives after the last line of the answer shows after it', () => {
    const b = new Backfill<string>();
    b.start();
    b.stored(1, msg(1));
    b.live(2, msg(2));
    b.live(undefined, 'private from bob');
    expect(b.done()).toEqual([msg(2), 'private from bob']);
    expect(b.live(2, msg(2))).toEqual([]); // never twice
  });

  it('a live line the page already has is not shown again, even while an answer is read', () => {
    const b = new Backfill<string>();
    b.start();
    b.stored(5, msg(5));
    b.done();
    b.start();
    b.live(5, msg(5));
    expect(b.done()).toEqual([]);
  });

  it('a line of the answer already shown (my own, acknowledged) is not shown again', () => {
    const b = new Backfill<string>();
    b.start();
    b.done();
    b.start();
    b.live(9); // +ack of my line 9, sent while the answer was read
    expect([...b.stored(8, msg(8)), ...b.stored(9, msg(9)), ...b.done()]).toEqual([msg(8)]);
  });

  it('a drop mid-answer keeps private lines and joins, and leaves public ones to the next answer', () => {
    const b = new Backfill<string>();
    b.start();
    b.done();
    b.start();
    b.stored(1, msg(1));
    b.live(3, msg(3));
    b.live(undefined, 'private from bob');
    expect(b.abort()).toEqual(['private from bob']);
    expect(b.start()).toBe('/since 1');
  });

  it(`holds at most what the list keeps, dropping the oldest`, () => {
    const b = new Backfill<string>(3);
    b.start();
    for (const t of ['a', 'b', 'c', 'd']) b.live(undefined, t);
    expect(b.done()).toEqual(['b', 'c', 'd']);
  });
});

/**
 * The chat server as the page meets it after a rejoin: public lines are
 * stored (or, rarely, lost to a write error but still delivered) and sent
 * live; `/since` is answered with up to `page` stored lines and `more` or
 * `done`. The order of the turns is random.
 */
function simulate({
  seen,
  missed,
  turns,
  page,
  unstored,
}: {
  seen: number;
  missed: number;
  turns: boolean[];
  page: number;
  unstored: Set<number>;
}): { shown: number[]; delivered: number[] } {
  const stored: number[] = [];
  for (let id = 1; id <= seen + missed; id++) stored.push(id);
  const b = new Backfill<number>();
  // Joined before: saw up to `seen` live.
  b.start();
  b.done();
  for (let id = 1; id <= seen; id++) b.live(id, id);

  const shown: number[] = [];
  const delivered: number[] = [];
  let request: number | null = Number(b.start().split(' ')[1]);
  let next = seen + missed + 1;
  for (const liveTurn of turns) {
    if (liveTurn || request === null) {
      const id = next++;
      if (!unstored.has(id)) stored.push(id);
      delivered.push(id);
      shown.push(...b.live(id, id));
      continue;
    }
    const after: number = request;
    const answer = stored.filter((id) => id > after);
    for (const id of answer.slice(0, page)) shown.push(...b.stored(id, id));
    if (answer.length > page) {
      request = Number(b.more().split(' ')[1]);
    } else {
      shown.push(...b.done());
      request = null;
    }
  }
  while (request !== null) {
    const after: number = request;
    const answer = stored.filter((id) => id > after);
    for (const id of answer.slice(0, page)) shown.push(...b.stored(id, id));
    if (answer.length > page) request = Number(b.more().split(' ')[1]);
    else {
      shown.push(...b.done());
      request = null;
    }
  }
  return { shown, delivered };
}

describe('a rejoin against a simulated server', () => {
  it('1,200 missed lines, paged by 500, with live lines in between: each once, in order', () => {
    const turns = Array.from({ length: 60 }, (_, i) => i % 3 === 0);
    const { shown, delivered } = simulate({ seen: 10, missed: 1200, turns, page: 500, unstored: new Set() });
    const expected = Array.from({ length: 1200 + delivered.length }, (_, i) => 11 + i);
    expect(shown).toEqual(expected);
  });

  it('for any interleaving, page size and lost writes: every line after the cursor exactly once, in id order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 1200 }),
        fc.array(fc.boolean(), { maxLength: 80 }),
        fc.integer({ min: 1, max: 600 }),
        fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 5 }),
        (seen, missed, turns, page, lost) => {
          const first = seen + missed + 1;
          const unstored = new Set(lost.map((k) => first + k));
          const { shown, delivered } = simulate({ seen, missed, turns, page, unstored });
          const expected = [...Array.from({ length: missed }, (_, i) => seen + 1 + i), ...delivered];
          expect(shown).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});
