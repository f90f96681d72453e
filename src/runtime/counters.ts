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

/** One group of counters: created once, then `sample()` once per sampling period. */
export interface Collector {
  /** `scheduled`: called by the sampler's timer (not by sampleNow()). */
  sample(scheduled?: boolean): void;
  /** Stops anything the collector started (observers, histograms). */
  close(): void;
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
