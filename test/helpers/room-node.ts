/**
 * A cluster node for tests of the room link alone (no chat server): a real
 * RedisRoomLink on a real Redis, its history in memory, and every event it
 * hands over written down as a line a test can wait for. Members are
 * plain strings (their names) standing in for connections.
 */
import { SqliteHistoryStore } from '../../tcp-server/history/sqlite-history-store.ts';
import { RedisRoomLink, type RedisRoomLinkOptions } from '../../tcp-server/cluster/redis-room-link.ts';
import type { ClaimResult, RoomEvent } from '../../tcp-server/cluster/room-link.ts';

export type NodeOptions = Partial<Omit<RedisRoomLinkOptions, 'url' | 'history'>>;

/** Short settings so tests of deaths and outages take seconds, not minutes. */
export const FAST: NodeOptions = { heartbeatMs: 100, nodeTtlMs: 1000 };

export class RoomNode {
  /** Every event, as `join ana`, `leave ana`, `public ana: text`, `private bob>ana: text`, `lost ana`. */
  readonly events: string[] = [];
  /** The public lines received, with their ids, in order. */
  readonly publics: { id: number; from: string; text: string; mine: boolean }[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    readonly link: RedisRoomLink<string>,
    readonly history: SqliteHistoryStore,
    /** What the link logged. */
    readonly logLines: string[],
  ) {}

  static async start(url: string, options: NodeOptions = {}): Promise<RoomNode> {
    const history = SqliteHistoryStore.open(':memory:', { max: options.historyMax ?? 1000 });
    const logLines: string[] = [];
    const link = new RedisRoomLink<string>({
      url,
      history,
      historyMax: 1000,
      bufferBytes: 8 * 1024 * 1024,
      nodeName: 'test',
      heartbeatMs: 1000,
      nodeTtlMs: 5000,
      log: (line) => logLines.push(line),
      ...options,
    });
    const node = new RoomNode(link, history, logLines);
    try {
      await link.start((event) => node.record(event));
    } catch (error) {
      history.close();
      throw error;
    }
    return node;
  }

  get id(): string {
    return this.link.nodeId;
  }

  /** Claims and, when it is taken, waits for this node's own join to come back from the room. */
  async join(name: string): Promise<ClaimResult> {
    const result = await this.link.claim(name, name);
    if (result === 'ok') await this.waitFor((e) => e.includes(`join ${name}`), `own join of ${name}`);
    return result;
  }

  say(from: string, text: string): void {
    const result = this.link.publishPublic(from, text, from);
    if (result !== 'ok') throw new Error(`publish refused: ${result}`);
  }

  count(line: string): number {
    return this.events.filter((e) => e === line).length;
  }

  /** Waits until `done(events)` holds; event-driven, bounded by `timeoutMs`. */
  async waitFor(done: (events: string[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.events)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.id}: timed out waiting for ${what}; events:\n${this.events.slice(-30).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.link.close();
    this.history.close();
  }

  private record(event: RoomEvent<string>): void {
    switch (event.type) {
      case 'join':
      case 'leave':
      case 'lost':
        this.events.push(`${event.type} ${event.name}`);
        break;
      case 'public':
        this.events.push(`public ${event.line.name}: ${event.line.text}`);
        this.publics.push({ id: event.line.id, from: event.line.name, text: event.line.text, mine: event.sender !== undefined });
        break;
      case 'private':
        this.events.push(`private ${event.from}>${event.to}: ${event.text}`);
        break;
    }
    for (const w of this.waiters.splice(0)) w();
  }
}
