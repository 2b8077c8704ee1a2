/**
 * What the page keeps in sessionStorage so that a reload picks up where it
 * was (docs/PROTOCOL.md, The page's side): the session `{token, count,
 * name}` and the lines not confirmed yet. sessionStorage is per tab and
 * survives a reload; a duplicated tab gets a copy (the server then moves the
 * session to whichever tab resumes last). Storage may be missing or full:
 * then nothing is kept and the page works as before, without resuming
 * after a reload.
 */
import { SESSION_TOKEN_RE } from '../../protocol/index.ts';
import type { Pending } from './outbox.ts';

export interface Saved {
  /** The session token, opaque but for the node it may name (tokenNode). */
  token: string;
  /** Lines received after `+session` (see countsLine). */
  count: number;
  /** The name the session is in the chat with. */
  name: string;
}

/** A line kept across a reload: the message item is made again from it. */
export type SavedLine = Omit<Pending, 'id'>;

export type KeyValue = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const SESSION_KEY = 'chat.session';
export const PENDING_KEY = 'chat.pending';

export class SessionStore {
  constructor(private readonly storage: KeyValue | null) {}

  /** The browser's sessionStorage, or nothing where it is disabled. */
  static browser(): SessionStore {
    try {
      return new SessionStore(window.sessionStorage);
    } catch {
      return new SessionStore(null);
    }
  }

  load(): Saved | null {
    const s = this.read(SESSION_KEY) as Partial<Saved> | null;
    if (!s || typeof s.token !== 'string' || !SESSION_TOKEN_RE.test(s.token)) return null;
    if (typeof s.name !== 'string' || s.name === '') return null;
    if (typeof s.count !== 'number' || !Number.isSafeInteger(s.count) || s.count < 0) return null;
    return { token: s.token, count: s.count, name: s.name };
  }

  /** Keeps the session, or forgets it (null). */
  save(session: Saved | null): void {
    this.write(SESSION_KEY, session);
  }

  loadPending(): SavedLine[] {
    const list = this.read(PENDING_KEY);
    if (!Array.isArray(list)) return [];
    return list.filter(
      (p: Partial<SavedLine> | null): p is SavedLine =>
        !!p && typeof p.line === 'string' && (p.label === undefined || typeof p.label === 'string'),
    );
  }

  savePending(lines: readonly Pending[]): void {
    this.write(PENDING_KEY, lines.length === 0 ? null : lines.map(({ line, label }) => ({ line, label })));
  }

  private read(key: string): unknown {
    try {
      const raw = this.storage?.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return null;
    }
  }

  private write(key: string, value: unknown): void {
    try {
      if (value === null) this.storage?.removeItem(key);
      else this.storage?.setItem(key, JSON.stringify(value));
    } catch {
      // Full or disabled storage: a reload then starts afresh, as before sessions.
    }
  }
}
