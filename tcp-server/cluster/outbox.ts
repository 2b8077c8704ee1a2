/**
 * What a node has to tell the room, in the order it happened: claims,
 * leaves, public and private lines. Each operation gets the node's next
 * sequence number, is sent to Redis in batches (one script call per batch,
 * all or nothing, so the order survives any failure), and is kept after
 * Redis took it until every node has read it: if Redis comes back without
 * it (restarted without its data), the node publishes it again and
 * receivers drop repeats by sequence number (seq-filter.ts).
 *
 * Bounded: public and private lines are refused beyond `budgetBytes` (the
 * sender is told); leaves and the node's own bookkeeping always fit, as
 * there are at most as many of them as members.
 */
import { compareStreamIds } from './stream-id.ts';

export type OpBody =
  /** Take a name (its identity keys) and announce the join. */
  | { kind: 'join'; name: string; keys: readonly string[] }
  /** Give a name back and announce the leave. */
  | { kind: 'leave'; name: string }
  /** `id` is the history id, known once Redis assigned it (kept for a republish). */
  | { kind: 'public'; name: string; text: string; time: number; id: number | null; label?: string }
  /** `to` is held by a member on `node`. */
  | { kind: 'private'; from: string; text: string; to: string; node: string }
  /** "These are all the names I hold": said again after Redis lost its data. */
  | { kind: 'sync'; names: readonly string[] };

export interface Op<T> {
  readonly seq: number;
  readonly body: OpBody;
  /** Its share of the budget: the text it carries and a fixed overhead. */
  readonly bytes: number;
  /** Whatever the caller attached (the sender's connection), handed back when the op is read back. */
  readonly tag: T | undefined;
  /** Its entry in the stream of the current Redis life; null: not published there (yet, or again). */
  streamId: string | null;
  /** Redis applied it at least once: a join published again re-takes the name, it does not compete for it. */
  applied: boolean;
  /** Sent at least once before the current batch: Redis may have applied it without our hearing it. */
  sentBefore: boolean;
  /** Sent at least once. */
  sent: boolean;
}

/** What Redis answered for one op of a batch. */
export type OpResult =
  | { status: 'ok'; streamId: string; id?: number }
  /** A join whose name (or a look-alike) is held by another node, or refused while the cluster recovers. */
  | { status: 'taken' | 'unavailable' };

/** Bytes counted per op besides its text: field names, ids, the script's arguments. */
const OP_OVERHEAD = 64;

export class Outbox<T> {
  /** In sequence order. Those before `sendFrom` are published in the current Redis life. */
  private ops: Op<T>[] = [];
  private sendFrom = 0;
  private inFlight: Op<T>[] | null = null;
  private nextSeq = 1;
  private _bytes = 0;
  private _released = 0;

  constructor(private readonly budgetBytes: number) {}

  get bytes(): number {
    return this._bytes;
  }

  get length(): number {
    return this.ops.length;
  }

  /** Ops not yet published in the current Redis life (in flight included). */
  get unsent(): number {
    return this.ops.length - this.sendFrom;
  }

  get busy(): boolean {
    return this.inFlight !== null;
  }

  /** Every op up to this number has been read by every node (and let go). */
  get released(): number {
    return this._released;
  }

  /** The last sequence number given (0: none yet). */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /**
   * Queues an op; null when a line does not fit in the budget. Joins,
   * leaves and syncs always fit (`force`), so a member can always leave.
   */
  push(body: OpBody, tag?: T): Op<T> | null {
    const bytes = sizeOf(body);
    const force = body.kind !== 'public' && body.kind !== 'private';
    if (!force && this._bytes + bytes > this.budgetBytes) return null;
    const op: Op<T> = { seq: this.nextSeq++, body, bytes, tag, streamId: null, applied: false, sentBefore: false, sent: false };
    this.ops.push(op);
    this._bytes += bytes;
    return op;
  }

