/**
 * App metrics from perfmem/metrics (GET /api/apps), aggregated per app by the server with
 * prom-client's rules; families aggregated with `all` carry one series per worker. Shown as a
 * compact table per app: counters and gauges by label set, histograms and summaries as count,
 * mean and (for histograms) p50/p99 estimated from the buckets.
 */
import type { AppsBody, MetricFamily, MetricValue } from './api.js';
import { clear, h } from './dom.js';

function labelText(labels: Record<string, string | number>, omit: string[] = []): string {
  const parts = Object.entries(labels).filter(([k]) => !omit.includes(k)).map(([k, v]) => `${k}="${String(v)}"`);
  return parts.length ? `{${parts.join(', ')}}` : '';
}

function number(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** Upper bound of the bucket where the cumulative count reaches q of the total (Prometheus' histogram_quantile without interpolation). */
export function bucketQuantile(buckets: { le: number; count: number }[], q: number): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted[sorted.length - 1]?.count ?? 0;
  if (total <= 0) return null;
  const target = q * total;
  for (const b of sorted) if (b.count >= target) return b.le;
  return null;
}

interface Row { series: string; value: string }

function familyRows(f: MetricFamily): Row[] {
  if (f.type === 'counter' || f.type === 'gauge') {
    return f.values.map((v) => ({ series: labelText(v.labels), value: number(v.value) }));
  }
  // Histograms and summaries: group the _bucket/_sum/_count values by their label set (less le/quantile).
  const groups = new Map<string, { buckets: { le: number; count: number }[]; sum?: number; count?: number; quantiles: string[] }>();
  const get = (v: MetricValue) => {
    const key = labelText(v.labels, ['le', 'quantile']);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { buckets: [], quantiles: [] }));
    return g;
  };
  for (const v of f.values) {
    const g = get(v);
    const name = v.metricName ?? f.name;
    if (name.endsWith('_bucket')) g.buckets.push({ le: v.labels.le === '+Inf' ? Infinity : Number(v.labels.le), count: v.value });
    else if (name.endsWith('_sum')) g.sum = v.value;
    else if (name.endsWith('_count')) g.count = v.value;
    else if (v.labels.quantile !== undefined) g.quantiles.push(`p${Number(v.labels.quantile) * 100} ${number(v.value)}`);
  }
  return [...groups].map(([series, g]) => {
    const parts = [`count ${number(g.count ?? 0)}`];
    if (g.sum !== undefined && g.count) parts.push(`mean ${number(g.sum / g.count)}`);
    const p50 = bucketQuantile(g.buckets, 0.5);
    const p99 = bucketQuantile(g.buckets, 0.99);
    if (p50 !== null) parts.push(`p50 ≤ ${number(p50)}`);
    if (p99 !== null) parts.push(`p99 ≤ ${number(p99)}`);
    parts.push(...g.quantiles);
    return { series, value: parts.join(' · ') };
  });
}

/** Renders the apps' metrics into `into` (all apps, or only `onlyApp`). */
export function renderApps(into: HTMLElement, body: AppsBody, onlyApp?: string): void {
  clear(into);
  const apps = body.apps.filter((a) => (onlyApp === undefined || a.app === onlyApp) && a.families.length > 0);
  if (apps.length === 0) {
    into.append(h('p', { class: 'muted' }, onlyApp === undefined
      ? 'No app publishes metrics. Use perfmem/metrics (prom-client\'s API) to publish counters, gauges and histograms here.'
      : 'This app publishes no metrics (perfmem/metrics).'));
    return;
  }
  for (const a of apps) {
    const tbody = h('tbody');
    for (const f of [...a.families].sort((x, y) => x.name.localeCompare(y.name))) {
      const rows = familyRows(f);
      rows.forEach((r, i) => {
        tbody.append(h('tr', null,
          i === 0 ? h('td', { class: 'metric-name', rowspan: rows.length, title: f.help }, f.name, h('span', { class: 'metric-type' }, f.type)) : null,
          h('td', { class: 'metric-series' }, r.series),
          h('td', { class: 'num metric-value' }, r.value)));
      });
    }
    into.append(h('section', { class: 'app-metrics', 'data-app': a.app },
      h('h3', null, a.app, h('span', { class: 'muted' }, ` · pids ${a.pids.join(', ')}`)),
      h('table', { class: 'metrics' }, h('thead', null, h('tr', null, h('th', null, 'Metric'), h('th', null, 'Series'), h('th', { class: 'num' }, 'Value'))), tbody)));
  }
}
