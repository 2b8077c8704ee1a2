/**
 * The upstream byte stream, as read, turned into WebSocket text frames: one
 * frame per line, all of a chunk's frames in one buffer (frames.ts says
 * why one write).
 *
 * This is the gateway's hot path: at 1.6M deliveries/s it runs for every
 * line. So a chunk's lines are copied straight from the chunk into the
 * output, with no Buffer object per line, and UTF-8 is checked once per
 * chunk (a run of whole lines is valid exactly when each line is, since LF
 * never occurs inside a character). The profile of the per-line version
 * showed subarray/FastBuffer, isUtf8 and the garbage they made at a fifth
 * of the gateway's time.
 *
 * Lines end at LF, a CR before it is dropped. A chunk that ends mid-line
 * (or mid-character) keeps the rest until the next one. A line longer than
 * `maxLine` bytes (CR LF not counted) is an error, whether it is finished
 * or still arriving: that bounds what one connection can make us hold.
 */
import { isUtf8 } from 'node:buffer';
import { encodeTextFrames, headerLength, wellFormedUtf8, writeHeader } from './frames.ts';

const LF = 0x0a;
const CR = 0x0d;

/**
 * The output of every framer of the process, reused: allocating a fresh
 * buffer per read (and collecting it) was an eighth of the gateway's time
 * in the profile. A read's frames are written at once, and a socket that
 * takes them whole in that write (its kernel buffer had room, the usual
 * case) keeps no reference, so the next read may reuse the same memory.
 * When the socket keeps them queued instead, the caller says so with
 * framesKept() and the next read gets a new buffer.
 */
const SCRATCH_BYTES = 128 * 1024;
let scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/**
 * `frames` (from push()) is held beyond this call (a socket queued it):
 * it must not be overwritten by the next push() of any framer.
 */
export function framesKept(frames: Buffer): void {
  if (frames.buffer === scratch.buffer) scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
}

export class LineTooLongError extends Error {
  readonly code = 'ERR_UPSTREAM_LINE_TOO_LONG';

  constructor(
    maxLine: number,
    /** The frames of the lines before the long one, to be delivered first. */
    readonly framesBefore: Buffer | null,
  ) {
    super(`upstream line over ${maxLine} bytes`);
  }
}

export class LineFramer {
  private partial: Buffer | null = null;
  /** LF positions of the chunk being framed; reused, so no array per chunk. */
  private readonly lfs: number[] = [];
  /** Lines in the frames the last push() or flush() returned. */
  lines = 0;
  /** Their payload bytes (the lines as sent, without CR LF or frame headers). */
  bytes = 0;

  constructor(readonly maxLine: number) {}

  /**
   * The frames of every line `chunk` completes, in order, or null when it
   * completes none. `chunk` may be a reused read buffer: nothing of it is
   * kept. Throws LineTooLongError at the first line over the limit, with
   * the frames of the lines before it.
   *
   * The frames are valid until the next push() of any framer, unless
   * framesKept() is called on them: use them (write them) at once. With
   * `reuse` false they get a buffer of their own: for a socket that
   * already has a queue, so will keep them.
   */
  push(chunk: Buffer, reuse = true): Buffer | null {
    this.lines = 0;
    this.bytes = 0;
    let start = 0;
    let first: Buffer | null = null;
    if (this.partial !== null) {
      const lf = chunk.indexOf(LF);
      if (lf === -1) {
        this.hold(Buffer.concat([this.partial, chunk]), null);
        return null;
      }
      // The held line, completed: small copies only (not the whole chunk).
      const held = this.partial;
      let line: Buffer;
      if (lf > 0) line = Buffer.concat([held, chunk.subarray(0, lineEnd(chunk, 0, lf))]);
      else line = held[held.length - 1] === CR ? held.subarray(0, held.length - 1) : held;
      this.partial = null;
      if (line.length > this.maxLine) this.tooLong(null);
      first = wellFormedUtf8(line);
      start = lf + 1;
    }

    const lfs = this.lfs;
    lfs.length = 0;
    for (let at = start, lf: number; (lf = chunk.indexOf(LF, at)) !== -1; at = lf + 1) lfs.push(lf);
    const lastLf = lfs.length > 0 ? lfs[lfs.length - 1]! : start - 1;

    let frames: Buffer | null;
    // The usual read ends with a line: then the whole chunk is checked, with no view made for it.
    const whole = start === 0 && lastLf === chunk.length - 1;
    if (lfs.length > 0 && !isUtf8(whole ? chunk : chunk.subarray(start, lastLf))) {
      frames = this.frameEach(first, chunk, start); // rare: the chat server sends valid UTF-8
    } else {
      frames = this.frameAll(first, chunk, start, reuse);
    }

    const rest = chunk.length - (lastLf + 1);
    if (rest > 0) this.hold(Buffer.from(chunk.subarray(lastLf + 1)), frames);
    return frames;
  }

