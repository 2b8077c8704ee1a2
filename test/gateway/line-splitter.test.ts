/**
 * The upstream byte stream cut into lines, however the bytes are chunked.
 */
import { describe, expect, it } from 'vitest';
import { LineSplitter, LineTooLongError } from '../../gateway/line-splitter.ts';

/** Feeds `chunks` in order; returns the lines as text. */
function split(splitter: LineSplitter, chunks: Buffer[]): string[] {
  const lines: string[] = [];
  for (const chunk of chunks) splitter.push(chunk, (line) => lines.push(line.toString('utf8')));
  return lines;
}

/** `bytes` cut into pieces of `size` bytes. */
function pieces(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('LineSplitter', () => {
  it('yields each LF- or CRLF-ended line once, without its ending, and keeps empty lines', () => {
    const s = new LineSplitter(100);
    expect(split(s, [Buffer.from('um\ndois\r\n\ntrês\n')])).toEqual(['um', 'dois', '', 'três']);
    expect(s.flush()).toBeNull();
  });

  it('rebuilds multi-byte characters cut between chunks, at every possible cut', () => {
    const text = 'ação 日本 🙂🎉 é\n';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const s = new LineSplitter(100);
      expect(split(s, [bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['ação 日本 🙂🎉 é']);
    }
    // And one byte at a time: no frame ever holds half a character.
    expect(split(new LineSplitter(100), pieces(bytes, 1))).toEqual(['ação 日本 🙂🎉 é']);
  });

  it('joins a line that arrives across many chunks, CR and LF in different chunks', () => {
    const line = 'x'.repeat(10_000);
    const s = new LineSplitter(20_000);
    const chunks = [...pieces(Buffer.from(line + '\r'), 7), Buffer.from('\nfim\n')];
    expect(split(s, chunks)).toEqual([line, 'fim']);
  });

  it('holds nothing back: a partial line waits, and flush() gives it once the upstream closes', () => {
    const s = new LineSplitter(100);
    expect(split(s, [Buffer.from('um\nmeio')])).toEqual(['um']);
    expect(s.flush()?.toString()).toBe('meio');
    expect(s.flush()).toBeNull();
  });

  it('accepts a line of exactly maxLine bytes, whole or in pieces, CRLF not counted', () => {
    const line = 'é'.repeat(8); // 16 bytes
    expect(split(new LineSplitter(16), [Buffer.from(line + '\r\n')])).toEqual([line]);
    expect(split(new LineSplitter(16), pieces(Buffer.from(line + '\r\n'), 3))).toEqual([line]);
    expect(split(new LineSplitter(16), [Buffer.from(line + '\r'), Buffer.from('\n')])).toEqual([line]);
  });

  it('refuses a line over maxLine whether it is complete or still arriving, after passing on the lines before it', () => {
    const complete = new LineSplitter(16);
    const before: string[] = [];
    expect(() =>
      complete.push(Buffer.from('antes\n' + 'y'.repeat(17) + '\ndepois\n'), (l) => before.push(l.toString())),
    ).toThrow(LineTooLongError);
    expect(before).toEqual(['antes']);

    const arriving = new LineSplitter(16);
    arriving.push(Buffer.from('y'.repeat(16)), () => {});
    let error: unknown;
    try {
      arriving.push(Buffer.from('y'), () => {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LineTooLongError);
    expect((error as LineTooLongError).code).toBe('ERR_UPSTREAM_LINE_TOO_LONG');
    expect((error as Error).message).toBe('upstream line over 16 bytes');
  });

  it('keeps memory bounded: an endless line without LF is refused once past maxLine', () => {
    const s = new LineSplitter(1024);
    let pushed = 0;
    expect(() => {
      for (;;) {
        s.push(Buffer.alloc(100, 0x61), () => {});
        pushed += 100;
      }
    }).toThrow(LineTooLongError);
    expect(pushed).toBe(1000); // the chunk that crossed 1024 bytes was refused
  });
});
