/** prom-client's validation, with its messages (applications and tests match on them). */
import { inspect } from 'node:util';

const METRIC_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function validateMetricName(name: string): boolean {
  return METRIC_RE.test(name);
}

export function validateLabelName(names: readonly string[] = []): boolean {
  return names.every((n) => LABEL_RE.test(n));
}

export function validateLabel(savedLabels: readonly string[], labels: object): void {
  for (const label in labels) {
    if (!savedLabels.includes(label)) {
      throw new Error(`Added label "${label}" is not included in initial labelset: ${inspect(savedLabels)}`);
    }
  }
}

export function isObject(obj: unknown): obj is Record<string, unknown> {
  return obj !== null && typeof obj === 'object';
}

/** Labels from `labels(...)` arguments: an object, or values by position. */
export function getLabels(labelNames: readonly string[], args: unknown[]): Record<string, string | number> {
  if (typeof args[0] === 'object') return args[0] as Record<string, string | number>;
  if (labelNames.length !== args.length) {
    throw new Error(`Invalid number of arguments (${args.length}): "${args.join(', ')}" for label names (${labelNames.length}): "${labelNames.join(', ')}".`);
  }
  const acc: Record<string, string | number> = {};
  for (let i = 0; i < labelNames.length; i++) acc[labelNames[i]!] = args[i] as string | number;
  return acc;
}

/** prom-client's hashObject: a key unique per label set. */
export function hashObject(labels: Record<string, unknown>, labelNames?: readonly string[]): string {
  let keys: readonly string[];
  if (labelNames !== undefined) keys = labelNames;
  else {
    const k = Object.keys(labels);
    if (k.length > 1) k.sort();
    keys = k;
  }
  let hash = '';
  for (const key of keys) {
    const value = labels[key];
    if (value === undefined) continue;
    hash += `${key}:${String(value)},`;
  }
  return hash;
}

export function linearBuckets(start: number, width: number, count: number): number[] {
  if (count < 1) throw new Error('Linear buckets needs a positive count');
  const buckets = new Array<number>(count);
  for (let i = 0; i < count; i++) buckets[i] = start + i * width;
  return buckets;
}

export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (start <= 0) throw new Error('Exponential buckets needs a positive start');
  if (count < 1) throw new Error('Exponential buckets needs a positive count');
  if (factor <= 1) throw new Error('Exponential buckets needs a factor greater than 1');
  const buckets = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    buckets[i] = start;
    start *= factor;
  }
  return buckets;
}
