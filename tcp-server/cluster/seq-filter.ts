/**
 * Exactly once, in order: each node numbers what it publishes (1, 2, 3…)
 * and publishes in that order, so a receiver keeps, per origin node, the
 * last number it delivered and drops anything not above it. Repeats come
 * from a node publishing again what Redis may have lost (after an outage, or
 * after Redis came back empty); the filter makes them harmless.
 *
 * Memory: one entry per origin node. An origin that is gone is forgotten
 * `forgetAfterMs` later: long enough for a node that was only cut off, and
 * declared dead meanwhile, to publish its held lines again without repeats.
 */
export class SeqFilter {
  private readonly last = new Map<string, number>();
  private readonly goneAt = new Map<string, number>();

  constructor(private readonly forgetAfterMs: number) {}

  /** True when `seq` from `origin` is new (and records it); false for a repeat. */
  accept(origin: string, seq: number): boolean {
    const last = this.last.get(origin) ?? 0;
    if (seq <= last) return false;
    this.last.set(origin, seq);
    this.goneAt.delete(origin);
    return true;
  }

  /** The last number delivered from `origin` (0: none). */
  lastOf(origin: string): number {
    return this.last.get(origin) ?? 0;
  }

  /** Starts an origin's count where the room already is (a node joining the cluster late). */
  seed(origin: string, seq: number): void {
    if (seq > this.lastOf(origin)) this.last.set(origin, seq);
  }

  /** The origin's node is gone: its entry is forgotten after a while. */
  markGone(origin: string, now: number): void {
    if (this.last.has(origin)) this.goneAt.set(origin, now);
  }

  /** Forgets origins gone for longer than `forgetAfterMs`. */
  prune(now: number): void {
    for (const [origin, at] of this.goneAt) {
      if (now - at >= this.forgetAfterMs) {
        this.goneAt.delete(origin);
        this.last.delete(origin);
      }
    }
  }

  get size(): number {
    return this.last.size;
  }
}
