/**
 * One read of one process: its counters by name, the cumulative loop histogram, /proc figures
 * and the reader's clocks. Pure helpers over readings; the monitor keeps the previous reading of
 * each process and derives rates from the two (see rates.ts).
 */
import type { CounterInfo } from '../perfdata/types.js';
import type { ProcStat } from '../perfmemory/index.js';
import {
  BUCKET_COUNT, BUCKET_COUNTER_PREFIX, bucketCounterName, emptyHistogram, HISTOGRAM_VERSION_COUNTER, LOOP_HISTOGRAM_VERSION, readLoopHistogram,
  TOTAL_COUNT_COUNTER, TOTAL_MAX_COUNTER, TOTAL_SUM_COUNTER, type LoopHistogram,
} from '../runtime/loop-histogram.js';
import { loopStatus, type LoopStatus } from '../runtime/loop-status.js';
import { CounterTable, type CounterLayout } from './counter-table.js';
import type { Runtime } from './types.js';

export type Counters = ReadonlyMap<string, number | string>;

export interface Reading {
  runtime: Runtime;
  counters: Counters;
  histogram: LoopHistogram | undefined;
  proc: ProcStat | undefined;
  /** The reader's wall clock (ms) and CLOCK_MONOTONIC (ns) at the read. */
  atMs: number;
  monoNs: number;
  loop: LoopStatus;
}

/** Counters as plain values (longs as numbers: 2^53 is ample for ticks, bytes and counts). */
export function countersOf(list: readonly CounterInfo[]): Map<string, number | string> {
  const m = new Map<string, number | string>();
  for (const c of list) m.set(c.name, typeof c.value === 'bigint' ? Number(c.value) : c.value);
  return m;
}

export function makeReading(runtime: Runtime, counters: Counters, proc: ProcStat | undefined, atMs: number, monoNs: number): Reading {
  const histogram = runtime === 'node' ? loopHistogramOf(counters) : undefined;
  const loop = runtime === 'node' ? loopStatus((n) => counters.get(n), monoNs) : { state: 'unknown' as const, heartbeatAgeMs: 0, periodMs: 0, blockedForMs: 0 };
  return { runtime, counters, histogram, proc, atMs, monoNs, loop };
}

/** A finite number counter, else undefined (strings, hostile values). */
export function num(c: Counters, name: string): number | undefined {
  const v = c.get(name);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function str(c: Counters, name: string): string | undefined {
  const v = c.get(name);
  return typeof v === 'string' ? v : undefined;
}

/** Ticks per second of the region's clock (sun.os.hrt.frequency; 1e9 when absent or hostile). */
export function frequency(c: Counters): number {
  const f = num(c, 'sun.os.hrt.frequency');
  return f !== undefined && f > 0 ? f : 1e9;
}

/** Sum of every finite number counter whose name matches (undefined when none does). */
export function sumMatching(c: Counters, pattern: RegExp): number | undefined {
  let total: number | undefined;
  for (const [name, v] of c) {
    if (typeof v !== 'number' || !Number.isFinite(v) || !pattern.test(name)) continue;
    total = (total ?? 0) + v;
  }
  return total;
}

/** Where the loop histogram's counters sit in a layout (-1: absent), and the buckets present. */
interface HistogramSlots {
  version: number;
  count: number;
  sum: number;
  max: number;
  /** Pairs (bucket, slot) of the buckets the region declares (a writer declares them lazily). */
  buckets: Int32Array;
}

/** Every bucket counter's name and its bucket. */
const BUCKET_OF_NAME: ReadonlyMap<string, number> = new Map(Array.from({ length: BUCKET_COUNT }, (_, i) => [bucketCounterName(i), i]));

function histogramSlots(layout: CounterLayout): HistogramSlots {
  const slot = (name: string): number => layout.slots.get(name) ?? -1;
  const pairs: number[] = [];
  // One prefix test per name (a region declares the buckets it uses), not a lookup per possible bucket.
  const { names } = layout;
  for (let s = 0; s < names.length; s++) {
    const name = names[s]!;
    if (!name.startsWith(BUCKET_COUNTER_PREFIX)) continue;
    const i = BUCKET_OF_NAME.get(name);
    if (i !== undefined) pairs.push(i, s);
  }
  return { version: slot(HISTOGRAM_VERSION_COUNTER), count: slot(TOTAL_COUNT_COUNTER), sum: slot(TOTAL_SUM_COUNTER), max: slot(TOTAL_MAX_COUNTER), buckets: Int32Array.from(pairs) };
}

/** readLoopHistogram's value (a missing bucket reads 0, a hostile value 0), read by slot: only the buckets the region declares. */
export function loopHistogramOf(c: Counters): LoopHistogram | undefined {
  if (!(c instanceof CounterTable)) return readLoopHistogram((n) => c.get(n));
  const s = c.layout.derived(histogramSlots);
  const v = c.slotValues;
  if (s.version < 0 || v[s.version] !== LOOP_HISTOGRAM_VERSION) return undefined;
  const h = emptyHistogram();
  const { buckets } = s;
  for (let k = 0; k < buckets.length; k += 2) h.counts[buckets[k]!] = clean(v[buckets[k + 1]!]);
  h.count = s.count < 0 ? 0 : clean(v[s.count]);
  h.sumNs = s.sum < 0 ? 0 : clean(v[s.sum]);
  h.maxNs = s.max < 0 ? 0 : clean(v[s.max]);
  return h;
}

/** A count from a region: positive finite numbers only (strings, NaN, negatives read 0), as readLoopHistogram's. */
const clean = (v: number | string | undefined): number => (typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : 0);
