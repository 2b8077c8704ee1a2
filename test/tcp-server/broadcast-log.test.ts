import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BroadcastLog } from '../../tcp-server/broadcast-log.ts';

/** What `read` gives, as one string. */
function readAll(log: BroadcastLog, from: number, skip: number[] = []): string {
  const out: Buffer[] = [];
  const bytes = log.read(from, skip, out);
  const text = Buffer.concat(out).toString();
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
}

describe('BroadcastLog', () => {
  it('reads back everything appended after an offset, in order', () => {
    const log = new BroadcastLog();
    log.append(Buffer.from('a entrou\n'));
    const from = log.end;
    log.append(Buffer.from('b: oi\n'));
    log.append(Buffer.from('c: olá\n'));
    expect(readAll(log, from)).toBe('b: oi\nc: olá\n');
    expect(readAll(log, log.end)).toBe('');
  });

  it("leaves out a reader's own lines", () => {
    const log = new BroadcastLog();
    const a = log.append(Buffer.from('a: 1\n'));
    const own = log.append(Buffer.from('me: 2\n'));
    const ownEnd = log.end;
    log.append(Buffer.from('a: 3\n'));
    expect(readAll(log, a, [own, ownEnd])).toBe('a: 1\na: 3\n');
  });

  it('reads across chunks without copying a line twice, and holds lines larger than a chunk', () => {
    const log = new BroadcastLog();
    const line = Buffer.from(`${'x'.repeat(999)}\n`);
    for (let i = 0; i < 200; i++) log.append(line); // 200 KB: several chunks
    const big = Buffer.from(`${'y'.repeat(100_000)}\n`);
    log.append(big);
    const text = readAll(log, 0);
    expect(text).toBe(line.toString().repeat(200) + big.toString());
  });

  it('drops the chunks every reader has passed, and only those', () => {
    const log = new BroadcastLog();
    const line = Buffer.from(`${'x'.repeat(1023)}\n`);
    for (let i = 0; i < 256; i++) log.append(line); // 256 KB
    const before = log.retainedBytes;
    const cursor = 200 * 1024;
    log.trim(cursor);
    expect(log.retainedBytes).toBeLessThan(before);
    expect(readAll(log, cursor)).toBe(line.toString().repeat(56));
    expect(() => readAll(log, 0)).toThrow(RangeError);
  });

  it('matches a plain copy for any appends, reader offsets and own lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ size: fc.integer({ min: 1, max: 70_000 }), own: fc.boolean() }), { maxLength: 20 }),
        fc.nat(),
        (appends, startPick) => {
          const log = new BroadcastLog();
          const starts: number[] = [];
          const ranges: Array<[number, number, boolean]> = [];
          appends.forEach(({ size, own }, i) => {
            const bytes = Buffer.alloc(size, 97 + (i % 26));
            const start = log.append(bytes);
            starts.push(start);
            ranges.push([start, log.end, own]);
          });
          const from = starts.length === 0 ? 0 : starts[startPick % starts.length]!;
          const mine = ranges.filter(([s, , own]) => own && s >= from);
          const skip = mine.flatMap(([s, e]) => [s, e]);
          const expected = ranges
            .filter(([s, , own]) => s >= from && !(own && s >= from))
            .map(([s, e]) => Buffer.alloc(e - s, 97 + (starts.indexOf(s) % 26)).toString())
            .join('');
          expect(readAll(log, from, skip)).toBe(expected);
        },
      ),
      { numRuns: 100 },
    );
  });
});
