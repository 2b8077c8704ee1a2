/**
 * A member whose connection dropped while its session waits for a resume
 * (CHAT_RESUME_GRACE_MS): it stays in the room, and what the room and others
 * send it goes into its session's replay buffer instead of a socket — the
 * room's lines as slices of the shared log, not copies. The log is read at
 * every pass like any member's, so this member never holds the log back.
 */
import type { BroadcastLog } from '../broadcast-log.ts';
import type { LogPlace, Member } from '../member.ts';
import type { ReplayBuffer } from './replay-buffer.ts';

export class DetachedMember implements Member {
  private log: BroadcastLog;
  private cursor: number;
  private own: number[];
  private overflowReported = false;

  constructor(
    readonly name: string,
    readonly key: string,
    readonly ids: boolean,
    place: LogPlace,
    private readonly replay: ReplayBuffer,
    /** The undelivered lines passed the budget: the session is to end (called once). */
    private readonly onOverflow: () => void,
  ) {
    this.log = place.log;
    this.cursor = place.cursor;
    this.own = place.own;
  }

  get logCursor(): number {
    return this.cursor;
  }

  send(bytes: Buffer): void {
    this.collect();
    this.replay.record([bytes]);
    this.check();
  }

  /**
   * A detached member sends nothing new, but in a cluster a line its
   * connection sent before dropping comes back from the room afterwards:
   * like a connection, it does not get its own line.
   */
  sentToRoom(log: BroadcastLog, start: number, end: number): void {
    if (log !== this.log) return;
    this.own.push(start, end);
  }

  /** Called by the batcher's passes over the room. */
  flush(): void {
    this.collect();
    this.check();
  }

  /**
   * Moves the room's lines up to now into the replay buffer; returns where
   * a new connection takes the log from (its end: everything before is in
   * the buffer).
   */
  takeOver(): LogPlace {
    this.collect();
    return { log: this.log, cursor: this.cursor, own: [] };
  }

  private collect(): void {
    if (this.cursor === this.log.end) return;
    const slices: Buffer[] = [];
    this.log.read(this.cursor, this.own, slices);
    this.cursor = this.log.end;
    if (this.own.length > 0) this.own = [];
    this.replay.record(slices);
  }

  private check(): void {
    if (!this.replay.overflowed || this.overflowReported) return;
    this.overflowReported = true;
    this.onOverflow();
  }
}
