/**
 * A member of the room as the chat server sees it: a name with a place in
 * the room's log and a way to receive lines. A Connection is one while its
 * client is joined; a DetachedMember (session/) stands in for it while a
 * resumable session waits for its client to come back.
 */
import type { BroadcastLog } from './broadcast-log.ts';
import type { Flushable } from './write-batcher.ts';

export interface Member extends Flushable {
  readonly name: string | null;
  readonly key: string | null;
  /** Reads the room's log with ids (`+msg`), not the plain one. */
  readonly ids: boolean;
  /** Where it is in the room's log (null: not reading it); the log keeps what follows. */
  readonly logCursor: number | null;
  /** A line for this member alone (a reply, a private line), after the room's lines before it. */
  send(bytes: Buffer): void;
  /** Offsets [start, end) of `log` hold a line this member sent: it does not get it back. */
  sentToRoom(log: BroadcastLog, start: number, end: number): void;
}

/** Where a member was in the room's log, handed from one holder of its session to the next. */
export interface LogPlace {
  log: BroadcastLog;
  cursor: number;
  /** Its own lines after the cursor (flat [start, end…]). */
  own: number[];
}
