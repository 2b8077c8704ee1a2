/**
 * The lines of session resume and labels (docs/PROTOCOL.md, Extensions,
 * `resume` and `labels`) as the page reads and writes them: `+session`,
 * `+resumed`, `+resume-failed`, `+session-moved`, a labelled `+ack`, and
 * `/resume`, `/label`. Pure and small (one regex: the page has a size
 * budget). The line counter's rule lives here too: which received lines the
 * session's count includes.
 */

/** The features the page asks for on every socket. */
export const PAGE_FEATURES = ['ids', 'resume', 'labels'] as const;

export type SessionEvent =
  /** The server opened a session for this connection: its token (opaque). */
  | { type: 'session'; token: string }
  /** `/resume` worked: `count` lines were sent in all; those after the client's count follow. */
  | { type: 'resumed'; name: string; count: number }
  /** `/resume` did not work (`unknown`, `gap`, or `usage` for a malformed line); the prompt follows. */
  | { type: 'resume-failed'; reason: string }
  /** Another connection took the session over; this one closes now. */
  | { type: 'session-moved' }
  /** A labelled line was confirmed; `id` is its history id (null: none, `-`). */
  | { type: 'label-ack'; id: number | null; time: number; label: string };

const TOKEN = '[A-Za-z0-9_-]{1,100}';
const LABEL = '[A-Za-z0-9_-]{1,64}';
// Fields a later version adds at the end are ignored, as for every extension line.
const SESSION_RE = new RegExp(
  `^\\+(?:session (${TOKEN})|resumed (\\S+) (\\d{1,16})|resume-failed (\\S+)|(session-moved)|ack (\\d{1,16}|-) (\\d{1,16}) (${LABEL})|(usage resume))(?: [^]*)?$`,
  'u',
);

/** One of the session and label lines, or null for any other line (parseServerLine reads those). */
export function parseSessionLine(line: string): SessionEvent | null {
  if (line.charCodeAt(0) !== 0x2b /* + */) return null;
  const m = SESSION_RE.exec(line);
  if (m === null) return null;
  const [, token, name, count, failed, moved, id, time, label, usage] = m;
  if (token) return { type: 'session', token };
  if (name) return { type: 'resumed', name, count: Number(count) };
  if (failed) return { type: 'resume-failed', reason: failed };
  if (moved) return { type: 'session-moved' };
  if (usage) return { type: 'resume-failed', reason: 'usage' };
  return { type: 'label-ack', id: id === '-' ? null : Number(id), time: Number(time), label: label! };
}

/**
 * Whether a line received after `+session` adds to the session's count:
 * every line does (plain, `+…`, answers) except `+session` and `+resumed`.
 */
export function countsLine(line: string): boolean {
  return !/^\+(?:session|resumed) /u.test(line);
}

export const resumeLine = (token: string, count: number): string => `/resume ${token} ${count}`;
export const labelLine = (label: string, text: string): string => `/label ${label} ${text}`;

/** A fresh label: 16 random bytes (128 bits) in base64url, 22 characters. */
export function newLabel(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/gu, '-')
    .replace(/\//gu, '_')
    .replace(/=+$/u, '');
}
