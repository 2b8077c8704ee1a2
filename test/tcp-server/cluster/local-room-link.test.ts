/**
 * The single server's link: answers at once and hands every event back
 * before the call returns, with history ids from the server's own store.
 */
import { describe, expect, it } from 'vitest';
import { LocalRoomLink } from '../../../tcp-server/cluster/local-room-link.ts';
import type { RoomEvent, RoomLink } from '../../../tcp-server/cluster/room-link.ts';
import { DisabledHistory, type HistoryStore } from '../../../tcp-server/history/history-store.ts';
import { SqliteHistoryStore } from '../../../tcp-server/history/sqlite-history-store.ts';

async function open(history: HistoryStore = SqliteHistoryStore.open(':memory:', { max: 100 })) {
  const link: RoomLink<string> = new LocalRoomLink<string>(history);
  const events: RoomEvent<string>[] = [];
  await link.start((e) => events.push(e));
  return { link, events, history };
}

describe('LocalRoomLink', () => {
  it('claims a name synchronously and announces the join before returning', async () => {
    const { link, events } = await open();
    expect(link.claim('ana', 'conn-ana')).toBe('ok');
    expect(events).toEqual([{ type: 'join', name: 'ana', holder: 'conn-ana' }]);
    expect(link.claim('ANA', 'other')).toBe('taken');
    expect(link.claim('ɑna', 'other')).toBe('taken');
    expect(link.names).toEqual(['ana']);
    expect(link.find('Ana')).toEqual({ name: 'ana', node: 'local', holder: 'conn-ana' });
  });

  it('releases once, only for the holder, and frees the name', async () => {
    const { link, events } = await open();
    link.claim('ana', 'first');
    link.release('ana', 'someone else');
    link.release('ana', 'first');
    link.release('ana', 'first');
    expect(events.filter((e) => e.type === 'leave')).toEqual([{ type: 'leave', name: 'ana', holder: 'first' }]);
    expect(link.claim('ana', 'second')).toBe('ok');
  });

  it('gives public lines growing history ids and stores them', async () => {
    const { link, events, history } = await open();
    link.claim('ana', 'conn-ana');
    expect(link.publishPublic('ana', 'um', 'conn-ana')).toBe('ok');
    expect(link.publishPublic('ana', 'dois', 'conn-ana')).toBe('ok');
    const lines = events.flatMap((e) => (e.type === 'public' ? [e] : []));
    expect(lines.map((e) => [e.line.text, e.sender])).toEqual([
      ['um', 'conn-ana'],
      ['dois', 'conn-ana'],
    ]);
    expect(lines[1]!.line.id).toBe(lines[0]!.line.id + 1);
    expect(history.recent(10).map((r) => [r.id, r.text])).toEqual(lines.map((e) => [e.line.id, e.line.text]));
  });

  it('with history off, lines still go out (id 0, nothing kept)', async () => {
    const { link, events } = await open(new DisabledHistory());
    link.publishPublic('ana', 'oi', 'conn-ana');
    expect(events).toMatchObject([{ type: 'public', line: { id: 0, name: 'ana', text: 'oi' } }]);
  });

  it('hands a private line to its recipient', async () => {
    const { link, events } = await open();
    link.claim('ana', 'conn-ana');
    link.claim('bia', 'conn-bia');
    expect(link.publishPrivate('ana', link.find('BIA')!, 'psst', 'conn-ana')).toBe('ok');
    expect(events.at(-1)).toEqual({ type: 'private', from: 'ana', to: 'conn-bia', text: 'psst' });
    expect(link.status()).toEqual({ connected: true, heldOps: 0, heldBytes: 0, roundTripMs: null, outages: 0 });
  });
});
