/**
 * A sample: the counters of one read of a region, by name. The column expressions of `stat`
 * and the dashboard of `watch` evaluate over samples.
 */
import type { CounterInfo } from '../perfdata/types.js';
import type { Sample } from './columns.js';

export function toSample(counters: readonly CounterInfo[]): Sample {
  const m = new Map<string, number | bigint | string>();
  for (const c of counters) m.set(c.name, c.value);
  return m;
}

/** A number from a sample: the counter's value, or undefined when it is missing or not a number. */
export function num(sample: Sample, name: string): number | undefined {
  const v = sample.get(name);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}
