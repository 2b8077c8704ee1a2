/**
 * The single server's room link: the room is this process. Names are checked
 * against the roster, lines get their ids from the history store, and every
 * event is handed back before the call returns, so the chat server's
 * behaviour (and every byte it sends) is what it was before clusters.
 */
import type { HistoryStore } from '../history/history-store.ts';
import type { ClaimResult, LinkStatus, PublishResult, RoomEvent, RoomLink, RoomMember } from './room-link.ts';
import { Roster } from './roster.ts';

export const LOCAL_NODE = 'local';

export class LocalRoomLink<T> implements RoomLink<T> {
  readonly nodeId = LOCAL_NODE;
  private readonly roster = new Roster<T>();
  private onEvent: (event: RoomEvent<T>) => void = () => {};

  constructor(private readonly history: HistoryStore) {}

  get names(): readonly string[] {
    return this.roster.names;
  }

  find(name: string): RoomMember<T> | undefined {
    return this.roster.find(name);
  }

  async start(onEvent: (event: RoomEvent<T>) => void): Promise<void> {
    this.onEvent = onEvent;
  }

  claim(name: string, holder: T): ClaimResult {
    if (this.roster.add(name, LOCAL_NODE, holder) === null) return 'taken';
    this.onEvent({ type: 'join', name, holder });
    return 'ok';
  }

  release(name: string, holder: T): void {
    if (this.roster.remove(name, LOCAL_NODE, holder) !== undefined) this.onEvent({ type: 'leave', name, holder });
  }

  publishPublic(from: string, text: string, sender: T, label?: string): PublishResult {
    const time = Date.now();
    // With history off nothing is kept and no client can have asked for ids: 0 is never shown.
    const id = this.history.enabled ? this.history.append({ time, name: from, text }) : 0;
    const line = { id, time, name: from, text };
    this.onEvent(label === undefined ? { type: 'public', line, sender } : { type: 'public', line, sender, label });
    return 'ok';
  }

  publishPrivate(from: string, to: RoomMember<T>, text: string): PublishResult {
    if (to.holder !== undefined) this.onEvent({ type: 'private', from, to: to.holder, text });
    return 'ok';
  }

  async close(): Promise<void> {}

  status(): LinkStatus {
    return { connected: true, heldOps: 0, heldBytes: 0, roundTripMs: null, outages: 0 };
  }
}
