/**
 * Stand-ins for what the page's state talks to, in memory: the socket side
 * (records what the page sends; nothing opens by itself) and sessionStorage.
 */
import type { RoomLink } from '../../web/lib/chat-room.svelte.ts';
import type { KeyValue } from '../../web/lib/session-store.ts';

/** The socket side as the room sees it: lines go out only while "open"; nothing opens by itself. */
export class RecordingTransport implements RoomLink {
  sent: string[] = [];
  open = false;
  connects = 0;
  closes = 0;
  backoffResets = 0;
  send(line: string): boolean {
    if (!this.open) return false;
    this.sent.push(line);
    return true;
  }
  connect(): void {
    this.connects++;
  }
  close(): void {
    this.closes++;
    this.open = false;
  }
  resetBackoff(): void {
    this.backoffResets++;
  }
}

/** sessionStorage's behaviour, in memory (a new page on the same one is a reload). */
export class MemoryStorage implements KeyValue {
  readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}
