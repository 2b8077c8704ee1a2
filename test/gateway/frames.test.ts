import { expect, it } from 'vitest';
import * as ws from 'ws';
import { encodeTextFrames } from '../../gateway/frames.ts';

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
