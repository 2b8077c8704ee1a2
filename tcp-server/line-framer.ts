/**
 * Splits a byte stream into lines, bounded in memory.
 *
 * Works on bytes, not strings, so a line is decoded once, whole: a multi-byte
 * character split across TCP chunks is never garbled, and the length limit
 * counts bytes as the protocol says. At most one chunk plus one line's worth
 * of bytes is ever held.
 */

export type Frame =
  | { type: 'line'; text: string }
  /**
   * A line went over the limit; its bytes up to the next LF are dropped.
   * `head`: its first HEAD_BYTES bytes, so a too-long labelled line can still
   * be confirmed by its label (docs/PROTOCOL.md, Labels).
   */
  | { type: 'too-long'; head: string };

const LF = 0x0a;
const CR = 0x0d;
/** Enough for `/label <64-char label> `. */
const HEAD_BYTES = 80;

function tooLong(buf: Buffer, start: number, end = buf.length): Frame {
  return { type: 'too-long', head: buf.toString('latin1', start, Math.min(end, start + HEAD_BYTES)) };
}

export class LineFramer {
  private buf: Buffer | null = null;
  private offset = 0;
  /** Inside a line that was already reported too long: drop until its LF. */
  private discarding = false;

  constructor(readonly maxLine: number) {}

  push(chunk: Buffer): void {
    if (this.buf === null) {
      this.buf = chunk;
      this.offset = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.offset), chunk]);
      this.offset = 0;
    }
  }

  /** The next complete line, or null when more bytes are needed. */
  next(): Frame | null {
    const buf = this.buf;
    if (buf === null) return null;
    const lf = buf.indexOf(LF, this.offset);
    if (lf === -1) {
      // A partial line: +1 leaves room for the CR of a CR LF ending.
      if (buf.length - this.offset > this.maxLine + 1) {
        this.buf = null;
        if (this.discarding) return null;
        this.discarding = true;
        return tooLong(buf, this.offset);
      }
      if (this.discarding) this.buf = null;
      return null;
    }
    const start = this.offset;
    this.offset = lf + 1;
    if (this.offset === buf.length) this.buf = null;
    if (this.discarding) {
      this.discarding = false;
      return this.next();
    }
    const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
    if (end - start > this.maxLine) return tooLong(buf, start, end);
    return { type: 'line', text: buf.toString('utf8', start, end) };
  }

  /** Bytes of an unfinished line (not counting one being discarded). */
  get partialLength(): number {
    return this.buf === null || this.discarding ? 0 : this.buf.length - this.offset;
  }

  /**
   * Takes the unfinished line as a complete one: for legacy clients that send
   * no LF, and for the last line before the peer closes.
   */
  takePartial(): Frame | null {
    const buf = this.buf;
    this.buf = null;
    if (this.discarding) {
      this.discarding = false;
      return null;
    }
    if (buf === null || buf.length === this.offset) return null;
    let end = buf.length;
    if (buf[end - 1] === CR) end--;
    if (end - this.offset > this.maxLine) return tooLong(buf, this.offset, end);
    return { type: 'line', text: buf.toString('utf8', this.offset, end) };
  }
}
