/**
 * The upstream byte stream cut into lines and framed, however the bytes are
 * chunked: each line one text frame, as ws itself decodes them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { framesKept, LineFramer, LineTooLongError } from '../../gateway/line-framer.ts';

// ws's own frame parser; exported at run time though its types omit it.
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean }) => NodeJS.EventEmitter & { write(chunk: Buffer): void };
};

/** The text messages ws reads from `frames`. */
function decode(frames: Buffer | null): string[] {
  if (frames === null) return [];
  const out: string[] = [];
  const receiver = new Receiver({ isServer: false });
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(false);
    out.push(data.toString('utf8'));
  });
  receiver.write(frames);
  return out;
}

/**
 * Feeds `chunks` in order, each through one reused buffer as the gateway
 * reads them (so nothing may be kept from it); returns the lines framed,
 * checking the framer's line and byte counts against them.
 */
function frame(framer: LineFramer, chunks: Buffer[]): string[] {
  const reused = Buffer.alloc(64 * 1024);
  const lines: string[] = [];
  for (const chunk of chunks) {
    chunk.copy(reused);
    const got = decode(framer.push(reused.subarray(0, chunk.length)));
    reused.fill(0x0a); // stale bytes full of LFs: a framer that kept a reference would see new lines
    expect(framer.lines).toBe(got.length);
    expect(framer.bytes).toBe(got.reduce((sum, l) => sum + Buffer.byteLength(l), 0));
    lines.push(...got);
  }
  return lines;
}

