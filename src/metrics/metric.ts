/**
 * What every metric type shares: prom-client's constructor checks and options, the label
 * sets (one block each, written once, reused after remove()), the maxSeries limit with its
 * overflow series, and the registries.
 */
import type { Block, MetricStore } from './store.js';
import { metricStore } from './store.js';
import { STATE_LIVE, STATE_REMOVED, valueCount } from './layout.js';
import type { Aggregator, LabelValues, MetricFamily, MetricType } from './types.js';
import { getLabels, hashObject, isObject, validateLabel, validateLabelName, validateMetricName } from './validation.js';
import { globalRegistry, type Registry } from './registry.js';

/** Series per metric by default (distinct label sets since start: a region never frees space). */
export const DEFAULT_MAX_SERIES = 2000;
/** The value every label takes in the series that receives refused label sets. */
export const OVERFLOW_LABEL_VALUE = 'perfmem_overflow';

export interface MetricConfiguration<T extends string = string> {
  name: string;
  help: string;
  labelNames?: readonly T[];
  registers?: Registry[];
  aggregator?: Aggregator;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- prom-client calls collect with the metric as `this`
  collect?: (this: any) => void | Promise<void>;
  /** Label sets kept as their own series (default 2000); more go to one overflow series, with one warning. */
  maxSeries?: number;
}

/** The tree key of a label value: prom-client's hash treats 200 and '200' alike and skips undefined. */
const EMPTY = Symbol('no labels');
const UNDEFINED = Symbol('undefined label');
function keyOf(v: unknown): unknown {
  return typeof v === 'string' ? v : v === undefined ? UNDEFINED : String(v);
}

/** A series: its labels and where its values are. */
export interface SeriesSlot {
  labels: LabelValues;
  block: Block;
  /** Type-specific state (a summary's digest). */
  extra?: unknown;
}

export abstract class Metric<T extends string = string> {
  declare readonly name: string;
  declare readonly help: string;
  declare readonly labelNames: readonly T[];
  declare readonly sortedLabelNames: readonly string[];
  declare readonly aggregator: Aggregator;
  declare readonly collect: ((this: unknown) => void | Promise<void>) | undefined;
  declare readonly registers: Registry[];
  declare readonly maxSeries: number;
  declare abstract readonly type: MetricType;
  /** Live series by label hash, in creation order (the order metrics() prints them). */
  declare protected readonly live: Map<string, SeriesSlot>;
  /** Every block ever made, by label hash (reused when removed labels come back). */
  declare private readonly slots: Map<string, SeriesSlot>;
  declare protected readonly store: MetricStore;
  declare protected readonly familyId: number;
  declare private overflowSlot: SeriesSlot | undefined;
  /** Label names as a set, for validating a label object in one pass. */
  /** Live series by label values in sorted-name order: nested maps, no key string built per call. */
  declare private tree: Map<unknown, unknown>;
  declare private overflowWarned: boolean;

  constructor(config: MetricConfiguration<T>, type: MetricType, extra: Record<string, unknown>) {
    if (!isObject(config)) throw new TypeError('constructor expected a config object');
    const c = config as MetricConfiguration<T> & Record<string, unknown>;
    if (!c.help) throw new Error('Missing mandatory help parameter');
    if (!c.name) throw new Error('Missing mandatory name parameter');
    if (!validateMetricName(c.name)) throw new Error('Invalid metric name');
    const labelNames = c.labelNames ?? [];
    if (!validateLabelName(labelNames)) throw new Error('Invalid label name');
    if (c.collect && typeof c.collect !== 'function') throw new Error('Optional "collect" parameter must be a function');
    if (c.maxSeries !== undefined && !(Number.isSafeInteger(c.maxSeries) && c.maxSeries >= 1)) {
      throw new TypeError(`maxSeries must be a positive integer, got ${String(c.maxSeries)}`);
    }
    this.validateExtra(labelNames, c);
    const self = this as unknown as Record<string, unknown>;
    self.name = c.name;
    self.help = c.help;
    self.labelNames = labelNames;
    self.sortedLabelNames = [...labelNames].sort();
    self.aggregator = c.aggregator ?? 'sum';
    self.collect = c.collect;
    self.registers = c.registers ?? [globalRegistry()];
    self.maxSeries = c.maxSeries ?? DEFAULT_MAX_SERIES;
    self.live = new Map();
    self.slots = new Map();
    self.overflowSlot = undefined;
    self.tree = new Map();
    self.overflowWarned = false;
    self.store = metricStore();
    self.familyId = this.store.family({ n: c.name, h: c.help, t: type, a: self.aggregator, l: labelNames, ...extra });
    this.init();
    for (const register of this.registers) register.registerMetric(this);
  }

  /** Type-specific option checks (reserved labels), before anything is published. */
  protected validateExtra(_labelNames: readonly string[], _config: Record<string, unknown>): void {}
  /** Type-specific start state (unlabelled series that exist from the start). */
  protected abstract init(): void;
  /** Values per block. */
  protected abstract get valuesPerSeries(): number;
  /** The values of one series, for get(). */
  protected abstract exportSeries(slot: SeriesSlot): MetricFamily['values'];

  /** @internal The region is hidden from readers while no registry holds it (1) or shown again (0). */
  setPublished(published: boolean): void {
    this.store.setFamilyState(this.familyId, published ? STATE_LIVE : STATE_REMOVED);
  }

