/**
 * The lines a session keeps for a resume, and their count
 * (docs/PROTOCOL.md, Session resume: the count).
 *
 * What is kept are references, not copies: the room's lines are slices of
 * the shared room log's chunks (BroadcastLog), so a line kept by a thousand
 * sessions is in memory once; direct lines (replies, private lines) are the
 * buffers that were sent. Slices that follow each other in one chunk are
 * merged into one entry, so a session that only hears the room keeps about
 * one entry per log chunk. Each entry is charged ENTRY_OVERHEAD bytes on
 * top of its own, so the budget bounds the entries' objects too.
 *
 * While the client is connected, lines are recorded as they are written to
 * its socket, and the oldest are forgotten beyond the budget (a resume from
 * that far back gets `gap`), and once they are older than the grace
 * (forgetBefore): a session that receives nothing ends up keeping nothing.
 * Once the connection drops, `hold()` marks what follows as not delivered:
 * older lines go first to make room, and when the undelivered lines alone
 * pass the budget the buffer overflows (the session ends, like a slow
 * reader).
 */

/** What an entry costs beyond its bytes (the objects that keep it). */
export const ENTRY_OVERHEAD = 64;

const LF = 0x0a;

/**
 * Lines kept in one piece of memory: `length` bytes of `buf`'s memory from
 * `buf.byteOffset`. A merge only grows `length` (no new Buffer per write:
 * the profile of the loaded step showed recording as a cost per session per
 * write); a view of the whole is made when it is read (view()).
 */
interface Entry {
  buf: Buffer;
  length: number;
  lines: number;
  /** When its last line was recorded (ms since the epoch). */
  time: number;
}

export class ReplayBuffer {
  private entries: Entry[] = [];
  private head = 0;
  /** Lines recorded since the session began: the count. */
  private recorded = 0;
  /** Lines forgotten from the front: the count before entries[head]. */
  private forgotten = 0;
  private charged = 0;
  /** Lines after this count were never delivered (the connection dropped); null while connected. */
  private heldFrom: number | null = null;
  /** The last entry takes no more merges (a hold began after it). */
  private sealed = false;
  private over = false;
  /** Lines still to be counted but not kept (skipNext). */
  private unkept = 0;

  constructor(readonly budget: number) {}

  /** Lines sent on the session so far (the count a resume answers with). */
  get total(): number {
    return this.recorded;
  }

  /** The count before the oldest line kept: a resume from below it gets `gap`. */
  get oldest(): number {
    return this.forgotten;
  }

  /** Bytes charged against the budget (lines and entry overhead). */
  get bytes(): number {
    return this.charged;
  }

  /** Undelivered lines passed the budget: the session is over. Sticky. */
  get overflowed(): boolean {
    return this.over;
  }

  /**
   * The next `lines` lines recorded are counted but not kept, as long as
   * nothing is kept before them (never a hole in the middle): a resume from
   * before them gets `gap`. For a session's welcome, whose online list is as
   * long as the room: kept by each session for the grace, the welcomes of a
   * crowd that joins add up to the square of its size (35 KB per session on
   * average over 10,000 joins), and the process keeps that peak.
   */
  skipNext(lines: number): void {
    this.unkept = lines;
  }

  /**
   * Records whole lines sent (or meant) for the session, in order:
   * `bufs[from…]`, each made of complete lines.
   */
  record(bufs: readonly Buffer[], from = 0, now = Date.now()): void {
    for (let i = from; i < bufs.length; i++) {
      let buf = bufs[i]!;
      if (buf.length === 0) continue;
      let lines = countLines(buf);
      if (this.unkept > 0) {
        if (this.head === this.entries.length) {
          const n = Math.min(this.unkept, lines);
          this.unkept -= n;
          this.recorded += n;
          this.forgotten += n;
          if (n === lines) continue;
          buf = buf.subarray(skipLines(buf, n));
          lines -= n;
        } else {
          this.unkept = 0;
        }
      }
      this.recorded += lines;
      const last = this.head < this.entries.length && !this.sealed ? this.entries[this.entries.length - 1]! : undefined;
      if (last !== undefined && last.buf.buffer === buf.buffer && last.buf.byteOffset + last.length === buf.byteOffset) {
        // The next bytes of the same memory (a log chunk): the entry grows.
        last.length += buf.length;
        last.lines += lines;
        last.time = now;
        this.charged += buf.length;
      } else {
        this.entries.push({ buf, length: buf.length, lines, time: now });
        this.sealed = false;
        this.charged += buf.length + ENTRY_OVERHEAD;
      }
    }
    this.fit();
  }

