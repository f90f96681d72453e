/**
 * The subset of the OTLP metrics data model perfmem sends (opentelemetry-proto
 * metrics/v1): what the mapping builds and what the protobuf and JSON encoders write. Times
 * are nanoseconds since the epoch as bigints (the wire's fixed64), so no precision is lost.
 */

/** An attribute value: strings, booleans, integers (int64 on the wire) and doubles. */
export type AttributeValue = string | boolean | number;
/** Attributes in insertion order; integers are sent as intValue, other numbers as doubleValue. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** AggregationTemporality: perfmem sends cumulative data only (a reader's restart loses nothing). */
export const TEMPORALITY_CUMULATIVE = 2;

export interface NumberPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  value: number;
  /** Sent as asInt (sfixed64) when true, else asDouble. */
  isInt: boolean;
}

export interface HistogramPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum: number;
  /** bucketCounts.length === explicitBounds.length + 1; both empty = count and sum only. */
  bucketCounts: readonly number[];
  explicitBounds: readonly number[];
  min?: number;
  max?: number;
}

/** A summary (prom-client's Summary): count, sum and quantiles over the writer's window. */
export interface SummaryPoint {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  count: number;
  sum: number;
  quantiles: ReadonlyArray<{ quantile: number; value: number }>;
}

interface MetricBase {
  name: string;
  description: string;
  unit: string;
}

export interface SumMetric extends MetricBase {
  kind: 'sum';
  monotonic: boolean;
  points: NumberPoint[];
}

export interface GaugeMetric extends MetricBase {
  kind: 'gauge';
  points: NumberPoint[];
}

export interface HistogramMetric extends MetricBase {
  kind: 'histogram';
  points: HistogramPoint[];
}

export interface SummaryMetric extends MetricBase {
  kind: 'summary';
  points: SummaryPoint[];
}

export type Metric = SumMetric | GaugeMetric | HistogramMetric | SummaryMetric;

export interface ScopeMetrics {
  scope: { name: string; version: string };
  metrics: Metric[];
}

export interface ResourceMetrics {
  resource: Attributes;
  scopeMetrics: ScopeMetrics[];
}

/** ExportMetricsServiceResponse.partial_success, when the collector rejected some points. */
export interface PartialSuccess {
  rejectedDataPoints: number;
  errorMessage: string;
}

/** Milliseconds since the epoch (possibly fractional) to nanoseconds. */
export function msToUnixNano(ms: number): bigint {
  if (!Number.isFinite(ms) || ms < 0) return 0n;
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6));
}
