/**
 * Avatar colours: people online at the same time get different colours while
 * the palette has enough, and each keeps the colour it got for as long as the
 * page runs. A name's hash only says which colour it would like.
 */
import { nameKey } from '../../protocol/index.ts';

/** Colours in the palette (.c0 … .c7 in app.css). */
export const PALETTE_SIZE = 8;
/** Colours remembered for people no longer online (their old messages keep theirs). */
export const REMEMBERED_COLORS = 1000;

/** The colour a name would like: the same on every page. */
export function colorSlot(name: string, size = PALETTE_SIZE): number {
  let h = 0;
  for (const ch of nameKey(name)) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return h % size;
}

/**
 * The colours after the online list changes from `before` to `online`
 * (colours are keyed by nameKey). Who stays online keeps their colour; each
 * newcomer gets the colour it had, or would like, unless someone online has
 * it: then the next free one. With more people than colours, some share.
 */
export function assignColors(
  before: readonly string[],
  online: readonly string[],
  colors: ReadonlyMap<string, number>,
  size = PALETTE_SIZE,
  remember = REMEMBERED_COLORS,
): Map<string, number> {
  const next = new Map(colors);
  const stayed = new Set(before.map(nameKey));
  const taken = new Set<number>();
  const newcomers: string[] = [];
  const keys = new Set(online.map(nameKey));
  for (const key of keys) {
    const color = next.get(key);
    if (stayed.has(key) && color !== undefined) taken.add(color);
    else newcomers.push(key);
  }
  for (const key of newcomers) {
    let color = next.get(key) ?? colorSlot(key, size);
    // After `size` steps with every colour taken, it is back at its wish.
    for (let i = 0; i < size && taken.has(color); i++) color = (color + 1) % size;
    taken.add(color);
    // Re-inserted, so that the longest unseen are the first forgotten.
    next.delete(key);
    next.set(key, color);
  }
  for (const key of next.keys()) {
    if (next.size <= remember) break;
    if (!keys.has(key)) next.delete(key);
  }
  return next;
}
