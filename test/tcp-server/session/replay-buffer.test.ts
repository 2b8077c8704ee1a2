/**
 * The replay buffer without sockets: the count, what comes after a count,
 * the budget while connected and while held, and that the room's lines are
 * kept as views of the shared log, not copies.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BroadcastLog } from '../../../tcp-server/broadcast-log.ts';
import { ENTRY_OVERHEAD, ReplayBuffer, countLines } from '../../../tcp-server/session/replay-buffer.ts';

const lines = (...ls: string[]) => Buffer.from(ls.map((l) => l + '\n').join(''));
/** Lines in memory of their own (Buffer.from may put two small ones side by side in its pool: one entry). */
const apart = (...ls: string[]) => {
  const src = lines(...ls);
  const b = Buffer.alloc(src.length);
  src.copy(b);
  return b;
};
const text = (r: Buffer[] | string) => (typeof r === 'string' ? r : Buffer.concat(r).toString());

describe('ReplayBuffer', () => {
  it('counts every line recorded and gives exactly the lines after a count', () => {
    const r = new ReplayBuffer(1 << 20);
    r.record([lines('a', 'b'), lines('c')]);
    r.record([lines('d')], 0);
    expect(r.total).toBe(4);
    expect(text(r.after(0))).toBe('a\nb\nc\nd\n');
    expect(text(r.after(1))).toBe('b\nc\nd\n');
    expect(text(r.after(3))).toBe('d\n');
    expect(r.after(4)).toEqual([]);
    expect(r.after(5)).toBe('ahead');
  });

  it('records only from the index given (lines before +session are not the session’s)', () => {
    const r = new ReplayBuffer(1 << 20);
    r.record([lines('prompt'), lines('+session x'), lines('welcome')], 2);
    expect(r.total).toBe(1);
    expect(text(r.after(0))).toBe('welcome\n');
  });

  it('counts the welcome but does not keep it: a resume from before it gets gap, one from after it its lines', () => {
    const r = new ReplayBuffer(1 << 20);
    r.skipNext(1);
    const welcome = apart('Online (3): ana, bia, caio');
    const kept = [apart('bia: oi'), apart('caio: olá')];
    r.record([welcome, kept[0]!]);
    r.record([kept[1]!]);
    expect(r.total).toBe(3);
    expect(r.after(0)).toBe('gap');
    expect(text(r.after(1))).toBe('bia: oi\ncaio: olá\n');
    // Only the two kept lines are charged.
    expect(r.bytes).toBe(kept[0]!.length + kept[1]!.length + 2 * ENTRY_OVERHEAD);
  });

  it('skips the welcome out of a buffer that holds more lines after it', () => {
    const r = new ReplayBuffer(1 << 20);
    r.skipNext(1);
    r.record([lines('Online (1): ana', 'bia entrou no chat!')]);
    expect(r.total).toBe(2);
    expect(r.oldest).toBe(1);
    expect(text(r.after(1))).toBe('bia entrou no chat!\n');
  });

  it('keeps nothing until something is recorded', () => {
    const r = new ReplayBuffer(1 << 20);
    expect(r.bytes).toBe(0);
    expect(r.after(0)).toEqual([]);
  });

  it('keeps room lines as views of the log’s memory, merged into one entry per chunk', () => {
    const log = new BroadcastLog();
    const r = new ReplayBuffer(1 << 20);
    let at = 0;
    for (let i = 0; i < 100; i++) {
      log.append(lines(`linha ${i}`));
      const out: Buffer[] = [];
      log.read(at, [], out);
      at = log.end;
      r.record(out);
    }
    const kept = r.after(0) as Buffer[];
    expect(kept).toHaveLength(1);
    const view: Buffer[] = [];
    log.read(0, [], view);
    expect(kept[0]!.buffer).toBe(view[0]!.buffer); // the same memory, not a copy
    expect(r.bytes).toBe(log.end + ENTRY_OVERHEAD);
  });

  it('forgets the oldest whole lines beyond the budget while connected; older counts get gap', () => {
    const r = new ReplayBuffer(1024);
    for (let i = 0; i < 100; i++) r.record([lines(`${i}`.padStart(20, '0'))]);
    expect(r.bytes).toBeLessThanOrEqual(1024);
    expect(r.total).toBe(100);
    expect(r.oldest).toBeGreaterThan(0);
    expect(r.after(r.oldest - 1)).toBe('gap');
    const rest = text(r.after(r.oldest)).split('\n').slice(0, -1);
    expect(rest).toEqual(Array.from({ length: 100 - r.oldest }, (_, i) => `${i + r.oldest}`.padStart(20, '0')));
    expect(r.overflowed).toBe(false);
  });

  it('while held, forgets delivered lines first and overflows only when the undelivered pass the budget', () => {
    const r = new ReplayBuffer(3000); // two lines of 1,000 bytes and their entries fit, three do not
    r.record([lines('x'.repeat(999))]);
    r.hold();
    r.record([lines('y'.repeat(999))]);
    expect(r.overflowed).toBe(false);
    r.record([lines('z'.repeat(999))]); // the delivered x goes
    expect(r.overflowed).toBe(false);
    expect(r.oldest).toBe(1);
    r.record([lines('w'.repeat(999))]);
    expect(r.overflowed).toBe(true);
  });

  it('after release, lines are forgotten to the budget again', () => {
    const r = new ReplayBuffer(1100);
    r.hold();
    r.record([lines('a'.repeat(999))]);
    r.release();
    r.record([lines('b'.repeat(999))]);
    expect(r.overflowed).toBe(false);
    expect(text(r.after(1))).toBe('b'.repeat(999) + '\n');
    expect(r.after(0)).toBe('gap');
  });

  it('forgets, while connected, what was written before a time, so an idle session ends up holding nothing', () => {
    const r = new ReplayBuffer(1 << 20);
    r.record([apart('welcome')], 0, 1000);
    r.record([apart('um', 'dois')], 0, 2000);
    r.forgetBefore(1500);
    expect(r.oldest).toBe(1);
    expect(text(r.after(1))).toBe('um\ndois\n');
    r.forgetBefore(2001);
    expect(r.bytes).toBe(0);
    expect(r.total).toBe(3);
    expect(r.after(3)).toEqual([]);
    expect(r.after(2)).toBe('gap');
  });

  it('never forgets by age while the connection is away (held lines wait for the resume)', () => {
    const r = new ReplayBuffer(1 << 20);
    r.record([lines('a')], 0, 1000);
    r.hold();
    r.record([lines('b')], 0, 1000);
    r.forgetBefore(5000);
    expect(text(r.after(0))).toBe('a\nb\n');
  });

  it('gives back what was recorded after any count, whatever the chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.stringMatching(/^[a-z]{0,8}$/), { minLength: 1, maxLength: 4 }), { maxLength: 30 }), (batches) => {
        const r = new ReplayBuffer(1 << 20);
        const all: string[] = [];
        for (const b of batches) {
          r.record([lines(...b)]);
          all.push(...b);
        }
        for (let n = 0; n <= all.length; n++) {
          expect(text(r.after(n))).toBe(all.slice(n).map((l) => l + '\n').join(''));
        }
      }),
    );
  });

  it('counts lines by their LFs', () => {
    expect(countLines(lines('a', 'b', ''))).toBe(3);
    expect(countLines(Buffer.alloc(0))).toBe(0);
  });
});
