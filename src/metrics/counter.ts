/** Counter: prom-client's API; each series is a double plus an integer part in the region (layout.ts). */
import { format } from 'node:util';
import { Metric, type MetricConfiguration, type SeriesSlot } from './metric.js';
import { INTS_OFF, type Block } from './store.js';
import type { LabelValues, MetricFamily } from './types.js';
import { getLabels, isObject, validateLabel } from './validation.js';

function checkIncrement(value: unknown): number {
  if (value && !Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
  if ((value as number) < 0) throw new Error('It is not possible to decrease a counter');
  return value === null || value === undefined ? 1 : (value as number);
}

/**
 * The most a counter's integer part holds (a positive int32: V8 keeps it an integer); the
 * next increment folds it into the double. A literal, not an import: the hot path compares
 * with a constant.
 */
const INT_BOUND = 0x7fffffff;

/**
 * The largest double part under which double + integer part is exact: below it the double
 * is an integer and the sum stays within 2^53, so it equals prom-client's running sum.
 */
const MAX_EXACT = 2 ** 53 - 2 ** 31;

/**
 * Everything inc() does not do with one 32-bit store (`v` is checked). While the integer part
 * is off (the double has a fraction: a counter of seconds) this is one add to the double, as
 * prom-client's, small enough to inline; the rest is addFold.
 */
function addSlow(b: Block, v: number): void {
  // (The integer part is 0 whenever the fast path is off, but the overflow series is made live again without a clear: checked.)
  if (b.ints === INTS_OFF && b.live && b.i32[b.int] === 0) {
    const f = b.f64;
    const next = f[b.base]! + v;
    f[b.base] = next;
    if (Number.isInteger(next) && next <= MAX_EXACT) b.setInts();
    return;
  }
  addFold(b, v);
}

/**
 * Folds the integer part into the double (under the seqlock, so no reader sees it counted
 * twice or not at all), then adds `v` to the integer part if it fits, else to the double. The
 * double takes a fractional or large `v` only once the integer part is folded in, so it
 * computes prom-client's exact running sum; the integer part is used again only while the
 * double is an integer (see MAX_EXACT). Revives a removed series first.
 */
function addFold(b: Block, v: number): void {
  if (!b.live) b.revive?.();
  const f = b.f64;
  const w = b.i32;
  const at = b.base;
  const int = b.int;
  const lo = w[int]!;
  const small = Number.isInteger(v) && v >= 0 && v <= INT_BOUND;
  if (lo === 0) {
    const d = f[at]!;
    if (small && Number.isInteger(d) && d <= MAX_EXACT) w[int] = v;
    else f[at] = d + v;
  } else {
    // Exact: the integer part is non-zero only while the double is an integer <= MAX_EXACT.
    const d = f[at]! + lo;
    b.begin();
    if (small && d <= MAX_EXACT && lo + v <= INT_BOUND) w[int] = lo + v;
    else if (small && d <= MAX_EXACT) {
      f[at] = d;
      w[int] = v;
    } else {
      f[at] = d + v;
      w[int] = 0;
    }
    b.end();
  }
  const now = f[at]!;
  b.setInts(Number.isInteger(now) && now <= MAX_EXACT ? undefined : INTS_OFF);
}

/**
 * A bound series (`counter.labels(...)`): inc() and inc(<small integer>) are one 32-bit
 * read-modify-write of the series' integer part (an integer add does not wait on the previous
 * one's store as a double add does: docs/metrics.md, "Cost"); the rest is out of line (addSlow).
 * No class fields with initialisers (see ARCHITECTURE.md: they once made inc() 3x slower).
 */
export class CounterChild {
  /** The integer part's 4 bytes (Block.ints): the first field, the only one inc() loads. */
  declare private w: Int32Array;
  declare private readonly b: Block;
  constructor(block: Block) {
    this.w = block.ints;
    (this as unknown as { b: Block }).b = block;
  }

  inc(value?: number): void {
    const w = this.w;
    const lo = w[0]!;
    if (value === undefined) {
      // lo < INT_BOUND: lo + 1 never wraps.
      if (lo !== INT_BOUND) {
        w[0] = lo + 1;
        return;
      }
      value = 1;
    } else if (value > 0 && value <= INT_BOUND - lo && (value | 0) === value) {
      // (inc(0) goes the slow way: INTS_OFF would take it, and a removed series must revive.)
      w[0] = lo + value;
      return;
    }
    addSlow(this.b, checkIncrement(value));
  }

  /** @internal Re-reads where the integer part is (the block moved or turned its fast path on or off). */
  rebind(block: Block): void {
    this.w = block.ints;
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
    return [{ value: slot.block.counterValue(), labels: slot.labels }];
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
    const w = b.ints;
    const lo = w[0]!;
    if (v <= INT_BOUND - lo && (v | 0) === v) w[0] = lo + v;
    else addSlow(b, v);
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
      slot.block.revive = () => void this.slot(labels);
      this.children.set(slot, child);
    }
    return child;
  }


  reset(): void {
    this.removeAll();
    if (this.labelNames.length === 0) this.slot({}, '');
  }
}