  /** The unfinished last line's frame, once the upstream has closed, or null. */
  flush(): Buffer | null {
    this.lines = 0;
    this.bytes = 0;
    const rest = this.partial;
    this.partial = null;
    if (rest === null) return null;
    if (rest.length > this.maxLine) this.tooLong(null);
    const line = wellFormedUtf8(rest);
    this.lines = 1;
    this.bytes = line.length;
    return encodeTextFrames([line]);
  }

  /**
   * Frames for `first` and the lines at this.lfs, in one buffer. The lines
   * are copied from `chunk` in one piece, to the end of the output, then
   * each is moved forward to its place behind its header with copyWithin:
   * a memmove inside one buffer. (Buffer#copy per line made a Uint8Array
   * view per line: 16 % of the gateway's time in the profile.) Moving
   * front to back never overwrites a line not yet moved, because a frame
   * header (2+ bytes) is never shorter than the line end it replaces (LF or
   * CR LF), so every line's place is at or before where it was put.
   */
  private frameAll(first: Buffer | null, chunk: Buffer, start: number, reuse: boolean): Buffer | null {
    const lfs = this.lfs;
    const firstSize = first === null ? 0 : headerLength(first.length) + first.length;
    let size = firstSize;
    let at = start;
    for (let i = 0; i < lfs.length; i++) {
      const length = lineEnd(chunk, at, lfs[i]!) - at;
      if (length > this.maxLine) {
        lfs.length = i; // frame the lines before it, then refuse
        this.tooLong(this.frameAll(first, chunk, start, reuse));
      }
      size += headerLength(length) + length;
      at = lfs[i]! + 1;
    }
    if (first === null && lfs.length === 0) return null;
    const out = reuse && size <= scratch.length ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
    let bytes = 0;
    if (first !== null) {
      first.copy(out, writeHeader(out, 0, first.length));
      bytes = first.length;
    }
    if (lfs.length > 0) {
      const end = lfs[lfs.length - 1]! + 1;
      const placed = size - (end - start); // where chunk[start] lands
      out.set(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end), placed);
      let pos = firstSize;
      at = start;
      for (let i = 0; i < lfs.length; i++) {
        const length = lineEnd(chunk, at, lfs[i]!) - at;
        const from = placed + (at - start);
        const to = pos + headerLength(length);
        if (to !== from) out.copyWithin(to, from, from + length);
        writeHeader(out, pos, length);
        pos = to + length;
        bytes += length;
        at = lfs[i]! + 1;
      }
    }
    this.lines = lfs.length + (first === null ? 0 : 1);
    this.bytes = bytes;
    return out;
  }

  /** The slow path, for a chunk holding invalid UTF-8: line by line, each invalid sequence made U+FFFD. */
  private frameEach(first: Buffer | null, chunk: Buffer, start: number): Buffer | null {
    const lines: Buffer[] = first === null ? [] : [first];
    let at = start;
    for (const lf of this.lfs) {
      const end = lineEnd(chunk, at, lf);
      if (end - at > this.maxLine) this.tooLong(this.encode(lines));
      lines.push(wellFormedUtf8(chunk.subarray(at, end)));
      at = lf + 1;
    }
    return this.encode(lines);
  }

  private encode(lines: Buffer[]): Buffer | null {
    if (lines.length === 0) return null;
    this.lines = lines.length;
    this.bytes = lines.reduce((sum, l) => sum + l.length, 0);
    return encodeTextFrames(lines);
  }

  /** Keeps `pending` (a copy: a held line must not pin the read buffer) unless it is already too long. */
  private hold(pending: Buffer, framesBefore: Buffer | null): void {
    // One byte of slack: a held CR may yet turn out to end the line.
    const max = this.maxLine;
    if (pending.length > max + 1 || (pending.length === max + 1 && pending[max] !== CR)) this.tooLong(framesBefore);
    this.partial = pending;
  }

  private tooLong(framesBefore: Buffer | null): never {
    this.partial = null;
    throw new LineTooLongError(this.maxLine, framesBefore);
  }
}

/** Where the line from `start` to the LF at `lf` ends: before the LF, or before a CR ahead of it. */
function lineEnd(chunk: Buffer, start: number, lf: number): number {
  return lf > start && chunk[lf - 1] === CR ? lf - 1 : lf;
}
