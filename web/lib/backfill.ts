/**
 * Which public messages the page has, by history id, and merging what the
 * server kept (`+hist`) with what arrives live (`+msg`, `+ack`) so that each
 * message shows once, in the room's order (docs/PROTOCOL.md, Extensions,
 * `ids`). Pure: ChatRoom feeds it lines and shows what it hands back, in the
 * order handed back.
 *
 * After each join the page reads one answer: the first time `/last 50` (the
 * recent past), after that `/since <cursor>`, paged until `+hist-end done`
 * (what it missed while away). While it reads, everything that arrives live
 * is held and released merged into the answer by id, so what was missed
 * comes before what happened after the rejoin. Lines that arrive both ways
 * (live, and in the answer because they were stored before it) show once.
 */
import { lastLine, sinceLine } from '../../protocol/index.ts';

/** Public messages shown on the first join. */
export const JOIN_HISTORY = 50;

/** Something that arrived live: with an id (a public line, or my own line's ack: no item), or without (a join, a notice…). */
interface Held<T> {
  id: number | undefined;
  item: T | undefined;
}

export class Backfill<T> {
  /** Every public line up to this id is shown: after a rejoin, what came later is what was missed. */
  cursor = 0;
  /** The answer being read: `last` (the first join) or `since` (a rejoin); null between answers. */
  reading: 'last' | 'since' | null = null;
  /** Whether the page ever caught up: its next join asks for what it missed since the cursor. */
  private synced = false;
  private held: Held<T>[] = [];

  /** `maxHeld`: live items kept while an answer is read (the oldest are dropped beyond it, as the list drops them). */
  constructor(private readonly maxHeld = Infinity) {}

  /** Joined with ids on: the line that asks for the past. */
  start(): string {
    this.held = [];
    this.reading = this.synced ? 'since' : 'last';
    return this.synced ? sinceLine(this.cursor) : lastLine(JOIN_HISTORY);
  }

  /**
   * Something arrived live: `id` for a public line (its item shows it) or
   * my own line's `+ack` (no item). Returns what to show now: nothing while
   * an answer is read (it is held), nothing for a line already shown.
   */
  live(id: number | undefined, item?: T): T[] {
    if (this.reading) {
      if (this.held.push({ id, item }) > this.maxHeld) this.held.shift();
      return [];
    }
    if (id !== undefined) {
      if (id <= this.cursor) return [];
      this.cursor = id;
    }
    return item === undefined ? [] : [item];
  }

  /**
   * A stored line of the answer (`item` shows it; none: it is shown already,
   * e.g. my own). Returns what to show now, in order: held live items that
   * come before it by id (with whatever arrived between them), then it,
   * unless it was held itself (then the held copy, in its place) or shown.
   */
  stored(id: number, item?: T): T[] {
    if (!this.reading) return [];
    this.synced = true;
    // Held ids only grow: release up to the last one not larger than this id.
    let upTo = 0;
    for (let i = 0; i < this.held.length; i++) {
      const heldId = this.held[i]!.id;
      if (heldId === undefined) continue;
      if (heldId > id) break;
      upTo = i + 1;
    }
    const out: T[] = [];
    let shown = id <= this.cursor;
    for (const h of this.held.splice(0, upTo)) {
      if (h.id === id) shown = true;
      if (h.item !== undefined) out.push(h.item);
    }
    if (!shown && item !== undefined) out.push(item);
    this.cursor = Math.max(this.cursor, id);
    return out;
  }

  /** `+hist-end more`: the line that asks for the next page. */
  more(): string {
    return sinceLine(this.cursor);
  }

  /** `+hist-end done`: the answer is complete; returns what was held, to show after it. */
  done(): T[] {
    this.synced = true;
    this.reading = null;
    const out: T[] = [];
    // Anything still held arrived after the answer's last line: live, in order (a line the
    // server could not store, e.g. on a full disk, is still shown once).
    for (const h of this.held) {
      if (h.id !== undefined) {
        if (h.id <= this.cursor) continue;
        this.cursor = h.id;
      }
      if (h.item !== undefined) out.push(h.item);
    }
    this.held = [];
    return out;
  }

  /**
   * The socket closed while an answer was read. Held public lines are
   * dropped (they are stored: the next answer brings them, in their place);
   * the rest (private lines, joins, notices) is returned, to show now. The
   * cursor stays at the answer's last line.
   */
  abort(): T[] {
    const rest = this.held.filter((h) => h.id === undefined && h.item !== undefined).map((h) => h.item!);
    this.reading = null;
    this.held = [];
    return rest;
  }
}
