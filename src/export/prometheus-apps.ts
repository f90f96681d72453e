/**
 * Apps' own metrics (perfmem/metrics, aggregated per app by the monitor with each family's
 * aggregator) as Prometheus families: the app's names and labels plus an `app` label (a series'
 * own `app` label is kept as `exported_app`, as Prometheus does on a clash). Counters are
 * named as in OpenMetrics (`<name>_total` samples, whether or not the app's name ended so).
 * A family whose name perfmem already exports (an app calling collectDefaultMetrics has
 * `process_*`, `nodejs_*`), or that another app declared with another type, is left out:
 * one name, one type, no duplicate series. Pure.
 */
import type { AppMetricFamily, AppSample } from '../monitor/types.js';
import type { FamilyType, Labels, MetricFamilyOut, MetricSample } from './prometheus-format.js';

const MAX_LABEL = 256;
const clip = (s: string): string => (s.length > MAX_LABEL ? s.slice(0, MAX_LABEL) : s);

/** The family name and sample suffix of a value (prom-client's `metricName` is `<name>_bucket`...). */
function suffixOf(f: AppMetricFamily, metricName: string | undefined): string | undefined {
  if (metricName === undefined || metricName === f.name) return '';
  const rest = metricName.startsWith(f.name) ? metricName.slice(f.name.length) : undefined;
  return rest === '_bucket' || rest === '_sum' || rest === '_count' ? rest : undefined;
}

function labelsOf(app: string, labels: Record<string, string | number>): Labels {
  const out: [string, string][] = [['app', clip(app)]];
  for (const [k, v] of Object.entries(labels)) out.push([k === 'app' ? 'exported_app' : k, clip(String(v))]);
  return out;
}

/** The families of `apps`, after `taken` (the names already in the exposition). */
export function mapAppFamilies(apps: readonly AppSample[], taken: readonly MetricFamilyOut[]): MetricFamilyOut[] {
  const used = new Set(taken.map((f) => f.name));
  const byName = new Map<string, MetricFamilyOut>();
  for (const a of apps) {
    for (const f of a.families) {
      const type: FamilyType = f.type;
      const name = type === 'counter' ? f.name.replace(/_total$/, '') : f.name;
      if (used.has(name)) continue;
      let out = byName.get(name);
      if (out === undefined) byName.set(name, (out = { name, type, help: f.help, samples: [] }));
      else if (out.type !== type) continue;
      for (const v of f.values) {
        if (typeof v.value !== 'number') continue;
        const suffix = type === 'counter' ? '_total' : suffixOf(f, v.metricName);
        if (suffix === undefined) continue;
        const sample: MetricSample = { suffix, labels: labelsOf(a.app, v.labels), value: v.value };
        out.samples.push(sample);
      }
    }
  }
  return [...byName.values()];
}
