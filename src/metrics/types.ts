/**
 * The shapes perfmem/metrics hands to readers: a metric family as prom-client's `get()`
 * returns it (name, help, type, aggregator, values with optional metricName), so that
 * aggregation and formatting follow prom-client's rules exactly.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';
/** prom-client's aggregators plus `all` (one series per worker, with a `worker` label). */
export type Aggregator = 'sum' | 'first' | 'min' | 'max' | 'average' | 'omit' | 'all';
export type LabelValues = Record<string, string | number>;

export interface MetricValue {
  labels: LabelValues;
  value: number;
  /** `<name>_bucket`, `<name>_sum`, `<name>_count` for histograms and summaries. */
  metricName?: string;
  /** Present in a histogram's own values, as in prom-client's (null for buckets, undefined for sum and count: no exemplars). */
  exemplar?: null | undefined;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  aggregator: Aggregator;
  values: MetricValue[];
}

/** Who wrote a region's metrics: what the grouping rule and the `worker` label need. */
export interface AppIdentity {
  pid: number;
  ppid: number;
  /** PERFMEM_APP, else PM2's app name (`name` with `pm_id` set), else undefined. */
  app?: string;
  /** True in a node:cluster worker. */
  clusterWorker?: boolean;
  /** A stable worker name: NODE_APP_INSTANCE, else the cluster worker id, else undefined (the pid stands in). */
  worker?: string;
}
