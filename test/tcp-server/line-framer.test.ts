import { describe, expect, it } from 'vitest';
import { type Frame, LineFramer } from '../../tcp-server/line-framer.ts';

function drain(framer: LineFramer): Frame[] {
  const out: Frame[] = [];
  for (let f = framer.next(); f !== null; f = framer.next()) out.push(f);
  return out;
}
const line = (text: string): Frame => ({ type: 'line', text });

describe('LineFramer', () => {
  it('splits on LF and drops a CR before it', () => {
    const f = new LineFramer(100);
    f.push(Buffer.from('one\r\ntwo\nthree'));
    expect(drain(f)).toEqual([line('one'), line('two')]);
    expect(f.partialLength).toBe(5);
    f.push(Buffer.from('\n'));
    expect(drain(f)).toEqual([line('three')]);
    expect(f.partialLength).toBe(0);
  });

  it('decodes a character split across chunks whole', () => {
    const f = new LineFramer(100);
    const bytes = Buffer.from('olá 🙂\n');
    for (const b of bytes) f.push(Buffer.from([b]));
    expect(drain(f)).toEqual([line('olá 🙂')]);
  });

  it('turns invalid UTF-8 into U+FFFD', () => {
    const f = new LineFramer(100);
    f.push(Buffer.from([0x61, 0xff, 0x62, 0x0a]));
    expect(drain(f)).toEqual([line('a\ufffdb')]);
  });

  it('accepts a line of exactly the limit, with or without CR', () => {
    const f = new LineFramer(8);
    f.push(Buffer.from('12345678\n12345678\r\n'));
    expect(drain(f)).toEqual([line('12345678'), line('12345678')]);
  });

  it('reports a complete line over the limit once and goes on', () => {
    const f = new LineFramer(8);
    f.push(Buffer.from('123456789\nok\n'));
    expect(drain(f)).toEqual([{ type: 'too-long', head: '123456789' }, line('ok')]);
  });

  it('keeps the first 80 bytes of a line over the limit, so its label can be read', () => {
    const f = new LineFramer(100);
    const head = '/label abc ' + 'x'.repeat(69);
    f.push(Buffer.from(head + 'y'.repeat(200) + '\n'));
    expect(drain(f)).toEqual([{ type: 'too-long', head }]);
  });

  it('reports a long partial line at once and drops it up to its LF, holding no more than the limit', () => {
    const f = new LineFramer(8);
    f.push(Buffer.from('x'.repeat(20)));
    expect(drain(f)).toEqual([{ type: 'too-long', head: 'x'.repeat(20) }]);
    expect(f.partialLength).toBe(0);
    f.push(Buffer.from('y'.repeat(100_000)));
    expect(drain(f)).toEqual([]);
    f.push(Buffer.from('zzz\nafter\n'));
    expect(drain(f)).toEqual([line('after')]);
  });

  it('takes an unfinished line as complete on request (legacy clients, end of input)', () => {
    const f = new LineFramer(8);
    f.push(Buffer.from('done\nhalf'));
    expect(drain(f)).toEqual([line('done')]);
    expect(f.takePartial()).toEqual(line('half'));
    expect(f.takePartial()).toBeNull();
  });
});
