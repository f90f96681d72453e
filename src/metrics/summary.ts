/**
 * Summary: prom-client's API and quantile estimator (the same t-digest over the same sliding
 * window). A series block holds count, sum and the quantiles; count and sum are live, the
 * quantiles are re-published (under the seqlock) at every metrics() and at most once a second
 * while observations arrive, since computing them costs far more than an observe().
 */
import { format } from 'node:util';
import { TDigest } from 'tdigest';
import { Metric, type MetricConfiguration, type SeriesSlot } from './metric.js';
import type { Block } from './store.js';
import type { LabelValues, MetricFamily } from './types.js';
import { getLabels, validateLabel } from './validation.js';

type Labels<T extends string> = Partial<Record<T, string | number>>;
export const DEFAULT_PERCENTILES = [0.01, 0.05, 0.5, 0.9, 0.95, 0.99, 0.999];
const DEFAULT_COMPRESS_COUNT = 1000;
/** How stale the published quantiles may get while observations arrive. */
const REPUBLISH_MS = 1000;

/** prom-client's TimeWindowQuantiles: ageBuckets digests rotated every maxAgeSeconds/ageBuckets. */
class TimeWindowQuantiles {
  private ring: TDigest[];
  private current = 0;
  private lastRotate = Date.now();
  private readonly rotateEvery: number;
  private readonly shouldRotate: boolean;
  constructor(maxAgeSeconds: number | undefined, ageBuckets: number | undefined) {
    this.shouldRotate = Boolean(maxAgeSeconds && ageBuckets);
    // prom-client fills the ring with one shared digest until the first rotation: kept, for the same numbers.
    const shared = new TDigest();
    this.ring = Array.from({ length: ageBuckets || 1 }, () => shared);
    this.rotateEvery = ((maxAgeSeconds ?? 0) * 1000) / (ageBuckets ?? 0) || Infinity;
  }
  private rotate(): TDigest {
    let since = Date.now() - this.lastRotate;
    while (since > this.rotateEvery && this.shouldRotate) {
      this.ring[this.current] = new TDigest();
      if (++this.current >= this.ring.length) this.current = 0;
      since -= this.rotateEvery;
      this.lastRotate += this.rotateEvery;
    }
    return this.ring[this.current]!;
  }
  size(): number {
    return this.rotate().size();
  }
  percentile(q: number): number | undefined {
    return this.rotate().percentile(q);
  }
  push(value: number): void {
    this.rotate();
    for (const d of new Set(this.ring)) d.push(value);
  }
  reset(): void {
    for (const d of new Set(this.ring)) d.reset();
  }
  compress(): void {
    for (const d of new Set(this.ring)) d.compress();
  }
}

interface SummaryState {
  td: TimeWindowQuantiles;
  published: number;
  dirty: boolean;
}

function elapsedSeconds(start: [number, number]): number {
  const delta = process.hrtime(start);
  return delta[0] + delta[1] / 1e9;
}

export interface SummaryConfiguration<T extends string> extends MetricConfiguration<T> {
  percentiles?: number[];
  maxAgeSeconds?: number;
  ageBuckets?: number;
  pruneAgedBuckets?: boolean;
  compressCount?: number;
}

export class Summary<T extends string = string> extends Metric<T> {
  declare readonly type: 'summary';
  declare readonly percentiles: readonly number[];
  declare private readonly maxAgeSeconds: number | undefined;
  declare private readonly ageBuckets: number | undefined;
  declare private readonly pruneAgedBuckets: boolean;
  declare private readonly compressCount: number;
  declare private timer: NodeJS.Timeout | undefined;

  constructor(config: SummaryConfiguration<T>) {
    super(config, 'summary', { q: [...(config?.percentiles ?? DEFAULT_PERCENTILES)] });
    (this as { type: string }).type = 'summary';
  }

  protected override validateExtra(labelNames: readonly string[], config: Record<string, unknown>): void {
    for (const label of labelNames) if (label === 'quantile') throw new Error('quantile is a reserved label keyword');
    const self = this as unknown as Record<string, unknown>;
    self.percentiles = [...((config.percentiles as number[] | undefined) ?? DEFAULT_PERCENTILES)];
    self.maxAgeSeconds = config.maxAgeSeconds;
    self.ageBuckets = config.ageBuckets;
    self.pruneAgedBuckets = config.pruneAgedBuckets === true;
    self.compressCount = (config.compressCount as number | undefined) ?? DEFAULT_COMPRESS_COUNT;
    self.timer = undefined;
  }

