/**
 * Figures over the interval between two readings of one process, from deltas of monotonic
 * data only (as jstat does with the JVM's ticks): any reader at any interval gets exact
 * figures. What a region publishes accrued between two of the writer's own timestamps (a Node
 * process's heartbeat, a JVM's sun.os.hrt.ticks), so it is divided by that span, never by the
 * reader's: a row read 0.5 s after a 3.5 s block divides the block's collections by 3.5 s.
 * When the writer published nothing new since the previous reading those figures are null
 * (shown `-`), never the previous values again. While a Node loop is blocked, the block so far
 * (the heartbeat's age) is folded in: the delay figures include it and ELU counts it as busy.
 */
import {
  BUCKET_COUNT, bucketLowerBound, bucketUpperBound, emptyHistogram, histogramDelta, recordDelay, type LoopHistogram,
} from '../runtime/loop-histogram.js';
import { frequency, num, sumMatching, type Counters, type Reading } from './reading.js';
import type { ProcessRates } from './types.js';

const NS_PER_MS = 1e6;

export function emptyRates(intervalSeconds = 0): ProcessRates {
  return {
    intervalSeconds, cpu: null, cpuUser: null, cpuSystem: null, gcPerSecond: null, gcTimeRatio: null,
    loopDelayP50Ms: null, loopDelayP99Ms: null, loopDelayMaxMs: null,
    loopDelayMinMs: null, loopDelayMeanMs: null, loopDelayStddevMs: null, loopDelayP90Ms: null, elu: null,
  };
}

/** The writer's own clock at its last publication, in ms (CLOCK_MONOTONIC for perfmem; undefined when unknown). */
export function writerClockMs(r: Reading): number | undefined {
  const name = r.runtime === 'node' ? 'node.heartbeat' : 'sun.os.hrt.ticks';
  const t = num(r.counters, name);
  return t !== undefined && t > 0 ? (t / frequency(r.counters)) * 1000 : undefined;
}

function delta(cur: Counters, prev: Counters, name: string): number | undefined {
  const a = num(cur, name), b = num(prev, name);
  return a === undefined || b === undefined ? undefined : Math.max(0, a - b);
}

function deltaMatching(cur: Counters, prev: Counters, pattern: RegExp): number | undefined {
  const a = sumMatching(cur, pattern), b = sumMatching(prev, pattern);
  return a === undefined || b === undefined ? undefined : Math.max(0, a - b);
}

const COLLECTOR_COUNT = /^sun\.gc\.collector\.\d+\.invocations$/;
const COLLECTOR_TIME = /^sun\.gc\.collector\.\d+\.time$/;

/** How long, in ms, a blocked reading's loop had been stuck beyond its last heartbeat (0 when running). */
function blockedTailMs(r: Reading, writerMs: number | undefined): number {
  if (r.loop.state !== 'blocked' || writerMs === undefined) return 0;
  return Math.max(0, r.monoNs / NS_PER_MS - writerMs);
}

/** The loop's delays over the interval, with an ongoing block folded in as one delay so far. */
export function intervalHistogram(cur: Reading, prev: Reading | undefined): LoopHistogram | undefined {
  if (cur.histogram === undefined) return undefined;
  const d = prev?.histogram !== undefined ? histogramDelta(cur.histogram, prev.histogram) : emptyHistogram();
  if (cur.loop.state === 'blocked') recordDelay(d, cur.loop.blockedForMs * NS_PER_MS);
  return d;
}

