/**
 * An app's own metrics (perfmem/metrics, prom-client's API, aggregated across the app's
 * processes by the monitor) to OTLP: counters as monotonic sums (without prom-client's
 * `_total`, which a Prometheus behind the collector adds back), gauges as gauges, histograms
 * as histograms (prom-client's cumulative `le` buckets made per-bucket), summaries as
 * summaries. One resource per app: `service.name` and `host.name`, no pid (the figures are
 * the app's, summed over its processes as prom-client's cluster aggregator does).
 */
import type { AppMetricFamily, AppSample } from '../../monitor/types.js';
import type { Attributes, HistogramPoint, Metric, NumberPoint, ResourceMetrics, SummaryPoint } from './model.js';
import { bounded } from './resource.js';
import { RESOURCE } from './semconv.js';

const MAX_FAMILIES = 1000;
const MAX_SERIES = 10_000;

function labelsOf(labels: Record<string, string | number>, drop?: string): Attributes {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== drop) out[bounded(k, 128)] = bounded(String(v), 256);
  return out;
}

/** A series key: the labels other than `le`/`quantile`, in a stable order. */
function seriesKey(a: Attributes): string {
  return JSON.stringify(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

function finite(v: number): boolean {
  return typeof v === 'number' && Number.isFinite(v);
}

export function mapFamily(f: AppMetricFamily, start: bigint, time: bigint): Metric | undefined {
  const values = f.values.slice(0, MAX_SERIES);
  const base = { name: bounded(f.name, 256), description: bounded(f.help, 1024), unit: '' };
  if (f.type === 'counter' || f.type === 'gauge') {
    const points: NumberPoint[] = values.filter((v) => finite(v.value)).map((v) => ({
      attributes: labelsOf(v.labels), startTimeUnixNano: start, timeUnixNano: time, value: v.value, isInt: false,
    }));
    if (points.length === 0) return undefined;
    return f.type === 'counter'
      ? { ...base, name: base.name.replace(/_total$/, ''), kind: 'sum', monotonic: true, points }
      : { ...base, kind: 'gauge', points };
  }
  if (f.type === 'histogram') {
    const series = new Map<string, { attributes: Attributes; buckets: Array<[number, number]>; sum: number; count: number }>();
    const get = (a: Attributes) => {
      const key = seriesKey(a);
      let s = series.get(key);
      if (s === undefined) series.set(key, s = { attributes: a, buckets: [], sum: 0, count: 0 });
      return s;
    };
    for (const v of values) {
      if (!finite(v.value)) continue;
      if (v.metricName?.endsWith('_bucket') === true) {
        const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
        if (!Number.isNaN(le)) get(labelsOf(v.labels, 'le')).buckets.push([le, v.value]);
      } else if (v.metricName?.endsWith('_sum') === true) get(labelsOf(v.labels)).sum = v.value;
      else if (v.metricName?.endsWith('_count') === true) get(labelsOf(v.labels)).count = v.value;
    }
    const points: HistogramPoint[] = [];
    for (const s of series.values()) {
      s.buckets.sort((a, b) => a[0] - b[0]);
      const explicitBounds = s.buckets.filter(([le]) => le !== Infinity).map(([le]) => le);
      const bucketCounts: number[] = [];
      let previous = 0;
      for (const [le, cumulative] of s.buckets) {
        if (le === Infinity) continue;
        bucketCounts.push(Math.max(0, cumulative - previous));
        previous = cumulative;
      }
      // The overflow bucket: what the count has beyond the last bound (OTLP: count == sum of buckets).
      bucketCounts.push(Math.max(0, s.count - previous));
      const count = bucketCounts.reduce((a, n) => a + n, 0);
      points.push({ attributes: s.attributes, startTimeUnixNano: start, timeUnixNano: time, count, sum: s.sum, bucketCounts, explicitBounds });
    }
    return points.length > 0 ? { ...base, kind: 'histogram', points } : undefined;
  }
  // Summary: quantiles over prom-client's sliding window, count and sum cumulative.
  const series = new Map<string, SummaryPoint>();
  const get = (a: Attributes) => {
    const key = seriesKey(a);
    let s = series.get(key);
    if (s === undefined) series.set(key, s = { attributes: a, startTimeUnixNano: start, timeUnixNano: time, count: 0, sum: 0, quantiles: [] });
    return s;
  };
  for (const v of values) {
    if (v.metricName?.endsWith('_sum') === true) { if (finite(v.value)) get(labelsOf(v.labels)).sum = v.value; }
    else if (v.metricName?.endsWith('_count') === true) { if (finite(v.value)) get(labelsOf(v.labels)).count = v.value; }
    else if (v.labels.quantile !== undefined) {
      const q = Number(v.labels.quantile);
      if (q >= 0 && q <= 1) (get(labelsOf(v.labels, 'quantile')).quantiles as Array<{ quantile: number; value: number }>).push({ quantile: q, value: finite(v.value) ? v.value : 0 });
    }
  }
  const points = [...series.values()];
  return points.length > 0 ? { ...base, kind: 'summary', points } : undefined;
}

/**
 * One ResourceMetrics per app with metrics. `startMs`: when the app's earliest live process
 * started (its cumulative figures count from there).
 */
export function mapApps(apps: readonly AppSample[], startMsOf: (pids: readonly number[]) => number | undefined, atMs: number, hostName: string, scope: { name: string; version: string }, extra: Attributes = {}): ResourceMetrics[] {
  const out: ResourceMetrics[] = [];
  const toNano = (ms: number) => BigInt(Math.max(0, Math.floor(ms))) * 1_000_000n;
  for (const app of apps) {
    if (app.families.length === 0) continue;
    const start = toNano(startMsOf(app.pids) ?? atMs), time = toNano(atMs);
    const metrics: Metric[] = [];
    for (const f of app.families.slice(0, MAX_FAMILIES)) {
      const m = mapFamily(f, start, time);
      if (m !== undefined) metrics.push(m);
    }
    if (metrics.length === 0) continue;
    const name = bounded(app.app, 256);
    out.push({
      resource: { ...extra, [RESOURCE.serviceName]: name !== '' ? name : 'unknown_service', [RESOURCE.hostName]: hostName },
      scopeMetrics: [{ scope: { name: `${scope.name}/metrics`, version: scope.version }, metrics }],
    });
  }
  return out;
}
