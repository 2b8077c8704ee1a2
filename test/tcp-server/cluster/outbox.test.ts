/**
 * The outbox: a node's ops in order, sent in batches, kept until every node
 * has read them, published again after Redis lost them, and bounded.
 */
import { describe, expect, it } from 'vitest';
import { type OpBody, type OpResult, Outbox } from '../../../tcp-server/cluster/outbox.ts';

const line = (text: string): OpBody => ({ kind: 'public', name: 'ana', text, time: 1, id: null });
const ok = (streamId: string, id?: number): OpResult => ({ status: 'ok', streamId, ...(id === undefined ? {} : { id }) });

describe('Outbox', () => {
  it('numbers ops in order and sends them oldest first, one batch at a time', () => {
    const box = new Outbox<string>(1 << 20);
    for (let i = 0; i < 5; i++) box.push(line(`l${i}`), `tag${i}`);
    expect(box.lastSeq).toBe(5);
    const first = box.takeBatch(3, 1 << 20);
    expect(first.map((op) => op.seq)).toEqual([1, 2, 3]);
    // Nothing more while a batch is on its way: the order is never at risk.
    expect(box.takeBatch(3, 1 << 20)).toEqual([]);
    box.confirm([ok('1-0', 100), ok('1-1', 101), ok('1-2', 102)]);
    expect(first[0]!.body).toMatchObject({ id: 100 });
    expect(box.takeBatch(3, 1 << 20).map((op) => op.seq)).toEqual([4, 5]);
    expect(box.find(2)?.tag).toBe('tag1');
  });

  it('limits a batch by bytes, but always takes at least one op', () => {
    const box = new Outbox<string>(1 << 20);
    box.push(line('x'.repeat(5000)));
    box.push(line('y'));
    expect(box.takeBatch(100, 1000).length).toBe(1);
  });

  it('sends a failed batch again, whole and in order', () => {
    const box = new Outbox<string>(1 << 20);
    for (let i = 0; i < 3; i++) box.push(line(`l${i}`));
    expect(box.takeBatch(2, 1 << 20).map((op) => op.seq)).toEqual([1, 2]);
    box.abort();
    const again = box.takeBatch(10, 1 << 20);
    expect(again.map((op) => op.seq)).toEqual([1, 2, 3]);
    // Redis may have applied the first two without our hearing it: they say so when sent again.
    expect(again.map((op) => op.sentBefore)).toEqual([true, true, false]);
  });

  it('keeps published ops until every node read them and this node read them back', () => {
    const box = new Outbox<string>(1 << 20);
    for (let i = 0; i < 4; i++) box.push(line(`l${i}`));
    box.takeBatch(10, 1 << 20);
    box.confirm([ok('5-0'), ok('5-1'), ok('6-0'), ok('10-0')]);
    const before = box.bytes;
    box.release('5-1', 4); // every node read up to 5-1
    expect(box.length).toBe(2);
    expect(box.bytes).toBeLessThan(before);
    box.release('10-0', 3); // this node read back only up to op 3
    expect(box.length).toBe(1);
    expect(box.find(4)).toBeDefined();
    expect(box.released).toBe(3);
    box.release('10-0', 4);
    expect(box.length).toBe(0);
    expect(box.bytes).toBe(0);
    expect(box.released).toBe(4);
  });

  it('publishes everything kept again after Redis lost its data, then what is new', () => {
    const box = new Outbox<string>(1 << 20);
    for (let i = 0; i < 3; i++) box.push(line(`l${i}`));
    box.takeBatch(10, 1 << 20);
    box.confirm([ok('1-0', 7), ok('1-1', 8), ok('1-2', 9)]);
    box.push(line('new'));
    box.replayAll();
    const again = box.takeBatch(10, 1 << 20);
    expect(again.map((op) => op.seq)).toEqual([1, 2, 3, 4]);
    // Old stream positions mean nothing in the new Redis life: nothing is released before it is published again.
    expect(again.every((op) => op.streamId === null)).toBe(true);
    // A line published again keeps its history id; a claim published again is marked as such.
    expect(again[0]!.body).toMatchObject({ id: 7 });
    expect(again[0]!.applied).toBe(true);
  });

  it('refuses lines beyond the budget, and always takes leaves, joins and syncs', () => {
    const box = new Outbox<string>(1000);
    let accepted = 0;
    while (box.push(line('x'.repeat(100))) !== null) accepted++;
    expect(accepted).toBeGreaterThan(3);
    expect(box.bytes).toBeLessThanOrEqual(1000);
    expect(box.push({ kind: 'private', from: 'ana', text: 'x'.repeat(100), to: 'bia', node: 'n' })).toBeNull();
    expect(box.push({ kind: 'leave', name: 'ana' })).not.toBeNull();
    expect(box.push({ kind: 'join', name: 'bia', keys: ['bia'] })).not.toBeNull();
    expect(box.push({ kind: 'sync', names: ['bia'] })).not.toBeNull();
    // Once what was held has been read by all, there is room again.
    box.takeBatch(1000, 1 << 20);
    box.confirm(Array.from({ length: box.length }, (_, i) => ok(`1-${i}`)));
    box.release('2-0', box.lastSeq);
    expect(box.push(line('again'))).not.toBeNull();
  });

  it('drops a refused claim (it announced nothing) and keeps the rest in order', () => {
    const box = new Outbox<string>(1 << 20);
    box.push(line('a'));
    box.push({ kind: 'join', name: 'bia', keys: ['bia'] });
    box.push(line('b'));
    box.takeBatch(10, 1 << 20);
    const refused = box.confirm([ok('1-0'), { status: 'taken' }, ok('1-1')]);
    expect(refused.map((op) => op.seq)).toEqual([2]);
    expect(box.find(2)).toBeUndefined();
    box.push(line('c'));
    expect(box.takeBatch(10, 1 << 20).map((op) => op.seq)).toEqual([4]);
  });

  it('gives up claims never applied while Redis is away, and no other op', () => {
    const box = new Outbox<string>(1 << 20);
    box.push({ kind: 'join', name: 'ana', keys: ['ana'] });
    box.takeBatch(10, 1 << 20);
    box.confirm([ok('1-0')]);
    box.push(line('held'));
    box.push({ kind: 'join', name: 'bia', keys: ['bia'] });
    expect(box.takeUnappliedJoins().map((op) => op.seq)).toEqual([3]);
    expect(box.length).toBe(2);
    expect(box.takeBatch(10, 1 << 20).map((op) => op.seq)).toEqual([2]);
  });
});
