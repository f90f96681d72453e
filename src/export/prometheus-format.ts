/**
 * Metric families rendered in the Prometheus text format 0.0.4 or OpenMetrics 1.0. Pure: the
 * families come from prometheus-map.ts; the server picks the format (prometheus-negotiate.ts).
 *
 * A family is named by its OpenMetrics name (`process_cpu_seconds` for a counter whose sample is
 * `process_cpu_seconds_total`; `perfmem_process` for the info sample `perfmem_process_info`).
 * In 0.0.4 a counter's TYPE line names the `_total` sample and an info family is a gauge.
 */

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'info';

export type Labels = readonly (readonly [string, string])[];

export interface MetricSample {
  /** Appended to the family name: '' (gauge), '_total', '_bucket', '_count', '_sum', '_info'. */
  suffix: string;
  labels: Labels;
  value: number;
}

export interface MetricFamilyOut {
  name: string;
  type: FamilyType;
  help: string;
  /** OpenMetrics unit; written only when the name ends with `_<unit>`. */
  unit?: string;
  samples: MetricSample[];
  /**
   * Samples already rendered, one line each (`name_suffix{labels} value`, the same in both
   * formats), written after `samples`: prometheus-map builds no object per series.
   */
  lines?: string[];
}

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** A label value or HELP text with `\`, newline (and `"` in label values) escaped, as both formats require. */
export function escapeLabelValue(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\n"]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`)) : s;
}
const NEEDS_ESCAPE = /[\\\n"]/;

function escapeHelp(s: string, format: ExpositionFormat): string {
  return s.replace(format === 'openmetrics' ? /[\\\n"]/g : /[\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** Any string as a valid metric or label name: characters outside [a-zA-Z0-9_] become `_`. */
export function sanitizeName(s: string): string {
  const n = s.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(n) ? `_${n}` : n;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Rendered label sets, by identity: a process's labels are one array shared by most of its samples. */
const rendered = new WeakMap<Labels, string>();

function labelText(labels: Labels): string {
  if (labels.length === 0) return '';
  let text = rendered.get(labels);
  if (text === undefined) rendered.set(labels, text = renderLabels(labels));
  return text;
}

function renderLabels(labels: Labels): string {
  let s = '{';
  for (let i = 0; i < labels.length; i++) {
    const [k, v] = labels[i]!;
    s += `${i > 0 ? ',' : ''}${k}="${escapeLabelValue(v)}"`;
  }
  return s + '}';
}

/** Renders families in order; families without samples are left out. */
export function formatFamilies(families: readonly MetricFamilyOut[], format: ExpositionFormat): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0 && (f.lines === undefined || f.lines.length === 0)) continue;
    if (format === 'openmetrics') {
      out.push(`# TYPE ${f.name} ${f.type === 'info' ? 'info' : f.type}`);
      if (f.unit !== undefined && f.name.endsWith(`_${f.unit}`)) out.push(`# UNIT ${f.name} ${f.unit}`);
      out.push(`# HELP ${f.name} ${escapeHelp(f.help, format)}`);
    } else {
      const typeName = f.type === 'counter' ? `${f.name}_total` : f.type === 'info' ? `${f.name}_info` : f.name;
      out.push(`# HELP ${typeName} ${escapeHelp(f.help, format)}`);
      out.push(`# TYPE ${typeName} ${f.type === 'info' ? 'gauge' : f.type}`);
    }
    for (const s of f.samples) out.push(`${f.name}${s.suffix}${labelText(s.labels)} ${formatValue(s.value)}`);
    if (f.lines !== undefined) for (const line of f.lines) out.push(line);
  }
  if (format === 'openmetrics') out.push('# EOF');
  return out.length === 0 ? '' : out.join('\n') + '\n';
}
