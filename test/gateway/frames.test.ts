/**
 * Text frames as the gateway writes them itself: exact bytes, readable by
 * ws, and always valid UTF-8.
 */
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { encodeTextFrames, wellFormedUtf8 } from '../../gateway/frames.ts';

// ws's own frame parser; exported at run time though its types omit it.
const { Receiver } = ws as unknown as {
  Receiver: new (options: { isServer: boolean }) => NodeJS.EventEmitter & { write(chunk: Buffer): void };
};

it('encodes short lines with a 2-byte header, exactly', () => {
  expect(encodeTextFrames([Buffer.from('hi'), Buffer.from('')]).toString('hex')).toBe('81026869' + '8100');
});

it('uses the 16-bit length from 126 bytes and the 64-bit length from 65,536', () => {
  const mid = encodeTextFrames([Buffer.alloc(126, 0x61)]);
  expect(mid.subarray(0, 4).toString('hex')).toBe('817e007e');
  expect(mid.length).toBe(4 + 126);
  const big = encodeTextFrames([Buffer.alloc(70_000, 0x62)]);
  expect(big.subarray(0, 10).toString('hex')).toBe('817f' + '0000000000011170');
  expect(big.length).toBe(10 + 70_000);
});

it('decodes with ws itself into the same lines, one message each', () => {
  const lines = ['Digite seu nome:', 'ção 🙂', 'x'.repeat(300), 'y'.repeat(66_000)];
  const received: string[] = [];
  const receiver = new Receiver({ isServer: false });
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    expect(isBinary).toBe(false);
    received.push(data.toString());
  });
  receiver.write(encodeTextFrames(lines.map((l) => Buffer.from(l))));
  expect(received).toEqual(lines);
});

describe('wellFormedUtf8', () => {
  it('passes valid UTF-8 through as the very same buffer (no copy on the hot path)', () => {
    const line = Buffer.from('ção 日本 🙂');
    expect(wellFormedUtf8(line)).toBe(line);
  });

  it('turns each invalid sequence into U+FFFD and keeps the valid text around it', () => {
    const cases: Array<[number[], string]> = [
      [[0x61, 0xff, 0x62], 'a\uFFFDb'], // a byte that never occurs in UTF-8
      [[0x61, 0x80], 'a\uFFFD'], // a lone continuation byte
      [[0xc3], '\uFFFD'], // a 2-byte character cut short
      [[0xe6, 0x97, 0x61], '\uFFFDa'], // a 3-byte character cut short, then ASCII
      [[0xc0, 0xaf], '\uFFFD\uFFFD'], // an overlong '/'
      [[0xed, 0xa0, 0x80], '\uFFFD\uFFFD\uFFFD'], // a UTF-16 surrogate
    ];
    for (const [bytes, text] of cases) {
      const out = wellFormedUtf8(Buffer.from(bytes));
      expect(out.toString('utf8')).toBe(text);
      expect(isUtf8(out)).toBe(true);
    }
  });
});
