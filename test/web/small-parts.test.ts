import { describe, expect, it } from 'vitest';
import { RECONNECT_MAX_MS, backoffDelay } from '../../web/lib/backoff.ts';
import { History } from '../../web/lib/history.ts';
import { Outbox } from '../../web/lib/outbox.ts';

describe('outbox', () => {
  it('sends waiting lines in order and keeps what the socket refused', () => {
    const box = new Outbox();
    box.add(1, 'a');
    box.add(2, 'b');
    box.add(3, 'c');
    const sent: string[] = [];
    let room = 2;
    expect(box.flush((l) => room-- > 0 && sent.push(l) > 0).map((p) => p.id)).toEqual([1, 2]);
    expect(sent).toEqual(['a', 'b']);
    expect(box.size).toBe(1);
    expect(box.flush((l) => sent.push(l) > 0)).toEqual([{ id: 3, line: 'c' }]);
    expect(sent).toEqual(['a', 'b', 'c']);
    expect(box.size).toBe(0);
  });

  it('puts lines that never reached the server back first, before what was typed since', () => {
    const box = new Outbox();
    box.add(3, 'typed while away');
    box.requeue([
      { id: 1, line: 'lost 1' },
      { id: 2, line: 'lost 2' },
    ]);
    const sent: string[] = [];
    box.flush((l) => sent.push(l) > 0);
    expect(sent).toEqual(['lost 1', 'lost 2', 'typed while away']);
  });
});

describe('history', () => {
  it('recalls what I sent with ↑ and returns to an empty composer with ↓', () => {
    const h = new History();
    h.push('um');
    h.push('dois');
    expect(h.browsing('')).toBe(true);
    expect(h.up()).toBe('dois');
    expect(h.browsing('dois')).toBe(true);
    expect(h.up()).toBe('um');
    expect(h.up()).toBeNull();
    expect(h.down()).toBe('dois');
    expect(h.down()).toBe('');
    expect(h.down()).toBeNull();
  });

  it('does not browse over text being written, and forgets the oldest beyond its size', () => {
    const h = new History(2);
    h.push('a');
    h.push('b');
    h.push('c');
    expect(h.browsing('texto')).toBe(false);
    expect(h.up()).toBe('c');
    expect(h.up()).toBe('b');
    expect(h.up()).toBeNull();
  });
});

describe('reconnect backoff', () => {
  it('doubles up to the cap, with jitter between half and all of it', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 0)).toBe(2000);
    expect(backoffDelay(3, () => 1)).toBe(4000);
    expect(backoffDelay(50, () => 1)).toBe(RECONNECT_MAX_MS);
    expect(backoffDelay(50, () => 0)).toBe(RECONNECT_MAX_MS / 2);
  });
});

describe('outbox with labels', () => {
  it('sends labelled lines as /label and keeps them until confirmed; commands leave once sent', () => {
    const box = new Outbox();
    box.add(1, 'um', 'L1');
    box.add(0, '/users');
    box.add(2, '@bob dois', 'L2');
    const sent: string[] = [];
    expect(box.flush((l) => sent.push(l) > 0, true).map((p) => p.id)).toEqual([1, 0, 2]);
    expect(sent).toEqual(['/label L1 um', '/users', '/label L2 @bob dois']);
    expect(box.size).toBe(2);
    expect(box.waiting).toBe(0);
    expect(box.flush((l) => sent.push(l) > 0, true)).toEqual([]); // nothing sent twice on one connection
    expect(box.confirm('L1')).toEqual({ id: 1, line: 'um', label: 'L1' });
    expect(box.confirm('L1')).toBeUndefined(); // a repeated confirmation
    expect(box.lines()).toEqual([{ id: 2, line: '@bob dois', label: 'L2' }]);
  });

  it('after a new connection sends every unconfirmed line again, same labels, same order, before newer ones', () => {
    const box = new Outbox();
    box.add(1, 'a', 'La');
    box.add(2, 'b', 'Lb');
    box.flush(() => true, true);
    box.add(3, 'c', 'Lc'); // typed while away
    box.unsend();
    expect(box.waiting).toBe(3);
    const sent: string[] = [];
    box.flush((l) => sent.push(l) > 0, true);
    expect(sent).toEqual(['/label La a', '/label Lb b', '/label Lc c']);
  });

  it('a refused line stays waiting, after the ones sent, in order', () => {
    const box = new Outbox();
    box.add(1, 'a', 'La');
    box.add(2, 'b', 'Lb');
    box.add(3, 'c', 'Lc');
    let room = 1;
    box.flush(() => room-- > 0, true);
    expect(box.waiting).toBe(2);
    const sent: string[] = [];
    box.flush((l) => sent.push(l) > 0, true);
    expect(sent).toEqual(['/label Lb b', '/label Lc c']);
    expect(box.lines().map((p) => p.label)).toEqual(['La', 'Lb', 'Lc']);
  });

  it('without labels on the connection sends lines as typed and forgets them', () => {
    const box = new Outbox();
    box.add(1, 'a', 'La');
    const sent: string[] = [];
    box.flush((l) => sent.push(l) > 0, false);
    expect(sent).toEqual(['a']);
    expect(box.size).toBe(0);
  });
});