/** `bytes` cut into pieces of `size` bytes. */
function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('LineFramer', () => {
  it('frames each LF- or CRLF-ended line once, without its ending, and keeps empty lines', () => {
    const f = new LineFramer(100);
    expect(frame(f, [Buffer.from('um\ndois\r\n\ntrês\n')])).toEqual(['um', 'dois', '', 'três']);
    expect(f.flush()).toBeNull();
  });

  it('frames lines of every length with the right header (7-bit, 16-bit and 64-bit lengths)', () => {
    const lines = ['', 'a', 'b'.repeat(125), 'c'.repeat(126), 'd'.repeat(65_535), 'e'.repeat(65_536), 'f'.repeat(70_000)];
    const bytes = Buffer.from(lines.map((l) => l + '\n').join(''));
    expect(frame(new LineFramer(100_000), pieces(bytes, 64 * 1024))).toEqual(lines);
  });

  it('writes exactly the bytes of RFC 6455 text frames', () => {
    expect(new LineFramer(100).push(Buffer.from('hi\n\n'))!.toString('hex')).toBe('81026869' + '8100');
  });

  it('rebuilds multi-byte characters cut between chunks, at every possible cut', () => {
    const text = 'ação 日本 🙂🎉 é\nfim\n';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const f = new LineFramer(100);
      expect(frame(f, [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['ação 日本 🙂🎉 é', 'fim']);
    }
    // And one byte at a time: no frame ever holds half a character.
    expect(frame(new LineFramer(100), pieces(bytes, 1))).toEqual(['ação 日本 🙂🎉 é', 'fim']);
  });

  it('joins a line that arrives across many chunks, CR and LF in different chunks', () => {
    const line = 'x'.repeat(10_000);
    const f = new LineFramer(20_000);
    const chunks = [...pieces(Buffer.from(line + '\r'), 7), Buffer.from('\nfim\n')];
    expect(frame(f, chunks)).toEqual([line, 'fim']);
  });

  it('keeps a CR that does not end the line', () => {
    expect(frame(new LineFramer(100), [Buffer.from('a\r'), Buffer.from('b\n')])).toEqual(['a\rb']);
    expect(frame(new LineFramer(100), [Buffer.from('a\rb\r\n')])).toEqual(['a\rb']);
  });

  it('holds nothing back: a partial line waits, and flush() gives it once the upstream closes', () => {
    const f = new LineFramer(100);
    expect(frame(f, [Buffer.from('um\nmeio')])).toEqual(['um']);
    expect(decode(f.flush())).toEqual(['meio']);
    expect(f.lines).toBe(1);
    expect(f.bytes).toBe(4);
    expect(f.flush()).toBeNull();
  });

  it('accepts a line of exactly maxLine bytes, whole or in pieces, CRLF not counted', () => {
    const line = 'é'.repeat(8); // 16 bytes
    expect(frame(new LineFramer(16), [Buffer.from(line + '\r\n')])).toEqual([line]);
    expect(frame(new LineFramer(16), pieces(Buffer.from(line + '\r\n'), 3))).toEqual([line]);
    expect(frame(new LineFramer(16), [Buffer.from(line + '\r'), Buffer.from('\n')])).toEqual([line]);
  });

  it('refuses a line over maxLine whether it is complete or still arriving, with the frames of the lines before it', () => {
    const complete = new LineFramer(16);
    let error: unknown;
    try {
      complete.push(Buffer.from('antes\nmais\n' + 'y'.repeat(17) + '\ndepois\n'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(decode((error as LineTooLongError).framesBefore)).toEqual(['antes', 'mais']);
    expect(complete.lines).toBe(2);

    const arriving = new LineFramer(16);
    arriving.push(Buffer.from('y'.repeat(16)));
    error = undefined;
    try {
      arriving.push(Buffer.from('y'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LineTooLongError);
    expect((error as LineTooLongError).code).toBe('ERR_UPSTREAM_LINE_TOO_LONG');
    expect((error as Error).message).toBe('upstream line over 16 bytes');
    expect((error as LineTooLongError).framesBefore).toBeNull();

    // The lines a chunk completes before its too-long tail are delivered too.
    const tail = new LineFramer(16);
    error = undefined;
    try {
      tail.push(Buffer.from('ok\n' + 'z'.repeat(18)));
    } catch (e) {
      error = e;
    }
    expect(decode((error as LineTooLongError).framesBefore)).toEqual(['ok']);
  });

  it('keeps memory bounded: an endless line without LF is refused once past maxLine', () => {
    const f = new LineFramer(1024);
    let pushed = 0;
    expect(() => {
      for (;;) {
        f.push(Buffer.alloc(100, 0x61));
        pushed += 100;
      }
    }).toThrow(LineTooLongError);
    expect(pushed).toBe(1000); // the chunk that crossed 1024 bytes was refused
  });

  it('frames any lines, LF or CRLF, of any length, however the stream is cut, exactly as sent', () => {
    const line = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ maxLength: 300 }), // past the 7-bit length
    ).map((l) => l.replaceAll('\n', ' ').replace(/\r$/, ''));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, fc.boolean()), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (lines, cuts) => {
          const bytes = Buffer.from(lines.map(([l, crlf]) => l + (crlf ? '\r\n' : '\n')).join(''));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((p, i, all) => bytes.subarray(p, all[i + 1] ?? bytes.length)).filter((c) => c.length > 0);
          const f = new LineFramer(1000);
          expect(frame(f, chunks)).toEqual(lines.map(([l]) => l));
          expect(f.flush()).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('frames every line of a read holding thousands, and a too-long line after thousands still gets the ones before it', () => {
    // A busy chat server's batch: one 64 KiB read of short lines, more than the framer first has room to index.
    const lines = Array.from({ length: 4000 }, (_, i) => `n${i}: #${i}`);
    const f = new LineFramer(100);
    expect(frame(f, [Buffer.from(lines.map((l) => l + '\n').join(''))])).toEqual(lines);
    expect(frame(f, [Buffer.from('depois\n')])).toEqual(['depois']);

    const before = lines.slice(0, 3000);
    const bytes = Buffer.from(before.map((l) => l + '\n').join('') + 'x'.repeat(101) + '\nnunca\n');
    let error: unknown;
    try {
      new LineFramer(100).push(bytes);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(decode((error as LineTooLongError).framesBefore)).toEqual(before);
  });

  it('leaves frames alone once framesKept() says a socket holds them, whatever is framed next', () => {
    const a = new LineFramer(100);
    const b = new LineFramer(100);
    const kept = a.push(Buffer.from('primeira\nsegunda\n'))!;
    framesKept(kept);
    b.push(Buffer.from('outra coisa\nbem diferente\n'));
    a.push(Buffer.from('terceira\n'));
    expect(decode(kept)).toEqual(['primeira', 'segunda']);
  });

  it('turns invalid UTF-8 into U+FFFD line by line, the valid lines around it untouched', () => {
    const f = new LineFramer(100);
    const chunk = Buffer.concat([
      Buffer.from('antes ção\n'),
      Buffer.from([0x61, 0xff, 0x62, 0x0a]),
      Buffer.from([0xed, 0xa0, 0x80, 0x0a]),
      Buffer.from('depois 🙂\n'),
    ]);
    expect(frame(f, [chunk])).toEqual(['antes ção', 'a\uFFFDb', '\uFFFD\uFFFD\uFFFD', 'depois 🙂']);
    // A held partial line with an invalid byte, completed by the next chunk.
    expect(frame(f, [Buffer.from([0x78, 0xc3]), Buffer.from('\nok\n')])).toEqual(['x\uFFFD', 'ok']);
  });
});
