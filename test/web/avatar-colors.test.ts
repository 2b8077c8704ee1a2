/**
 * Avatar colours: different for people online together while the palette
 * has enough, stable for each person, bounded in memory.
 */
import { describe, expect, it } from 'vitest';
import { PALETTE_SIZE, assignColors, colorSlot } from '../../web/lib/avatar-colors.ts';
import { Roster } from '../../web/lib/roster.svelte.ts';

/** `count` names whose hashes all want the same colour. */
function samewish(count: number): string[] {
  const wish = colorSlot('ana');
  const names = ['ana'];
  for (let i = 0; names.length < count; i++) if (colorSlot(`u${i}`) === wish) names.push(`u${i}`);
  return names;
}

describe('avatar colours', () => {
  it('gives people online together different colours even when their names want the same one', () => {
    const names = samewish(PALETTE_SIZE);
    const colors = assignColors([], names, new Map());
    expect(new Set(names.map((n) => colors.get(n))).size).toBe(PALETTE_SIZE);
    expect(colors.get('ana')).toBe(colorSlot('ana')); // the first keeps its wish
  });

  it('keeps a colour while its person stays online, and gives a newcomer a free one', () => {
    const [a, b, c] = samewish(3) as [string, string, string];
    const first = assignColors([], [a], new Map());
    const second = assignColors([a], [a, b], first);
    expect(second.get(a)).toBe(first.get(a));
    expect(second.get(b)).not.toBe(second.get(a));
    const third = assignColors([a, b], [b, c], second); // a left: c may take a's colour, b keeps its own
    expect(third.get(b)).toBe(second.get(b));
    expect(third.get(c)).not.toBe(third.get(b));
  });

  it('lets someone who comes back have their old colour if it is free, another if not', () => {
    const [a, b] = samewish(2) as [string, string];
    const withA = assignColors([], [a], new Map());
    const aLeft = assignColors([a], [], withA);
    expect(aLeft.get(a)).toBe(withA.get(a)); // remembered for a's old messages
    const bTookIt = assignColors([], [b], aLeft);
    expect(bTookIt.get(b)).toBe(withA.get(a));
    const aBack = assignColors([b], [b, a], bTookIt);
    expect(aBack.get(a)).not.toBe(aBack.get(b));
  });

  it('shares colours only when more people than colours are online', () => {
    const names = samewish(PALETTE_SIZE + 3);
    const colors = assignColors([], names, new Map());
    expect(new Set(names.map((n) => colors.get(n))).size).toBe(PALETTE_SIZE);
  });

  it('matches names the way the server does (case and width folded)', () => {
    const colors = assignColors([], ['Ana'], new Map());
    expect(colors.get('ana')).toBe(colorSlot('ANA'));
  });

  it('forgets the oldest offline people beyond its memory, never someone online', () => {
    let colors = new Map<string, number>();
    let online: string[] = [];
    for (let i = 0; i < 10; i++) {
      const next = [`p${i}`, 'stays'];
      colors = assignColors(online, next, colors, PALETTE_SIZE, 4);
      online = next;
    }
    expect(colors.size).toBe(4);
    expect(colors.has('stays')).toBe(true);
    expect(colors.has('p9')).toBe(true);
    expect(colors.has('p0')).toBe(false);
  });

  it('the roster colours the online list as people join and leave', () => {
    const roster = new Roster();
    const [a, b, c] = samewish(3) as [string, string, string];
    roster.set([a]);
    roster.add(b);
    roster.add(c);
    expect(new Set([a, b, c].map((n) => roster.colorOf(n))).size).toBe(3);
    roster.remove(b);
    expect(roster.users).toEqual([a, c].sort());
    expect(roster.colorOf('never-seen')).toBe(colorSlot('never-seen'));
  });
});
