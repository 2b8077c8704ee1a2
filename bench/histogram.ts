/**
 * A latency histogram in microseconds with < 1.6 % relative error and a
 * fixed, small size, so every worker can record millions of deliveries and
 * ship its counts to the main process to be merged.
 *
 * Values below 64 µs get a bucket each; above, each power of two is split in
 * 64 linear sub-buckets (a log-linear layout, as HdrHistogram does).
 */

const SUB_BITS = 6;
const SUB = 1 << SUB_BITS; // 64
/** Exponents up to 2^31 µs. */
const MAX_EXP = 24;
export const HISTOGRAM_BUCKETS = SUB * (MAX_EXP + 2);

export function bucketOf(us: number): number {
  // Latencies beyond 2^31 µs (35 minutes) share the last buckets.
  const v = us <= 0 ? 0 : Math.min(Math.floor(us), 2 ** 31 - 1);
  if (v < SUB) return v;
  const exp = 31 - Math.clz32(v) - SUB_BITS;
  return (exp + 1) * SUB + ((v >>> exp) - SUB);
}

/** The highest value a bucket holds (reported quantiles are upper bounds). */
export function bucketUpper(idx: number): number {
  if (idx < SUB) return idx;
  const exp = Math.floor(idx / SUB) - 1;
  const mantissa = (idx % SUB) + SUB;
  return (mantissa + 1) * 2 ** exp - 1;
}

export class Histogram {
  readonly counts = new Float64Array(HISTOGRAM_BUCKETS);
  count = 0;
  max = 0;

  record(us: number): void {
    this.counts[bucketOf(us)]!++;
    this.count++;
    if (us > this.max) this.max = us;
  }

  /** Sparse form for IPC: [bucket, count] pairs. */
  toJSON(): SparseHistogram {
    const pairs: Array<[number, number]> = [];
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i]! > 0) pairs.push([i, this.counts[i]!]);
    return { pairs, count: this.count, max: this.max };
  }

  merge(h: SparseHistogram): void {
    for (const [i, c] of h.pairs) this.counts[i]! += c;
    this.count += h.count;
    if (h.max > this.max) this.max = h.max;
  }

  /** The q-quantile (0..1) in µs, as the upper bound of its bucket; 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(bucketUpper(i), this.max);
    }
    return this.max;
  }
}

export interface SparseHistogram {
  pairs: Array<[number, number]>;
  count: number;
  max: number;
}