  protected override init(): void {
    if (this.labelNames.length === 0) this.slot({}, '');
  }

  protected override get valuesPerSeries(): number {
    return this.percentiles.length + 2;
  }

  protected override resetExtra(slot: SeriesSlot): void {
    slot.extra = { td: new TimeWindowQuantiles(this.maxAgeSeconds, this.ageBuckets), published: 0, dirty: false } satisfies SummaryState;
  }

  /** Computes the quantiles as prom-client's get() does and writes them to the block. */
  private publish(slot: SeriesSlot): number[] {
    const state = slot.extra as SummaryState;
    state.td.compress();
    const qs = this.percentiles.map((p) => state.td.percentile(p) || 0);
    const b = slot.block;
    b.begin();
    for (let i = 0; i < qs.length; i++) b.f64[b.base + 2 + i] = qs[i]!;
    b.end();
    state.published = Date.now();
    state.dirty = false;
    return qs;
  }

  protected override exportSeries(slot: SeriesSlot): MetricFamily['values'] {
    const qs = this.publish(slot);
    const f = slot.block.f64;
    const base = slot.block.base;
    const out: MetricFamily['values'] = this.percentiles.map((p, i) => ({ labels: Object.assign({ quantile: p }, slot.labels), value: qs[i]! }));
    out.push({ metricName: `${this.name}_sum`, labels: slot.labels, value: f[base + 1]! });
    out.push({ metricName: `${this.name}_count`, labels: slot.labels, value: f[base]! });
    return out;
  }

  override async get(): Promise<MetricFamily> {
    await this.runCollect();
    const values: MetricFamily['values'] = [];
    for (const [hash, slot] of [...this.live]) {
      if (this.pruneAgedBuckets && (slot.extra as SummaryState).td.size() === 0) {
        this.removeSlot(hash);
        continue;
      }
      values.push(...this.exportSeries(slot));
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  private record(slot: SeriesSlot, value: number): void {
    const state = slot.extra as SummaryState;
    state.td.push(value);
    const b: Block = slot.block;
    b.begin();
    const count = (b.f64[b.base]! += 1);
    b.f64[b.base + 1]! += value;
    b.end();
    if (count % this.compressCount === 0) state.td.compress();
    state.dirty = true;
    const now = Date.now();
    if (now - state.published >= REPUBLISH_MS) this.publish(slot);
    else this.scheduleRepublish();
  }

  /** One unref'd timer publishes the quantiles left dirty after a burst. */
  private scheduleRepublish(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      for (const slot of this.live.values()) if ((slot.extra as SummaryState).dirty) this.publish(slot);
    }, REPUBLISH_MS);
    this.timer.unref();
  }

  /** observe(value) or observe(labels, value). */
  observe(labels: Labels<T> | number, value?: number): void {
    let l: LabelValues;
    let v: unknown;
    if (value === undefined) {
      v = labels;
      l = {};
    } else {
      l = labels as LabelValues;
      v = value;
    }
    validateLabel(this.labelNames, l);
    if (!Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${format(v)}`);
    this.record(this.slot(l), v as number);
  }

  startTimer(labels?: Labels<T>): (endLabels?: Labels<T>) => number {
    const start = process.hrtime();
    return (endLabels) => {
      const value = elapsedSeconds(start);
      this.observe(Object.assign({}, labels, endLabels) as Labels<T>, value);
      return value;
    };
  }

  labels(...args: (string | number)[] | [Labels<T>]): { observe(value: number): void; startTimer(): (endLabels?: Labels<T>) => number } {
    const labels = getLabels(this.labelNames, args);
    validateLabel(this.labelNames, labels);
    return {
      observe: (value: number) => this.observe(labels as Labels<T>, value),
      startTimer: () => this.startTimer(labels as Labels<T>),
    };
  }


  reset(): void {
    for (const slot of this.live.values()) {
      (slot.extra as SummaryState).td.reset();
      slot.block.clear();
    }
  }
}
