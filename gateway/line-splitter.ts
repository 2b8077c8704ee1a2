/**
 * Splits the upstream byte stream into lines without decoding it: each line
 * becomes one WebSocket text frame as the bytes arrived. Lines end at LF,
 * which never occurs inside a multi-byte UTF-8 character, so a chunk that
 * ends mid-character simply waits for the rest.
 */
const LF = 0x0a;
const CR = 0x0d;

export class LineTooLongError extends Error {
  readonly code = 'ERR_UPSTREAM_LINE_TOO_LONG';
}

export class LineSplitter {
  private partial: Buffer | null = null;

  constructor(readonly maxLine: number) {}

  /** Calls `onLine` for every complete line in `chunk`, in order. */
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
      onLine(buf.subarray(start, end));
      start = lf + 1;
    }
    if (start < buf.length) {
      if (buf.length - start > this.maxLine) throw new LineTooLongError(`upstream line over ${this.maxLine} bytes`);
      // Copy, so one held partial line does not pin a whole 64 KiB chunk.
      this.partial = Buffer.from(buf.subarray(start));
    }
  }

  /** The unfinished last line, once the upstream has closed. */
  flush(): Buffer | null {
    const rest = this.partial;
    this.partial = null;
    return rest;
  }
}
