/**
 * The event loop's delay as a cumulative histogram (layout version 1), defined once here and
 * read by every tool: any reader, at any interval, gets exact counts from the difference of
 * two reads, as jstat does with the JVM's tick counters and Prometheus with its histograms.
 *
 * Buckets are log-linear over nanoseconds: bucket 0 holds [0, 2^16 ns) (under 66 µs: a loop
 * on time); then each power of two from 2^16 to 2^36 ns (66 µs to 69 s) is cut into
 * SUB_BUCKETS (16) equal parts; the last bucket holds [2^36 ns, +Inf). A bucket's width is at
 * most 1/16 of its lower bound, so any value taken inside the bucket of the true percentile
 * (as histogramPercentile does) is within 6.25% of it from 66 µs to 69 s.
 *
 * In a region (all longs; `supported` = false so plain `jstat -snap` stays readable):
 *   node.eventLoop.delay.histogram.version  constant  1
 *   node.eventLoop.delay.bucket.<i>         monotonic events: delays that fell in bucket i (not
 *                                           cumulative; a missing bucket counter reads as 0, so
 *                                           a writer may declare them lazily)
 *   node.eventLoop.delay.total.count        monotonic events: all delays recorded
 *   node.eventLoop.delay.total.sum          monotonic ticks (ns): their sum
 *   node.eventLoop.delay.total.max          monotonic ticks (ns): the largest since start
 * Pure: no I/O, no Node APIs, so every layer (monitor, export, cli, web) may import it.
 */

export const LOOP_HISTOGRAM_VERSION = 1;
/** Equal parts per power of two. */
export const SUB_BUCKETS = 16;
const FIRST_EXPONENT = 16;
const LAST_EXPONENT = 36;
const FIRST_BOUND = 2 ** FIRST_EXPONENT;
const LAST_BOUND = 2 ** LAST_EXPONENT;
/** 1 (under 2^16 ns) + 20 octaves x 16 + 1 (2^36 ns and over) = 322. */
export const BUCKET_COUNT = 1 + (LAST_EXPONENT - FIRST_EXPONENT) * SUB_BUCKETS + 1;

export const HISTOGRAM_VERSION_COUNTER = 'node.eventLoop.delay.histogram.version';
export const BUCKET_COUNTER_PREFIX = 'node.eventLoop.delay.bucket.';
export const TOTAL_COUNT_COUNTER = 'node.eventLoop.delay.total.count';
export const TOTAL_SUM_COUNTER = 'node.eventLoop.delay.total.sum';
export const TOTAL_MAX_COUNTER = 'node.eventLoop.delay.total.max';

/** The counter name of bucket `i`. */
export function bucketCounterName(i: number): string {
  return BUCKET_COUNTER_PREFIX + i;
}

/** Lower bound of bucket i, in ns (inclusive). */
export function bucketLowerBound(i: number): number {
  if (i <= 0) return 0;
  if (i >= BUCKET_COUNT - 1) return LAST_BOUND;
  const octave = Math.floor((i - 1) / SUB_BUCKETS), part = (i - 1) % SUB_BUCKETS;
  const base = 2 ** (FIRST_EXPONENT + octave);
  return base + (base / SUB_BUCKETS) * part;
}

/** Upper bound of bucket i, in ns (exclusive; Infinity for the last). */
export function bucketUpperBound(i: number): number {
  return i >= BUCKET_COUNT - 1 ? Infinity : bucketLowerBound(i + 1);
}

/** The bucket a delay of `ns` nanoseconds falls in (negative and NaN count as 0). */
export function bucketIndex(ns: number): number {
  if (!(ns >= FIRST_BOUND)) return 0;
  if (ns >= LAST_BOUND) return BUCKET_COUNT - 1;
  // Octave above 2^16: ns / 2^16 is in [1, 2^20), so its integer part fits 32 bits.
  const octave = 31 - Math.clz32(Math.floor(ns / FIRST_BOUND));
  const base = 2 ** (FIRST_EXPONENT + octave);
  const part = Math.min(SUB_BUCKETS - 1, Math.floor((ns - base) / (base / SUB_BUCKETS)));
  return 1 + octave * SUB_BUCKETS + part;
}

