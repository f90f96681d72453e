/**
 * perfmem/metrics: prom-client's API (v15) over shared memory. Every series lives in this
 * process's region, readable by any process without this one's help; AggregatorRegistry
 * aggregates an app's processes by reading their regions. The pure reading side (decode,
 * aggregate, format, appOf) is exported for the monitor layer.
 */
import { globalRegistry } from './registry.js';

export { Counter, CounterChild } from './counter.js';
export { Gauge, GaugeChild } from './gauge.js';
export { Histogram, HistogramChild, DEFAULT_BUCKETS } from './histogram.js';
export { Summary, DEFAULT_PERCENTILES } from './summary.js';
export type { SummaryConfiguration } from './summary.js';
export { Registry } from './registry.js';
export type { RegisteredMetric } from './registry.js';
export { AggregatorRegistry, collectApp, readAppRegions, readAppState, appMembers, foldDeadMembers } from './cluster.js';
export type { ClusterMetricsOptions, AppFileState, FoundRegion } from './cluster.js';
export { collectDefaultMetrics } from './defaults.js';
export type { DefaultMetricsOptions } from './defaults.js';
export { linearBuckets, exponentialBuckets, validateMetricName, validateLabelName } from './validation.js';
export { DEFAULT_MAX_SERIES, OVERFLOW_LABEL_VALUE } from './metric.js';
export type { MetricConfiguration } from './metric.js';
export { decodeAppMetrics, decodeRegionMetrics } from './decode.js';
export type { DecodeOptions, DecodedRegion, DecodeCache } from './decode.js';
export { aggregateFamilies, addTotals } from './aggregate.js';
export type { ProcessFamilies } from './aggregate.js';
export { formatPrometheus, formatFamily, PROMETHEUS_CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE } from './format.js';
export type { FormatOptions } from './format.js';
export { appOf, appFileName, workerOf, primaryOf } from './app.js';
export { LAYOUT_VERSION } from './layout.js';
export type { MetricFamily, MetricValue, MetricType, Aggregator, LabelValues, AppIdentity } from './types.js';

/** The default registry. */
export const register = globalRegistry();
/** prom-client's content types, as on its module. */
export const prometheusContentType = register.contentType;
export const contentType = prometheusContentType;
export const openMetricsContentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