/** Rates between `prev` and `cur` (same process, `prev` read first). */
export function deriveRates(prev: Reading | undefined, cur: Reading): ProcessRates {
  if (prev === undefined) return emptyRates();
  const seconds = Math.max(0, (cur.monoNs - prev.monoNs) / 1e9);
  const rates = emptyRates(seconds);
  if (seconds <= 0) return rates;
  const freq = frequency(cur.counters);

  // CPU: /proc is the kernel's exact count over the reader's interval, true even while a loop is blocked.
  const sameProc = cur.proc !== undefined && prev.proc !== undefined && cur.proc.startTicks === prev.proc.startTicks;
  if (sameProc) {
    rates.cpuUser = Math.max(0, cur.proc!.cpuUserSeconds - prev.proc!.cpuUserSeconds) / seconds;
    rates.cpuSystem = Math.max(0, cur.proc!.cpuSystemSeconds - prev.proc!.cpuSystemSeconds) / seconds;
    rates.cpu = rates.cpuUser + rates.cpuSystem;
  } else if (cur.runtime === 'node') {
    cpuFromRegion(cur, prev, rates);
  }

  const curW = writerClockMs(cur), prevW = writerClockMs(prev);
  const published = curW !== undefined && prevW !== undefined && curW > prevW;
  const writerSeconds = published ? (curW - prevW) / 1000 : 0;

  if (published) {
    const count = cur.runtime === 'node' ? delta(cur.counters, prev.counters, 'node.gc.count') : deltaMatching(cur.counters, prev.counters, COLLECTOR_COUNT);
    const ticks = cur.runtime === 'node' ? delta(cur.counters, prev.counters, 'node.gc.time') : deltaMatching(cur.counters, prev.counters, COLLECTOR_TIME);
    if (count !== undefined) rates.gcPerSecond = count / writerSeconds;
    if (ticks !== undefined) rates.gcTimeRatio = Math.min(1, ticks / freq / writerSeconds);
  }
  if (cur.runtime !== 'node') return rates;

  const blocked = cur.loop.state === 'blocked';
  // ELU over [the end of what the previous row reported, the end of what this one reports].
  const active = delta(cur.counters, prev.counters, 'node.eventLoop.active');
  if (active !== undefined && curW !== undefined && prevW !== undefined && (published || blocked)) {
    const curTail = blockedTailMs(cur, curW), prevTail = blockedTailMs(prev, prevW);
    const start = prevW + prevTail, end = curW + curTail;
    const busy = (active / freq) * 1000 + curTail - (published ? prevTail : Math.min(prevTail, curTail));
    if (end > start) rates.elu = Math.min(1, Math.max(0, busy / (end - start)));
  }

  const h = intervalHistogram(cur, prev);
  if (h !== undefined) {
    if (h.count > 0) {
      const [p50, p90, p99] = percentiles(h, PERCENTILES);
      rates.loopDelayP50Ms = p50! / NS_PER_MS;
      rates.loopDelayP99Ms = p99! / NS_PER_MS;
      rates.loopDelayMaxMs = h.maxNs / NS_PER_MS;
      rates.loopDelayP90Ms = p90! / NS_PER_MS;
      const { min, mean, stddev } = moments(h);
      rates.loopDelayMinMs = min / NS_PER_MS;
      rates.loopDelayMeanMs = mean / NS_PER_MS;
      rates.loopDelayStddevMs = stddev / NS_PER_MS;
    }
  } else if (published || blocked) {
    // A runtime without the cumulative histogram: its last window's figures, fresh only.
    const ms = (name: string) => { const v = num(cur.counters, name); return v === undefined ? null : (v / freq) * 1000; };
    const fold = (v: number | null) => (blocked ? Math.max(v ?? 0, cur.loop.blockedForMs) : v);
    rates.loopDelayP50Ms = fold(published ? ms('node.eventLoop.delay.p50') : null);
    rates.loopDelayP99Ms = fold(published ? ms('node.eventLoop.delay.p99') : null);
    rates.loopDelayMaxMs = fold(published ? ms('node.eventLoop.delay.max') : null);
    rates.loopDelayP90Ms = fold(published ? ms('node.eventLoop.delay.p90') : null);
    rates.loopDelayMinMs = published ? ms('node.eventLoop.delay.min') : null;
    rates.loopDelayMeanMs = published ? ms('node.eventLoop.delay.mean') : null;
    rates.loopDelayStddevMs = published ? ms('node.eventLoop.delay.stddev') : null;
  }
  return rates;
}

