/**
 * Histogram: prom-client's API. A series block holds count, sum and the count of each finite
 * bucket, updated under the block's seqlock so that a reader always sees count = the sum of
 * the buckets plus the +Inf ones, and a sum that goes with them.
 */
import { format } from 'node:util';
import { Metric, type MetricConfiguration, type SeriesSlot } from './metric.js';
import type { Block } from './store.js';
import type { LabelValues, MetricFamily } from './types.js';
import { getLabels, isObject, validateLabel } from './validation.js';

type Labels<T extends string> = Partial<Record<T, string | number>>;
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Adds one observation to a block: [count, sum, bucket 0..n-1]. */
function record(b: Block, bounds: readonly number[], value: number): void {
  const f = b.f64;
  const base = b.base;
  let i = 0;
  const n = bounds.length;
  while (i < n && !(value <= bounds[i]!)) i++;
  b.begin();
  f[base]! += 1;
  f[base + 1]! += value;
  if (i < n) f[base + 2 + i]! += 1;
  b.end();
}

function checkValue(value: unknown): number {
  if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
  return value as number;
}

function elapsedSeconds(start: [number, number]): number {
  const delta = process.hrtime(start);
  return delta[0] + delta[1] / 1e9;
}

/** A bound series (`histogram.labels(...)`). */
export class HistogramChild {
  declare private readonly block: Block;
  declare private readonly bounds: readonly number[];
  declare private readonly h: Histogram;
  declare private readonly labels: LabelValues;
  constructor(block: Block, bounds: readonly number[], h: Histogram, labels: LabelValues) {
    const self = this as unknown as Record<string, unknown>;
    self.block = block;
    self.bounds = bounds;
    self.h = h;
    self.labels = labels;
  }

  observe(value: number): void {
    record(this.block, this.bounds, checkValue(value));
  }

  startTimer(): (endLabels?: LabelValues) => number {
    const start = process.hrtime();
    return (endLabels) => {
      const value = elapsedSeconds(start);
      this.h.observe(Object.assign({}, this.labels, endLabels), value);
      return value;
    };
  }
}

export class Histogram<T extends string = string> extends Metric<T> {
  declare readonly type: 'histogram';
  declare readonly upperBounds: readonly number[];
  declare private children: Map<SeriesSlot, HistogramChild>;

  constructor(config: MetricConfiguration<T> & { buckets?: number[]; enableExemplars?: boolean }) {
    const buckets = Object.freeze([...(config?.buckets ?? DEFAULT_BUCKETS)]);
    super(config, 'histogram', { b: buckets });
    (this as { type: string }).type = 'histogram';
  }

  protected override validateExtra(labelNames: readonly string[], config: Record<string, unknown>): void {
    for (const label of labelNames) if (label === 'le') throw new Error('le is a reserved label keyword');
    (this as unknown as { upperBounds: readonly number[] }).upperBounds = Object.freeze([...((config.buckets as number[] | undefined) ?? DEFAULT_BUCKETS)]);
  }

  protected override init(): void {
    this.children = new Map();
    if (this.labelNames.length === 0) this.slot({}, '');
  }

  protected override get valuesPerSeries(): number {
    return this.upperBounds.length + 2;
  }

  /** prom-client's histogram get() lists name before help (JSON.stringify shows the order). */
  override async get(): Promise<MetricFamily> {
    const { name, help, type, values, aggregator } = await super.get();
    return { name, help, type, values, aggregator };
  }

  protected override exportSeries(slot: SeriesSlot): MetricFamily['values'] {
    const f = slot.block.f64;
    const base = slot.block.base;
    const out: MetricFamily['values'] = [];
    let acc = 0;
    const bucket = `${this.name}_bucket`;
    // prom-client's value shapes, key order and exemplar fields included (getMetricsAsJSON shows them).
    this.upperBounds.forEach((bound, i) => {
      acc += f[base + 2 + i]!;
      out.push({ value: acc, metricName: bucket, exemplar: null, labels: { le: bound, ...slot.labels } });
    });
    out.push({ value: f[base]!, metricName: bucket, exemplar: null, labels: { le: '+Inf', ...slot.labels } });
    out.push({ value: f[base + 1]!, metricName: `${this.name}_sum`, exemplar: undefined, labels: { ...slot.labels } });
    out.push({ value: f[base]!, metricName: `${this.name}_count`, exemplar: undefined, labels: { ...slot.labels } });
    return out;
  }

  /** observe(value) or observe(labels, value). */
  observe(labels: Labels<T> | number, value?: number): void {
    // prom-client's argument rules, falsy quirks included (observe(NaN) reports `undefined`).
    const first: unknown = labels === 0 ? 0 : labels || {};
    let l: LabelValues;
    let v: unknown;
    if (isObject(first)) {
      l = first as LabelValues;
      v = value;
    } else {
      l = {};
      v = first;
    }
    if (!Number.isFinite(v)) {
      validateLabel(this.labelNames, l);
      checkValue(v);
    }
    record(this.find(l).block, this.upperBounds, v as number);
  }

  startTimer(labels?: Labels<T>): (endLabels?: Labels<T>) => number {
    const start = process.hrtime();
    return (endLabels) => {
      const value = elapsedSeconds(start);
      this.observe(Object.assign({}, labels, endLabels) as Labels<T>, value);
      return value;
    };
  }

  /** Creates the series for `labels` with every bucket at 0. */
  zero(labels: Labels<T>): void {
    const slot = this.slot(labels as LabelValues);
    slot.block.clear();
  }

  labels(...args: (string | number)[] | [Labels<T>]): HistogramChild {
    const labels = getLabels(this.labelNames, args);
    validateLabel(this.labelNames, labels);
    const slot = this.slot(labels);
    let child = this.children.get(slot);
    if (child === undefined) {
      child = new HistogramChild(slot.block, this.upperBounds, this as unknown as Histogram, labels);
      this.children.set(slot, child);
    }
    return child;
  }


  reset(): void {
    this.removeAll();
  }
}