/** A histogram of delays: per-bucket counts (not cumulative), total count, sum and max, in ns. */
export interface LoopHistogram {
  counts: Float64Array;
  count: number;
  sumNs: number;
  maxNs: number;
}

export function emptyHistogram(): LoopHistogram {
  return { counts: new Float64Array(BUCKET_COUNT), count: 0, sumNs: 0, maxNs: 0 };
}

/** Adds one delay (what a writer does per probe; also how a reader folds in an ongoing block). */
export function recordDelay(h: LoopHistogram, ns: number): void {
  const v = ns > 0 ? ns : 0;
  h.counts[bucketIndex(v)]! += 1;
  h.count += 1;
  h.sumNs += v;
  if (v > h.maxNs) h.maxNs = v;
}

function asNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'object' && v !== null && 'value' in v) return asNumber((v as { value: unknown }).value);
  return NaN;
}

/**
 * Decodes the histogram from a region's counters (a lookup by name, returning a number, a
 * bigint or a CounterInfo-like `{ value }`). Undefined when the region has no histogram of
 * this version. Hostile values (negative, NaN) read as 0.
 */
export function readLoopHistogram(lookup: (name: string) => unknown): LoopHistogram | undefined {
  if (asNumber(lookup(HISTOGRAM_VERSION_COUNTER)) !== LOOP_HISTOGRAM_VERSION) return undefined;
  const clean = (v: unknown): number => { const n = asNumber(v); return n > 0 && Number.isFinite(n) ? n : 0; };
  const h = emptyHistogram();
  for (let i = 0; i < BUCKET_COUNT; i++) h.counts[i] = clean(lookup(bucketCounterName(i)));
  h.count = clean(lookup(TOTAL_COUNT_COUNTER));
  h.sumNs = clean(lookup(TOTAL_SUM_COUNTER));
  h.maxNs = clean(lookup(TOTAL_MAX_COUNTER));
  return h;
}

/**
 * What was recorded between two reads of the same process (`later` minus `earlier`). The
 * maximum over the interval is exact when the all-time maximum grew in it; otherwise it is the
 * upper bound of the highest bucket that grew, capped by the all-time maximum.
 */
export function histogramDelta(later: LoopHistogram, earlier: LoopHistogram): LoopHistogram {
  const d = emptyHistogram();
  let top = -1;
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const n = Math.max(0, later.counts[i]! - earlier.counts[i]!);
    d.counts[i] = n;
    if (n > 0) top = i;
  }
  d.count = Math.max(0, later.count - earlier.count);
  d.sumNs = Math.max(0, later.sumNs - earlier.sumNs);
  if (later.maxNs > earlier.maxNs) d.maxNs = later.maxNs;
  else if (top >= 0) d.maxNs = Math.min(later.maxNs, bucketUpperBound(top));
  return d;
}

/** Sums histograms (e.g. several processes of an app); the max is the largest. */
export function mergeHistograms(parts: readonly LoopHistogram[]): LoopHistogram {
  const m = emptyHistogram();
  for (const h of parts) {
    for (let i = 0; i < BUCKET_COUNT; i++) m.counts[i]! += h.counts[i]!;
    m.count += h.count;
    m.sumNs += h.sumNs;
    if (h.maxNs > m.maxNs) m.maxNs = h.maxNs;
  }
  return m;
}

/**
 * The p-th percentile (0 < p <= 100) in ns, interpolated linearly inside its bucket and
 * capped by the maximum; 0 for an empty histogram.
 */
export function histogramPercentile(h: LoopHistogram, p: number): number {
  let total = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) total += h.counts[i]!;
  if (total === 0) return 0;
  const rank = Math.min(total, Math.max(1, Math.ceil((p / 100) * total)));
  let seen = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const n = h.counts[i]!;
    if (n === 0) continue;
    if (seen + n >= rank) {
      const lo = bucketLowerBound(i);
      const hi = i === BUCKET_COUNT - 1 ? Math.max(lo, h.maxNs) : bucketUpperBound(i);
      const value = lo + (hi - lo) * ((rank - seen) / n);
      return h.maxNs > 0 ? Math.min(value, h.maxNs) : value;
    }
    seen += n;
  }
  return h.maxNs;
}

/** Mean delay in ns (0 for an empty histogram). */
export function histogramMean(h: LoopHistogram): number {
  return h.count > 0 ? h.sumNs / h.count : 0;
}