/**
 * Without /proc (another user's process on a hardened host): the region's CPU ticks over the
 * writer's own span. While the main thread is blocked its counters stand still, and the
 * watchdog thread's (node.watchdog.cpu.*, stamped by node.watchdog.heartbeat) carry on.
 */
function cpuFromRegion(cur: Reading, prev: Reading, rates: ProcessRates): void {
  const pick = (prefix: string, clock: string): boolean => {
    const span = delta(cur.counters, prev.counters, clock);
    const user = delta(cur.counters, prev.counters, `${prefix}.user`);
    const system = delta(cur.counters, prev.counters, `${prefix}.system`);
    if (span === undefined || span <= 0 || user === undefined || system === undefined) return false;
    rates.cpuUser = user / span;
    rates.cpuSystem = system / span;
    rates.cpu = rates.cpuUser + rates.cpuSystem;
    return true;
  };
  if (cur.loop.state === 'blocked' && pick('node.watchdog.cpu', 'node.watchdog.heartbeat')) return;
  if (!pick('node.cpu', 'node.heartbeat')) pick('node.watchdog.cpu', 'node.watchdog.heartbeat');
}

/** Every bucket's bounds, computed once (bucketLowerBound and bucketUpperBound's values). */
const LOWER = Float64Array.from({ length: BUCKET_COUNT }, (_, i) => bucketLowerBound(i));
const UPPER = Float64Array.from({ length: BUCKET_COUNT }, (_, i) => bucketUpperBound(i));
const PERCENTILES = [50, 90, 99] as const;

/**
 * histogramPercentile(h, p) for each of `ps` (ascending) in one pass over the buckets: the
 * same ranks, the same interpolation, the same numbers.
 */
export function percentiles(h: LoopHistogram, ps: readonly number[]): number[] {
  const counts = h.counts;
  let total = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) total += counts[i]!;
  const out = new Array<number>(ps.length).fill(total === 0 ? 0 : h.maxNs);
  if (total === 0) return out;
  let k = 0;
  let rank = Math.min(total, Math.max(1, Math.ceil((ps[0]! / 100) * total)));
  let seen = 0;
  for (let i = 0; i < BUCKET_COUNT && k < ps.length; i++) {
    const n = counts[i]!;
    if (n === 0) continue;
    while (k < ps.length && seen + n >= rank) {
      const lo = LOWER[i]!;
      const hi = i === BUCKET_COUNT - 1 ? Math.max(lo, h.maxNs) : UPPER[i]!;
      const value = lo + (hi - lo) * ((rank - seen) / n);
      out[k] = h.maxNs > 0 ? Math.min(value, h.maxNs) : value;
      if (++k < ps.length) rank = Math.min(total, Math.max(1, Math.ceil((ps[k]! / 100) * total)));
    }
    seen += n;
  }
  return out;
}

/** Smallest delay (its bucket's lower bound), mean (exact) and standard deviation (bucket midpoints) of a histogram, ns. */
export function moments(h: LoopHistogram): { min: number; mean: number; stddev: number } {
  let n = 0, sq = 0, min = -1;
  const mean = h.count > 0 ? h.sumNs / h.count : 0;
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const c = h.counts[i]!;
    if (c === 0) continue;
    const lo = LOWER[i]!;
    if (min < 0) min = lo;
    const hi = i === BUCKET_COUNT - 1 ? Math.max(lo, h.maxNs) : Math.min(UPPER[i]!, Math.max(h.maxNs, lo));
    const mid = (lo + hi) / 2;
    n += c;
    sq += c * (mid - mean) ** 2;
  }
  return { min: Math.max(0, min), mean, stddev: n > 0 ? Math.sqrt(sq / n) : 0 };
}
