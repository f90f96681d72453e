/**
 * One read of one process: its counters by name, the cumulative loop histogram, /proc figures
 * and the reader's clocks. Pure helpers over readings; the monitor keeps the previous reading of
 * each process and derives rates from the two (see rates.ts).
 */
import type { CounterInfo } from '../perfdata/types.js';
import type { ProcStat } from '../perfmemory/index.js';
import { readLoopHistogram, type LoopHistogram } from '../runtime/loop-histogram.js';
import { loopStatus, type LoopStatus } from '../runtime/loop-status.js';
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
  const histogram = runtime === 'node' ? readLoopHistogram((n) => counters.get(n)) : undefined;
  const loop = runtime === 'node' ? loopStatus(counters, monoNs) : { state: 'unknown' as const, heartbeatAgeMs: 0, periodMs: 0, blockedForMs: 0 };
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
