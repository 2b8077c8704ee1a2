/**
 * The list the page shows: messages, joins, leaves, notices and connection
 * changes, bounded in memory. Lines that arrive together are added together
 * (one list update), and my own messages change state (sent, waiting, not
 * delivered) in place.
 */
import type { Notice } from '../../protocol/index.ts';

/** Items kept in memory; older ones are dropped (the DOM shows far fewer, see MessageList). */
export const MAX_ITEMS = 10_000;

/**
 * `pending`: waiting to be sent (offline, or behind older lines); `sending`:
 * sent, not confirmed by the server yet (labels on); `sent`: confirmed, or
 * sent when nothing confirms lines; `failed`: the server said why not.
 */
export type MessageState = 'sent' | 'sending' | 'pending' | 'failed';

export interface MessageItem {
  id: number;
  kind: 'msg';
  time: number;
  from: string;
  text: string;
  own: boolean;
  /** The other side of a private message (recipient when own, sender otherwise); null when public. */
  peer: string | null;
  /** Someone else's line that mentions me. */
  mention: boolean;
  state: MessageState;
  /** Why it was not delivered: the server's answer, shown on the message itself. */
  failure?: Notice;
  /** My own line's bytes as sent (`@name`, spaces and `//` included), to match a "too long" answer. */
  bytes?: number;
  /** From the room's history, shown quieter: the recent past on joining, or a `/history` answer. */
  past?: boolean;
  /** When, as the server wrote it in a `/history` answer (`DD/MM HH:MM`, its time zone). */
  stamp?: string;
}

/**
 * A line about the room's history: the start and end of a `/history`
 * answer, its other answers, and the divider under the recent past.
 */
export type HistoryMark = 'start' | 'end' | 'earlier' | 'empty' | 'usage' | 'off';

export type Item =
  | MessageItem
  | { id: number; kind: 'join' | 'leave'; time: number; name: string }
  | { id: number; kind: 'users'; time: number; users: string[] }
  | { id: number; kind: 'notice'; time: number; notice: Notice }
  | { id: number; kind: 'history'; time: number; mark: HistoryMark; count?: number }
  /**
   * `ids`: the server keeps public lines (the page fetched what it missed, so only private ones may be lost).
   * `resumed`: back in the same session, nothing missed; `moved`: another tab took the session over.
   */
  | { id: number; kind: 'status'; time: number; status: 'welcome' | 'reconnected' | 'resumed' | 'moved' | 'disconnected'; name: string; ids?: boolean };

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** An item to add; `time` defaults to now (a stored line has the server's). */
export type NewItem = DistributiveOmit<Item, 'id' | 'time'> & { time?: number };

export class MessageLog {
  items = $state.raw<Item[]>([]);
  private nextId = 1;
  /** Items added while a batch of lines is applied, appended once at its end. */
  private batch: Item[] | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly max = MAX_ITEMS,
  ) {}

  /** Runs `apply`, adding everything it adds in one list update. */
  together(apply: () => void): void {
    this.batch = [];
    try {
      apply();
    } finally {
      const batch = this.batch;
      this.batch = null;
      if (batch.length > 0) this.append(batch);
    }
  }

  add<T extends NewItem>(item: T): T & { id: number; time: number } {
    const full = { ...item, id: this.nextId++, time: item.time ?? this.now() };
    if (this.batch) this.batch.push(full as Item);
    else this.append([full as Item]);
    return full;
  }

  setState(ids: number[], state: MessageState): void {
    if (ids.length === 0) return;
    const set = new Set(ids);
    this.update((it) => (it.kind === 'msg' && set.has(it.id) ? { ...it, state } : it));
  }

  /**
   * My waiting lines went out: each takes its place at the end of the list
   * (after what the room said meanwhile), in the order of `ids`. Returns
   * each moved item by its former id.
   */
  sent(ids: readonly number[], state: MessageState = 'sent'): Map<number, MessageItem> {
    const moved = new Map<number, MessageItem>();
    if (ids.length === 0) return moved;
    const wanted = new Set(ids);
    const found = new Map<number, MessageItem>();
    this.items = this.items.filter((it) => !(it.kind === 'msg' && wanted.has(it.id) && found.set(it.id, it)));
    for (const old of ids) {
      const it = found.get(old);
      if (it) moved.set(old, this.add({ ...it, time: this.now(), state }));
    }
    return moved;
  }

  /** Marks my latest delivered message matching `test` as not delivered, because of `failure`; false if none. */
  fail(test: (m: MessageItem) => boolean, failure: Notice): boolean {
    const lists = this.batch ? [this.batch, this.items] : [this.items];
    for (const list of lists) {
      for (let i = list.length - 1; i >= 0; i--) {
        const it = list[i]!;
        if (it.kind === 'msg' && it.own && (it.state === 'sent' || it.state === 'sending') && test(it)) {
          const failed: Item = { ...it, state: 'failed', failure };
          if (list === this.batch) list[i] = failed;
          else this.items = this.items.with(i, failed);
          return true;
        }
      }
    }
    return false;
  }

  /** The server confirmed my line: sent, unless it already said why it was not delivered. */
  confirm(id: number): void {
    this.update((it) => (it.kind === 'msg' && it.id === id && it.state !== 'failed' ? { ...it, state: 'sent' } : it));
  }

  /** Takes items out (my line whose copy from the history is in the list already). */
  remove(id: number): void {
    const keep = (it: Item) => it.id !== id;
    if (this.batch) this.batch = this.batch.filter(keep);
    this.items = this.items.filter(keep);
  }

  private update(f: (it: Item) => Item): void {
    if (this.batch) this.batch = this.batch.map(f);
    this.items = this.items.map(f);
  }

  private append(added: Item[]): void {
    const all = this.items.concat(added);
    this.items = all.length > this.max ? all.slice(all.length - this.max) : all;
  }
}
