/**
 * The part of a region the runtime collectors write through. It is the region's own
 * interface (perfmemory's `createRegion()`), narrowed to what the collectors need, so that
 * they can also run over a bare perfdata writer.
 */
import type { LongValue, Units, Variability } from '../perfdata/types.js';

export interface LongHandle {
  inc(): void;
  add(n: number | bigint): void;
  set(v: number | bigint): void;
  get(): LongValue;
}

export interface StringHandle {
  set(s: string): void;
  get(): string;
}

export interface CounterRegistry {
  long(name: string, options: { units: Units; variability: Variability; value?: number | bigint; supported?: boolean }): LongHandle;
  string(name: string, value: string, options: { variability: 'constant' | 'variable'; maxLength?: number; supported?: boolean }): StringHandle;
  /** The handle of a counter declared earlier, when the registry can tell (a region can). */
  counter?(name: string): LongHandle | StringHandle | undefined;
}

/** One group of counters: created once, then sampled once per sampling period. */
export interface Collector {
  /**
   * Every period. `scheduled`: called by the sampler's timer (not by sampleNow()); `now`: the
   * sample's performance.now(), read once by the sampler. Absent for a collector with nothing
   * to do per period (it writes as events happen, or only on the slow cadence); a collector
   * that declares it may set it to undefined while it has nothing to do, and back.
   */
  sample?(scheduled?: boolean, now?: number): void;
  /** The costly figures, read on the slow cadence (SLOW_EVERY), after sample(). */
  slowSample?(): void;
  /** Stops anything the collector started (observers, histograms). */
  close(): void;
}

/** A collector with work every period. */
export interface PeriodicCollector extends Collector {
  sample(scheduled?: boolean, now?: number): void;
}

/** A collector with work on the slow cadence. */
export interface SlowCollector extends Collector {
  slowSample(): void;
}

/**
 * Reading the costly figures (a /proc read, a walk of every heap space, the list of active
 * handles) on every sample would take most of a sample's time at 1 Hz (issue 10 item 3): the
 * sampler has them read on every SLOW_EVERY-th scheduled sample, on the first, and on every
 * sample out of schedule (sampleNow()).
 */
export const SLOW_EVERY = 5;

/**
 * Counters one collector alone writes, stored only when their value changed. At a 1 Hz
 * cadence every set() touches its handle and views in memory that has gone cold since the
 * last sample (30 sets: about 8 µs), while most figures of a quiet process do not move from
 * one second to the next; comparing with the last values, kept together, costs almost nothing.
 */
export class LongRow {
  private readonly last: Float64Array;

  constructor(private readonly handles: LongHandle[]) {
    this.last = new Float64Array(handles.length).fill(NaN);
  }

  put(i: number, v: number): void {
    if (this.last[i] !== v) {
      this.last[i] = v;
      this.handles[i]!.set(v);
    }
  }
}

/** Shorthands for the collectors' declarations. */
export function constantLong(r: CounterRegistry, name: string, value: number | bigint, units: Units = 'none'): LongHandle {
  return r.long(name, { units, variability: 'constant', value });
}

export function variableLong(r: CounterRegistry, name: string, units: Units): LongHandle {
  return r.long(name, { units, variability: 'variable', value: 0 });
}

export function monotonicLong(r: CounterRegistry, name: string, units: Units): LongHandle {
  return r.long(name, { units, variability: 'monotonic', value: 0 });
}

/** A long the region may already publish itself (e.g. HotSpot names): reuse it, else declare it. */
export function sharedLong(r: CounterRegistry, name: string, units: Units, variability: Variability): LongHandle {
  const existing = r.counter?.(name);
  if (existing !== undefined && 'inc' in existing) return existing;
  return r.long(name, { units, variability, value: 0 });
}

export function constantString(r: CounterRegistry, name: string, value: string, maxLength?: number): StringHandle {
  return r.string(name, value, { variability: 'constant', maxLength });
}
