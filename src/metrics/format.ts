/**
 * Prometheus text (0.0.4) and OpenMetrics text of metric families, exactly as prom-client's
 * Registry prints them (same escaping, value spelling, label order and blank lines). Pure.
 */
import type { LabelValues, MetricFamily } from './types.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export interface FormatOptions {
  /** OpenMetrics instead of Prometheus text: counters as `<name>_total`, `# EOF` at the end. */
  openMetrics?: boolean;
  /** Labels added to every series that does not set them (Registry#setDefaultLabels). */
  defaultLabels?: LabelValues;
  /**
   * Print default labels of a histogram's series as prom-client's Registry#metrics() does:
   * `le`, then the default labels, then the series' own (prom-client keeps those apart as
   * "shared" labels). Not for aggregated families, whose labels come in one set.
   */
  histogramDefaultsFirst?: boolean;
}

export function escapeString(str: string): string {
  if (!/[\\\n]/.test(str)) return str; // the common case: nothing to escape, no copies
  return str.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  if (!/[\\\n"]/.test(value)) return value;
  return escapeString(value).replace(/"/g, '\\"');
}

/**
 * The `{k="v",...}` text of a label set. Decoded label sets are frozen and shared across
 * processes and scrapes (decode.ts), so theirs is built once and remembered.
 */
const labelTexts = new WeakMap<object, string>();
function labelText(labels: LabelValues): string {
  const frozen = Object.isFrozen(labels);
  if (frozen) {
    const known = labelTexts.get(labels);
    if (known !== undefined) return known;
  }
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels)) parts.push(`${k}="${escapeLabelValue(v)}"`);
  const text = parts.length > 0 ? `{${parts.join(',')}}` : '';
  if (frozen) labelTexts.set(labels, text);
  return text;
}

/** prom-client's getValueAsString. */
export function valueString(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

/** One family's lines (no trailing newline), as prom-client's getMetricsAsString. */
export function formatFamily(family: MetricFamily, options: FormatOptions = {}): string {
  const open = options.openMetrics === true;
  const baseName = open && family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
  const name = escapeString(baseName);
  const lines = [`# HELP ${name} ${escapeString(family.help)}`, `# TYPE ${name} ${family.type}`];
  const defaults = options.defaultLabels !== undefined && Object.keys(options.defaultLabels).length > 0 ? options.defaultLabels : undefined;
  for (const val of family.values) {
    let metricName = val.metricName ?? name;
    if (open && family.type === 'counter') metricName = `${metricName}_total`;
    let labels = val.labels ?? {};
    if (defaults !== undefined) {
      labels = options.histogramDefaultsFirst === true && family.type === 'histogram'
        ? histogramLabelsWithDefaults(labels, defaults)
        : { ...labels, ...defaults, ...labels };
    }
    lines.push(`${metricName}${labelText(labels)} ${valueString(val.value)}`);
  }
  return lines.join('\n');
}

function histogramLabelsWithDefaults(labels: LabelValues, defaults: LabelValues): LabelValues {
  const out: LabelValues = {};
  if (labels.le !== undefined) out.le = labels.le;
  for (const k of Object.keys(defaults)) if (!(k in labels)) out[k] = defaults[k]!;
  for (const k of Object.keys(labels)) if (k !== 'le') out[k] = labels[k]!;
  return out;
}

/** The whole exposition, as prom-client's Registry#metrics(). */
export function formatPrometheus(families: readonly MetricFamily[], options: FormatOptions = {}): string {
  const parts = families.map((f) => formatFamily(f, options));
  return options.openMetrics === true ? `${parts.join('\n')}\n# EOF\n` : `${parts.join('\n\n')}\n`;
}
