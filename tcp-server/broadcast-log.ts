/**
 * The lines sent to the whole room (public lines, joins, leaves), kept once
 * for every member instead of once per member.
 *
 * A broadcast is copied once into a shared chunk; each member only keeps a
 * cursor (a byte offset in the log) and, while it has any, the offsets of
 * its own lines after the cursor (it does not receive what it sent). Sending
 * a line to N members is then O(1), and a member's backlog is read out as a
 * few slices of the shared chunks, without copying, when it is written.
 * Measured with a crowd joining (4,000 members), the per-member copies were
 * most of the server's own time: the calls, the copies and the garbage.
 *
 * Offsets grow forever (a double holds 2^53 bytes); chunks that every cursor
 * has passed are dropped with trim().
 */

/** Size of a chunk; a broadcast larger than this gets a chunk of its own. */
const CHUNK_BYTES = 64 * 1024;

interface Chunk {
  /** Log offset of buf[0]. */
  start: number;
  buf: Buffer;
}

export class BroadcastLog {
  private chunks: Chunk[] = [];
  /** Offset just past the last byte appended. */
  private endOffset = 0;

  get end(): number {
    return this.endOffset;
  }

  /** Appends `bytes`; returns the offset where they start. */
  append(bytes: Buffer): number {
    const start = this.endOffset;
    let last = this.chunks[this.chunks.length - 1];
    if (last === undefined || start - last.start + bytes.length > last.buf.length) {
      last = { start, buf: Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes.length)) };
      this.chunks.push(last);
    }
    bytes.copy(last.buf, start - last.start);
    this.endOffset = start + bytes.length;
    return start;
  }

  /**
   * Pushes onto `out` the bytes from `from` to the end, without the ranges
   * in `skip` (flat [start, end, start, end…], ascending, within that span),
   * as slices of the log's chunks. Returns how many bytes were pushed.
   */
  read(from: number, skip: readonly number[], out: Buffer[]): number {
    let bytes = 0;
    let at = from;
    for (let i = 0; i <= skip.length; i += 2) {
      const until = i < skip.length ? skip[i]! : this.endOffset;
      if (until > at) bytes += this.slices(at, until, out);
      if (i < skip.length) at = skip[i + 1]!;
    }
    return bytes;
  }

  /** Drops the chunks wholly before `offset` (no cursor is before it any more). */
  trim(offset: number): void {
    let keep = 0;
    // A chunk can go when the next one starts at or before `offset`; the
    // last chunk stays, as new lines go there.
    while (keep + 1 < this.chunks.length && this.chunks[keep + 1]!.start <= offset) keep++;
    if (keep > 0) this.chunks = this.chunks.slice(keep);
  }

  /** Bytes held in chunks (for tests and the memory figures). */
  get retainedBytes(): number {
    let total = 0;
    for (const c of this.chunks) total += c.buf.length;
    return total;
  }

  private slices(from: number, to: number, out: Buffer[]): number {
    let i = this.chunkIndex(from);
    let at = from;
    while (at < to) {
      const chunk = this.chunks[i++];
      if (chunk === undefined) throw new RangeError(`log offset ${at} is not held (trimmed or past the end)`);
      // A chunk's unused tail lies past the next chunk's start: stop there.
      const next = this.chunks[i];
      const chunkEnd = Math.min(to, next === undefined ? this.endOffset : next.start);
      out.push(chunk.buf.subarray(at - chunk.start, chunkEnd - chunk.start));
      at = chunkEnd;
    }
    return to - from;
  }

  /** The chunk holding `offset` (binary search: reads are mostly near the end, but not always). */
  private chunkIndex(offset: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    if (hi < 0 || offset < this.chunks[0]!.start) {
      throw new RangeError(`log offset ${offset} is not held (trimmed or past the end)`);
    }
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.chunks[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
