/**
 * Splits the upstream byte stream into lines without decoding it: each line
 * becomes one WebSocket text frame as the bytes arrived. Lines end at LF,
 * which never occurs inside a multi-byte UTF-8 character, so a chunk that
 * ends mid-character simply waits for the rest. A line longer than
 * `maxLine` bytes (CR LF not counted) is an error, whether it is finished
 * or still arriving: that bounds what one connection can make us hold.
 */
const LF = 0x0a;
const CR = 0x0d;

export class LineTooLongError extends Error {
  readonly code = 'ERR_UPSTREAM_LINE_TOO_LONG';
}

export class LineSplitter {
  private partial: Buffer | null = null;

  constructor(readonly maxLine: number) {}

  /**
   * Calls `onLine` for every complete line in `chunk`, in order. Throws
   * LineTooLongError at the first line over the limit, after the lines
   * before it were passed on.
   */
  push(chunk: Buffer, onLine: (line: Buffer) => void): void {
    let buf = chunk;
    if (this.partial !== null) {
      buf = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let start = 0;
    let lf: number;
    while ((lf = buf.indexOf(LF, start)) !== -1) {
      const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
      if (end - start > this.maxLine) this.tooLong();
      onLine(buf.subarray(start, end));
      start = lf + 1;
    }
    if (start < buf.length) {
      // One byte of slack: a held CR may yet turn out to end the line.
      const pending = buf.length - start;
      if (pending > this.maxLine + 1 || (pending === this.maxLine + 1 && buf[buf.length - 1] !== CR)) this.tooLong();
      // Copy, so one held partial line does not pin a whole 64 KiB chunk.
      this.partial = Buffer.from(buf.subarray(start));
    }
  }

  /** The unfinished last line, once the upstream has closed. */
  flush(): Buffer | null {
    const rest = this.partial;
    this.partial = null;
    if (rest !== null && rest.length > this.maxLine) this.tooLong();
    return rest;
  }

  private tooLong(): never {
    this.partial = null;
    throw new LineTooLongError(`upstream line over ${this.maxLine} bytes`);
  }
}
