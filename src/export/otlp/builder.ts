/**
 * Collects one process's metrics for one export: every point shares the process's start time
 * (cumulative temporality) and the sample's time. Values that are missing or not finite are
 * left out rather than sent as zeros.
 */
import type { Attributes, HistogramPoint, Metric } from './model.js';
import type { MetricName } from './semconv.js';

export type Value = number | undefined;

export interface HistogramValue {
  attributes: Attributes;
  count: number;
  sum: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
  min?: number;
  max?: number;
}

const finite = (v: Value): v is number => v !== undefined && Number.isFinite(v);

export class MetricsBuilder {
  readonly metrics: Metric[] = [];

  constructor(private readonly start: bigint, private readonly time: bigint) {}

  private points(values: ReadonlyArray<readonly [Attributes, Value]>, isInt: boolean) {
    const out = [];
    for (const [attributes, v] of values) {
      if (!finite(v)) continue;
      out.push({ attributes, startTimeUnixNano: this.start, timeUnixNano: this.time, value: v, isInt: isInt && Number.isSafeInteger(v) });
    }
    return out;
  }

  /** A monotonic (counter) or non-monotonic (up-down counter) cumulative sum. */
  sum(def: MetricName, monotonic: boolean, values: ReadonlyArray<readonly [Attributes, Value]>, isInt = false): void {
    const points = this.points(values, isInt);
    if (points.length > 0) this.metrics.push({ kind: 'sum', name: def.name, unit: def.unit, description: def.description, monotonic, points });
  }

  gauge(def: MetricName, values: ReadonlyArray<readonly [Attributes, Value]>, isInt = false): void {
    const points = this.points(values, isInt);
    if (points.length > 0) this.metrics.push({ kind: 'gauge', name: def.name, unit: def.unit, description: def.description, points });
  }

  histogram(def: MetricName, values: readonly HistogramValue[]): void {
    const points: HistogramPoint[] = [];
    for (const v of values) {
      if (!finite(v.count) || !finite(v.sum) || v.count < 0) continue;
      points.push({
        attributes: v.attributes,
        startTimeUnixNano: this.start,
        timeUnixNano: this.time,
        count: v.count,
        sum: v.sum,
        bucketCounts: v.bucketCounts ?? [],
        explicitBounds: v.explicitBounds ?? [],
        ...(finite(v.min) ? { min: v.min } : {}),
        ...(finite(v.max) ? { max: v.max } : {}),
      });
    }
    if (points.length > 0) this.metrics.push({ kind: 'histogram', name: def.name, unit: def.unit, description: def.description, points });
  }
}
