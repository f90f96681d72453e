/** Counter: prom-client's API; each series is one double in the region. */
import { format } from 'node:util';
import { Metric, type MetricConfiguration, type SeriesSlot } from './metric.js';
import type { Block } from './store.js';
import type { LabelValues, MetricFamily } from './types.js';
import { getLabels, isObject, validateLabel } from './validation.js';

function checkIncrement(value: unknown): number {
  if (value && !Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
  if ((value as number) < 0) throw new Error('It is not possible to decrease a counter');
  return value === null || value === undefined ? 1 : (value as number);
}

/**
 * A bound series (`counter.labels(...)`): an add to one double of the region. No class
 * fields with initialisers (see ARCHITECTURE.md: they once made inc() 3x slower).
 */
export class CounterChild {
  declare private f: Float64Array;
  declare private i: number;
  constructor(block: Block) {
    this.f = block.f64;
    this.i = block.base;
  }

  inc(value?: number): void {
    if (value === undefined) {
      this.f[this.i]! += 1;
      return;
    }
    this.f[this.i]! += checkIncrement(value);
  }

  /** @internal Re-reads where the value is (after the region moved it to private memory). */
  rebind(block: Block): void {
    this.f = block.f64;
    this.i = block.base;
  }
}

export class Counter<T extends string = string> extends Metric<T> {
  declare readonly type: 'counter';
  declare private children: Map<SeriesSlot, CounterChild>;

  constructor(config: MetricConfiguration<T> & { enableExemplars?: boolean }) {
    super(config, 'counter', {});
    (this as { type: string }).type = 'counter';
  }

  protected override init(): void {
    this.children = new Map();
    this.reset();
  }

  protected override get valuesPerSeries(): number {
    return 1;
  }

  protected override exportSeries(slot: SeriesSlot): MetricFamily['values'] {
    return [{ value: slot.block.f64[slot.block.base]!, labels: slot.labels }];
  }

  /** inc(), inc(value), inc(labels), inc(labels, value). */
  inc(labels?: Partial<Record<T, string | number>> | number, value?: number): void {
    let l: LabelValues;
    if (isObject(labels)) l = labels as LabelValues;
    else {
      value = labels as number | undefined;
      l = {};
    }
    let v = 1;
    if (value !== undefined) {
      // prom-client checks the labels before the value, and makes no series for a refused call.
      if (!(value >= 0 && value < Infinity)) validateLabel(this.labelNames, l);
      v = checkIncrement(value);
    }
    const b = this.find(l).block;
    b.f64[b.base]! += v;
  }

  /** A bound series: `labels('GET', '200')` or `labels({ method: 'GET' })`. Keep it for the fastest inc(). */
  labels(...args: (string | number)[] | [Partial<Record<T, string | number>>]): CounterChild {
    const labels = getLabels(this.labelNames, args);
    validateLabel(this.labelNames, labels);
    const slot = this.slot(labels);
    let child = this.children.get(slot);
    if (child === undefined) {
      child = new CounterChild(slot.block);
      const c = child;
      slot.block.onMove = () => c.rebind(slot.block);
      this.children.set(slot, child);
    }
    return child;
  }


  reset(): void {
    this.removeAll();
    if (this.labelNames.length === 0) this.slot({}, '');
  }
}
