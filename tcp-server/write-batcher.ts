/**
 * When queued output is written: in slices over the connections that have
 * some, in the order they got it, so lines sent to one client meanwhile cost
 * one write.
 *
 * A slice runs at the end of the turn (setImmediate) while slices are short.
 * It stops after SLICE_MS, and after a slice of t ms the next waits t ms
 * (SLICE_MS at most: a slice stretched by a GC pause or by the machine's
 * other work must not hold the next one back for as long).
 * Two reasons, both measured with a crowd joining:
 * - Node (libuv ≥ 1.45) accepts one connection per event-loop turn. With a
 *   write to every member each turn, each newcomer's join costs a write to
 *   every member before the next newcomer is even accepted: a crowd's
 *   arrival becomes quadratic in writes. With the wait, the loop turns
 *   freely between slices, accepting and reading, and one write carries
 *   many joins.
 * - Lines that arrive meanwhile coalesce: fewer, larger writes, which is
 *   what the kernel charges for.
 * So at least half the time goes to reading and accepting.
 *
 * Replies (the answer to a client's own line, a newcomer's prompt and
 * welcome) have a queue of their own, served first and without the wait: a
 * person waiting for an answer does not wait behind everyone's notices of a
 * crowd joining. Each client's replies are paced by the flood limit, and the
 * rest still gets at least half of every slice.
 *
 * Lines to the whole room are not queued per member (see BroadcastLog): a
 * change to the room starts a pass over every member, and a pass can span
 * slices.
 *
 * Whatever the path, a connection calls `beforeWrite` right before each
 * socket write (the history's commit: see the constructor).
 */

export interface Flushable {
  /** Writes what is queued (or leaves it queued for a later slice). */
  flush(): void;
}

/** A slice shorter than this is followed by the next at the end of the next turn. */
const SHORT_SLICE_MS = 1;
/** The longest a slice writes before letting the loop turn. */
const SLICE_MS = 10;

/** Connections waiting for a flush, oldest first. */
class FlushQueue {
  private items: Flushable[] = [];
  private head = 0;

  get isEmpty(): boolean {
    return this.head === this.items.length;
  }

  push(conn: Flushable): void {
    this.items.push(conn);
  }

  /** Flushes from the oldest on until the queue is empty or `until` (performance.now()) has passed. */
  drain(until: number): void {
    const items = this.items;
    while (this.head < items.length && performance.now() < until) {
      const conn = items[this.head]!;
      this.head++;
      conn.flush();
    }
    if (this.head === items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > items.length / 2) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }
}

/** The members, for passes after a line to the whole room. */
export interface Room {
  members(): Iterator<Flushable>;
  /** A pass has flushed every member. */
  afterPass(): void;
}

const NO_ROOM: Room = { members: () => [][Symbol.iterator](), afterPass() {} };

export class WriteBatcher {
  private readonly replies = new FlushQueue();
  private readonly others = new FlushQueue();
  /** The room has lines not yet passed to every member. */
  private roomChanged = false;
  /** The pass over the members in progress (a live Map iterator: joins and leaves meanwhile are seen). */
  private pass: Iterator<Flushable> | null = null;
  private scheduled = false;
  /** A slice for replies only is due at the end of the turn. */
  private repliesScheduled = false;
  /** When the next slice may start (performance.now() clock). */
  private notBefore = 0;

  constructor(
    private readonly room: Room = NO_ROOM,
    /**
     * Runs before queued bytes reach any socket: every write, in a slice, a
     * pass, an early flush or a last write before closing, calls it first.
     * The chat server commits the turn's history there, so no line is
     * delivered before it is stored. It must be cheap when there is nothing
     * to do.
     */
    readonly beforeWrite: () => void = () => {},
  ) {}

  /**
   * Queues `conn` for flushing (`reply`: in the queue served first). Add it
   * once per queue until it is flushed.
   */
  add(conn: Flushable, reply = false): void {
    if (reply) {
      this.replies.push(conn);
      if (!this.repliesScheduled) {
        this.repliesScheduled = true;
        setImmediate(this.replySlice);
      }
    } else {
      this.others.push(conn);
    }
    this.schedule();
  }

  /** Lines were added to the room's log: every member is to be flushed. */
  roomLine(): void {
    this.roomChanged = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.notBefore - performance.now();
    if (wait <= 0) setImmediate(this.slice);
    else setTimeout(this.slice, wait);
  }

  /** Replies do not wait for the slice after a long one. */
  private replySlice = (): void => {
    this.repliesScheduled = false;
    this.replies.drain(performance.now() + SLICE_MS / 2);
    if (!this.replies.isEmpty) {
      this.repliesScheduled = true;
      setImmediate(this.replySlice);
    }
  };

  private get idle(): boolean {
    return this.replies.isEmpty && this.others.isEmpty && this.pass === null && !this.roomChanged;
  }

  /** Flushes members until the pass is over (then starts another if the room changed meanwhile) or `until`. */
  private passOverRoom(until: number): void {
    while (performance.now() < until) {
      if (this.pass === null) {
        if (!this.roomChanged) return;
        this.roomChanged = false;
        this.pass = this.room.members();
      }
      const next = this.pass.next();
      if (next.done) {
        this.pass = null;
        this.room.afterPass();
      } else {
        next.value.flush();
      }
    }
  }

  private slice = (): void => {
    // `scheduled` stays set while the slice runs: what is added meanwhile is
    // seen by this slice or scheduled at its end, after the wait.
    const start = performance.now();
    const end = start + SLICE_MS;
    const othersWait = !this.others.isEmpty || this.pass !== null || this.roomChanged;
    this.replies.drain(othersWait ? start + SLICE_MS / 2 : end);
    this.others.drain(end);
    this.passOverRoom(end);
    this.replies.drain(end);
    const now = performance.now();
    const took = now - start;
    this.notBefore = took < SHORT_SLICE_MS ? 0 : now + Math.min(took, SLICE_MS);
    this.scheduled = false;
    if (!this.idle) this.schedule();
  };
}
