/**
 * Aggregation of several processes' families with prom-client's AggregatorRegistry semantics,
 * pure. Per metric (by name, in order of first appearance) the first family's aggregator is
 * applied to the values grouped by metric name and labels:
 *   sum, first, min, max, average, omit: as prom-client (values of exited workers count in
 *     `sum` only, where they keep totals from falling);
 *   all: every series kept per worker, with a `worker` label (an exited worker's totals add
 *     to the series of the same worker label).
 * Summaries' quantiles are never combined: under sum/min/max/average they are left out (the
 * `_sum` and `_count` series are aggregated); `first` and `all` keep one worker's own.
 * Gauges of exited workers drop out.
 */
import { hashObject } from './validation.js';
import type { MetricFamily, MetricValue } from './types.js';

export interface ProcessFamilies {
  pid: number;
  /** The `worker` label under the `all` aggregator; default the pid. */
  worker?: string;
  families: MetricFamily[];
  /** Totals of workers that have exited (from the app file): counted in sum and all only. */
  exited?: boolean;
}

/** hashObject of a label object, remembered per object (decoded label sets are shared and frozen). */
const keys = new WeakMap<object, string>();
function labelKey(labels: MetricValue['labels']): string {
  let k = keys.get(labels);
  if (k === undefined) {
    k = hashObject(labels);
    if (Object.isFrozen(labels)) keys.set(labels, k);
  }
  return k;
}

const isQuantile = (f: MetricFamily, v: MetricValue): boolean => f.type === 'summary' && v.metricName === undefined;

/** A group's running result: one pass, no per-group arrays (8 workers x 1,000 series is 8,000 values). */
interface Acc {
  out: MetricValue;
  n: number;
}

function aggregateOne(entries: { p: ProcessFamilies; f: MetricFamily }[]): MetricFamily | undefined {
  const head = entries[0]!.f;
  const agg = head.aggregator;
  if (agg === 'omit') return undefined;
  const result: MetricFamily = { help: head.help, name: head.name, type: head.type, values: [], aggregator: agg };
  const groups = new Map<string, Acc>();
  for (const { p, f } of entries) {
    if (p.exited === true && (f.type === 'gauge' || (agg !== 'sum' && agg !== 'all'))) continue;
    const worker = agg === 'all' ? p.worker ?? String(p.pid) : undefined;
    for (const v of f.values) {
      if (isQuantile(f, v) && (p.exited === true || (agg !== 'first' && agg !== 'all'))) continue;
      const labels = worker === undefined ? v.labels : { ...v.labels, worker };
      const key = v.metricName === undefined ? labelKey(labels) : `${v.metricName}\u0000${labelKey(labels)}`;
      const acc = groups.get(key);
      if (acc === undefined) {
        const out: MetricValue = { value: v.value, labels };
        if (v.metricName !== undefined) out.metricName = v.metricName;
        groups.set(key, { out, n: 1 });
        result.values.push(out);
        continue;
      }
      acc.n++;
      const o = acc.out;
      if (agg === 'sum' || agg === 'all' || agg === 'average') o.value += v.value;
      else if (agg === 'min') o.value = Math.min(o.value, v.value);
      else if (agg === 'max') o.value = Math.max(o.value, v.value);
      // first: keeps the first value
    }
  }
  if (agg === 'average') for (const acc of groups.values()) acc.out.value /= acc.n;
  return result;
}

/** The app's families, aggregated. */
export function aggregateFamilies(perProcess: readonly ProcessFamilies[]): MetricFamily[] {
  const byName = new Map<string, { p: ProcessFamilies; f: MetricFamily }[]>();
  // Live processes first, so that `first` and the family's help/type come from a live one.
  const ordered = [...perProcess.filter((p) => p.exited !== true), ...perProcess.filter((p) => p.exited === true)];
  for (const p of ordered) {
    for (const f of p.families) {
      let list = byName.get(f.name);
      if (list === undefined) byName.set(f.name, (list = []));
      list.push({ p, f });
    }
  }
  const out: MetricFamily[] = [];
  for (const entries of byName.values()) {
    const a = aggregateOne(entries);
    if (a !== undefined) out.push(a);
  }
  return out;
}

/** Adds `b`'s cumulative series (counters, histograms, summaries' count and sum) into `a`; gauges and quantiles are dropped. Pure. */
export function addTotals(a: MetricFamily[], b: MetricFamily[]): MetricFamily[] {
  const byName = new Map<string, MetricFamily>();
  const keep = (f: MetricFamily): MetricFamily | undefined => {
    if (f.type === 'gauge') return undefined;
    return { ...f, values: f.values.filter((v) => !isQuantile(f, v)).map((v) => ({ ...v })) };
  };
  for (const f of a) {
    const k = keep(f);
    if (k !== undefined) byName.set(f.name, k);
  }
  for (const f of b) {
    const k = keep(f);
    if (k === undefined) continue;
    const into = byName.get(f.name);
    if (into === undefined) {
      byName.set(f.name, k);
      continue;
    }
    const index = new Map(into.values.map((v) => [`${v.metricName}_${hashObject(v.labels)}`, v]));
    for (const v of k.values) {
      const same = index.get(`${v.metricName}_${hashObject(v.labels)}`);
      if (same !== undefined) same.value += v.value;
      else into.values.push(v);
    }
  }
  return [...byName.values()];
}