  /**
   * The live series for a label object, validated as prom-client does (an unknown label name
   * throws): the fast path of inc({...}), set({...}), observe({...}).
   */
  protected find(labels: LabelValues): SeriesSlot {
    // Unknown names are found without a lookup per key: when the object has as many keys as it
    // has defined values for known names, every key is a known name. Otherwise (an unknown
    // name, or a known one set to undefined) the full check runs, before any series is made.
    let keys = 0;
    for (const _k in labels) keys++;
    const names = this.sortedLabelNames;
    const last = names.length - 1;
    if (last < 0) {
      if (keys !== 0) validateLabel(this.labelNames, labels);
      return (this.tree.get(EMPTY) as SeriesSlot | undefined) ?? this.remember(labels, [EMPTY]);
    }
    let node: Map<unknown, unknown> = this.tree;
    let defined = 0;
    for (let i = 0; i < last; i++) {
      const v = labels[names[i]!];
      if (v !== undefined) defined++;
      const next = node.get(keyOf(v)) as Map<unknown, unknown> | undefined;
      if (next === undefined) return this.rememberChecked(labels);
      node = next;
    }
    const v = labels[names[last]!];
    if (v !== undefined) defined++;
    const slot = node.get(keyOf(v)) as SeriesSlot | undefined;
    if (slot === undefined) return this.rememberChecked(labels);
    if (keys !== defined) validateLabel(this.labelNames, labels);
    return slot;
  }

  private rememberChecked(labels: LabelValues): SeriesSlot {
    validateLabel(this.labelNames, labels);
    return this.remember(labels, this.sortedLabelNames.map((n) => keyOf(labels[n])));
  }

  /** Resolves a label set the slow way and caches it in the tree (not the overflow series: unbounded). */
  private remember(labels: LabelValues, path: unknown[]): SeriesSlot {
    const slot = this.slot(labels);
    if (slot === this.overflowSlot) return slot;
    let node = this.tree;
    for (let i = 0; i < path.length - 1; i++) {
      let next = node.get(path[i]) as Map<unknown, unknown> | undefined;
      if (next === undefined) node.set(path[i], (next = new Map()));
      node = next;
    }
    node.set(path[path.length - 1], slot);
    return slot;
  }

  protected hash(labels: LabelValues): string {
    return hashObject(labels, this.sortedLabelNames);
  }

  /** The live series for `labels`, made (or revived) when missing; the overflow series past maxSeries. */
  protected slot(labels: LabelValues, hash: string = this.hash(labels)): SeriesSlot {
    const found = this.live.get(hash);
    if (found !== undefined) return found;
    let slot = this.slots.get(hash);
    if (slot === undefined) {
      if (this.slots.size >= this.maxSeries) return this.overflow(labels);
      slot = this.newSlot({ ...labels });
      this.slots.set(hash, slot);
    } else {
      slot.labels = { ...labels };
      slot.block.clear();
      this.resetExtra(slot);
      slot.block.setState(STATE_LIVE);
    }
    this.live.set(hash, slot);
    return slot;
  }

  private newSlot(labels: LabelValues): SeriesSlot {
    const block = this.store.series(this.familyId, this.slots.size + (this.overflowSlot ? 1 : 0), this.valuesPerSeries, JSON.stringify(labels));
    const slot: SeriesSlot = { labels, block };
    this.resetExtra(slot);
    return slot;
  }

  private overflow(labels: LabelValues): SeriesSlot {
    if (!this.overflowWarned) {
      this.overflowWarned = true;
      process.emitWarning(`perfmem: metric ${this.name} reached maxSeries (${this.maxSeries}): label set ${JSON.stringify(labels)} and any later new ones ` +
        `are counted in the series whose labels are all "${OVERFLOW_LABEL_VALUE}"`, { type: 'PerfmemWarning', code: 'PERFMEM_METRICS_MAX_SERIES' });
    }
    if (this.overflowSlot === undefined) {
      const over: LabelValues = {};
      for (const n of this.labelNames) over[n] = OVERFLOW_LABEL_VALUE;
      this.overflowSlot = this.newSlot(over);
    }
    const hash = this.hash(this.overflowSlot.labels);
    if (!this.live.has(hash)) {
      this.overflowSlot.block.setState(STATE_LIVE);
      this.live.set(hash, this.overflowSlot);
    }
    return this.overflowSlot;
  }

  protected resetExtra(_slot: SeriesSlot): void {}

  protected removeSlot(hash: string): void {
    const slot = this.live.get(hash);
    if (slot === undefined) return;
    this.tree.clear();
    this.live.delete(hash);
    slot.block.setState(STATE_REMOVED);
  }

  /** Removes one series, by label values in order or by a label object (prom-client's remove()). */
  remove(...args: (string | number)[] | [Partial<Record<T, string | number>>]): void {
    const labels = getLabels(this.labelNames, args);
    validateLabel(this.labelNames, labels);
    this.removeSlot(this.hash(labels));
  }

  protected removeAll(): void {
    for (const hash of [...this.live.keys()]) this.removeSlot(hash);
  }

  protected async runCollect(): Promise<void> {
    if (this.collect) {
      const v = this.collect.call(this);
      if (v instanceof Promise) await v;
    }
  }

  /** prom-client's get(): the family with its current values. */
  async get(): Promise<MetricFamily> {
    await this.runCollect();
    const values: MetricFamily['values'] = [];
    for (const slot of this.live.values()) values.push(...this.exportSeries(slot));
    return { help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator };
  }

  abstract reset(): void;

  /** @internal Values per block, for tests and the layout docs. */
  static valuesFor(type: MetricType, buckets: number, quantiles: number): number {
    return valueCount(type, buckets, quantiles);
  }
}