  /** The op numbered `seq`, if still kept. */
  find(seq: number): Op<T> | undefined {
    const ops = this.ops;
    let lo = 0;
    let hi = ops.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ops[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    const op = ops[lo];
    return op !== undefined && op.seq === seq ? op : undefined;
  }

  /** The next ops to send, oldest first, at most `maxOps` and about `maxBytes` (at least one); one batch at a time. */
  takeBatch(maxOps: number, maxBytes: number): Op<T>[] {
    if (this.inFlight !== null) return [];
    const batch: Op<T>[] = [];
    let bytes = 0;
    for (let i = this.sendFrom; i < this.ops.length && batch.length < maxOps; i++) {
      const op = this.ops[i]!;
      if (batch.length > 0 && bytes + op.bytes > maxBytes) break;
      bytes += op.bytes;
      op.sentBefore = op.sent;
      op.sent = true;
      batch.push(op);
    }
    if (batch.length > 0) this.inFlight = batch;
    return batch;
  }

  /**
   * Redis applied the batch in flight: one result per op, in order. Joins
   * it refused are dropped (they announced nothing); returns them.
   */
  confirm(results: readonly OpResult[]): Op<T>[] {
    const batch = this.inFlight;
    if (batch === null) return [];
    this.inFlight = null;
    const refused: Op<T>[] = [];
    batch.forEach((op, i) => {
      const result = results[i];
      if (result === undefined || result.status !== 'ok') {
        refused.push(op);
        return;
      }
      op.streamId = result.streamId;
      op.applied = true;
      if (op.body.kind === 'public' && result.id !== undefined) op.body.id = result.id;
    });
    this.sendFrom += batch.length;
    for (const op of refused) this.drop(op);
    return refused;
  }

  /** The batch in flight failed as a whole (Redis applied none of it): it is sent again later. */
  abort(): void {
    this.inFlight = null;
  }

  /** Redis may have lost what it had: every op kept is published again, in order. */
  replayAll(): void {
    this.inFlight = null;
    for (const op of this.ops) op.streamId = null;
    this.sendFrom = 0;
  }

  /**
   * Joins never applied, while Redis is away: their users are told the chat
   * is unavailable rather than made to wait. Returns them (removed).
   */
  takeUnappliedJoins(): Op<T>[] {
    if (this.inFlight !== null) return [];
    const joins = this.ops.filter((op) => op.body.kind === 'join' && !op.applied);
    for (const op of joins) this.drop(op);
    return joins;
  }

  /**
   * Forgets the published ops that every node has read: stream entry at or
   * before `readByAll`, and sequence at most `readBack` (this node read it
   * back too, so whatever it carried was handed over).
   */
  release(readByAll: string, readBack: number): void {
    let n = 0;
    while (n < this.sendFrom && n < this.ops.length) {
      const op = this.ops[n]!;
      if (op.streamId === null || op.seq > readBack || compareStreamIds(op.streamId, readByAll) > 0) break;
      if (this.inFlight?.includes(op)) break;
      this._bytes -= op.bytes;
      n++;
    }
    if (n === 0) return;
    this._released = this.ops[n - 1]!.seq;
    this.ops.splice(0, n);
    this.sendFrom -= n;
  }

  private drop(op: Op<T>): void {
    const i = this.ops.indexOf(op);
    if (i === -1) return;
    this.ops.splice(i, 1);
    if (i < this.sendFrom) this.sendFrom--;
    this._bytes -= op.bytes;
  }
}

function sizeOf(body: OpBody): number {
  switch (body.kind) {
    case 'join':
      return OP_OVERHEAD + Buffer.byteLength(body.name) + body.keys.reduce((n, k) => n + Buffer.byteLength(k) + 1, 0);
    case 'leave':
      return OP_OVERHEAD + Buffer.byteLength(body.name);
    case 'public':
      return OP_OVERHEAD + Buffer.byteLength(body.name) + Buffer.byteLength(body.text) + (body.label?.length ?? 0);
    case 'private':
      return OP_OVERHEAD + Buffer.byteLength(body.from) + Buffer.byteLength(body.text) + Buffer.byteLength(body.to) + body.node.length;
    case 'sync':
      return OP_OVERHEAD + body.names.reduce((n, name) => n + Buffer.byteLength(name) + 1, 0);
  }
}