  /** The connection dropped: what is recorded from now on is undelivered and must not be forgotten. */
  hold(): void {
    this.heldFrom = this.recorded;
    this.sealed = true;
  }

  /** A connection has the session again: lines are recorded as written once more. */
  release(): void {
    this.heldFrom = null;
    this.fit();
  }

  /**
   * The lines after the client's `count`, as buffers to write in order;
   * `gap` when some of them are forgotten; `ahead` when `count` is more than
   * was ever sent.
   */
  after(count: number): Buffer[] | 'gap' | 'ahead' {
    if (count > this.recorded) return 'ahead';
    if (count < this.forgotten) return 'gap';
    const out: Buffer[] = [];
    let at = this.forgotten;
    for (let i = this.head; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (at + e.lines <= count) {
        at += e.lines;
        continue;
      }
      const buf = view(e);
      out.push(at < count ? buf.subarray(skipLines(buf, count - at)) : buf);
      at += e.lines;
    }
    return out;
  }

  /**
   * While connected, forgets lines written before `time`: long enough ago
   * that a client still connected has them (the chat server passes now
   * minus CHAT_RESUME_GRACE_MS). This is what keeps an idle session from
   * holding its welcome line and old replies for ever. Held lines stay.
   */
  forgetBefore(time: number): void {
    if (this.heldFrom !== null) return;
    while (this.head < this.entries.length && this.entries[this.head]!.time < time) this.dropHead(this.entries[this.head]!);
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    }
  }

  /** Forgets everything (the session ended). */
  clear(): void {
    this.entries = [];
    this.head = 0;
    this.forgotten = this.recorded;
    this.charged = 0;
  }

  /** Forgets the oldest lines while over the budget, never undelivered ones. */
  private fit(): void {
    while (this.charged > this.budget && this.head < this.entries.length) {
      const e = this.entries[this.head]!;
      // Entries never straddle the hold (hold() seals the last one).
      const mayForget = this.heldFrom === null ? e.lines : Math.min(e.lines, Math.max(0, this.heldFrom - this.forgotten));
      if (mayForget === 0) {
        this.over = true;
        return;
      }
      const excess = this.charged - this.budget;
      if (mayForget === e.lines && e.length + ENTRY_OVERHEAD <= excess) {
        this.dropHead(e);
        continue;
      }
      // Forget whole lines from the entry's front, as many as the excess needs.
      const buf = view(e);
      let cut = 0;
      let n = 0;
      while (n < mayForget && cut < excess) {
        cut = buf.indexOf(LF, cut) + 1;
        n++;
      }
      if (n === e.lines) {
        this.dropHead(e);
        continue;
      }
      e.buf = buf.subarray(cut);
      e.length = e.buf.length;
      e.lines -= n;
      this.forgotten += n;
      this.charged -= cut;
    }
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private dropHead(e: Entry): void {
    this.head++;
    this.forgotten += e.lines;
    this.charged -= e.length + ENTRY_OVERHEAD;
  }
}

/** The entry's bytes as one Buffer (made once per growth, when read). */
function view(e: Entry): Buffer {
  if (e.buf.length !== e.length) e.buf = Buffer.from(e.buf.buffer, e.buf.byteOffset, e.length);
  return e.buf;
}

/** Lines in a buffer of whole lines (its LFs). */
export function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(LF); i !== -1; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}

/** The offset just past the `n`th LF of `buf`. */
function skipLines(buf: Buffer, n: number): number {
  let at = 0;
  for (let i = 0; i < n; i++) at = buf.indexOf(LF, at) + 1;
  return at;
}
