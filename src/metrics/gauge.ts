/** Gauge: prom-client's API; each series is one double in the region. */
import { format } from 'node:util';
import { Metric, type MetricConfiguration, type SeriesSlot } from './metric.js';
import type { Block } from './store.js';
import type { LabelValues, MetricFamily } from './types.js';
import { getLabels, isObject, validateLabel } from './validation.js';

type Labels<T extends string> = Partial<Record<T, string | number>>;

function elapsedSeconds(start: [number, number]): number {
  const delta = process.hrtime(start);
  return delta[0] + delta[1] / 1e9;
}

/** A bound gauge series: stores to one double of the region. */
export class GaugeChild {
  declare private f: Float64Array;
  declare private i: number;
  declare private readonly gauge: Gauge;
  declare private readonly labels: LabelValues;
  constructor(block: Block, gauge: Gauge, labels: LabelValues) {
    this.f = block.f64;
    this.i = block.base;
    (this as unknown as { gauge: Gauge }).gauge = gauge;
    (this as unknown as { labels: LabelValues }).labels = labels;
  }

  inc(value?: number): void {
    if (value === undefined) value = 1;
    if (typeof value !== 'number') throw new TypeError(`Delta is not a valid number: ${format(value)}`);
    this.f[this.i]! += value;
  }

  dec(value?: number): void {
    if (value === undefined) value = 1;
    if (typeof value !== 'number') throw new TypeError(`Delta is not a valid number: ${format(value)}`);
    this.f[this.i]! -= value;
  }

  set(value: number): void {
    if (typeof value !== 'number') throw new TypeError(`Value is not a valid number: ${format(value)}`);
    this.f[this.i] = value;
  }

  setToCurrentTime(): void {
    this.set(Date.now() / 1000);
  }

  startTimer(): (labels?: LabelValues) => number {
    return this.gauge.startTimer(this.labels);
  }

  /** @internal */
  rebind(block: Block): void {
    this.f = block.f64;
    this.i = block.base;
  }
}

export class Gauge<T extends string = string> extends Metric<T> {
  declare readonly type: 'gauge';
  declare private children: Map<SeriesSlot, GaugeChild>;

  constructor(config: MetricConfiguration<T>) {
    super(config, 'gauge', {});
    (this as { type: string }).type = 'gauge';
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

  private args(labels: Labels<T> | number | undefined, value: number | undefined): [LabelValues, number | undefined] {
    return isObject(labels) ? [labels as LabelValues, value] : [{}, labels as number | undefined];
  }

  set(labels: Labels<T> | number, value?: number): void {
    const [l, v] = this.args(labels, value);
    if (typeof v !== 'number') throw new TypeError(`Value is not a valid number: ${format(v)}`);
    const b = this.find(l).block;
    b.f64[b.base] = v;
  }

  inc(labels?: Labels<T> | number, value?: number): void {
    const [l, v] = this.args(labels, value);
    this.delta(l, v === undefined ? 1 : v);
  }

  dec(labels?: Labels<T> | number, value?: number): void {
    const [l, v] = this.args(labels, value);
    this.delta(l, v === undefined ? -1 : -v);
  }

  private delta(labels: LabelValues, delta: number): void {
    if (typeof delta !== 'number') throw new TypeError(`Delta is not a valid number: ${format(delta)}`);
    const b = this.find(labels).block;
    b.f64[b.base]! += delta;
  }

  setToCurrentTime(labels?: Labels<T>): void {
    const now = Date.now() / 1000;
    if (labels === undefined) this.set(now);
    else this.set(labels, now);
  }

  startTimer(labels?: Labels<T>): (endLabels?: Labels<T>) => number {
    const start = process.hrtime();
    return (endLabels) => {
      const value = elapsedSeconds(start);
      this.set(Object.assign({}, labels, endLabels) as Labels<T>, value);
      return value;
    };
  }

  labels(...args: (string | number)[] | [Labels<T>]): GaugeChild {
    const labels = getLabels(this.labelNames, args);
    validateLabel(this.labelNames, labels);
    const slot = this.slot(labels);
    let child = this.children.get(slot);
    if (child === undefined) {
      child = new GaugeChild(slot.block, this as unknown as Gauge, labels);
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
