/** Registry: prom-client's, over perfmem metrics (and any object with prom-client's get()). */
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, formatFamily } from './format.js';
import type { LabelValues, MetricFamily } from './types.js';
import { setPublishedDefaultLabels } from './store.js';

/** What a registry holds: perfmem's metrics, or anything with prom-client's shape. */
export interface RegisteredMetric {
  name: string;
  get(): Promise<MetricFamily> | MetricFamily;
  reset(): void;
  setPublished?(published: boolean): void;
}

export class Registry {
  static get PROMETHEUS_CONTENT_TYPE(): string {
    return PROMETHEUS_CONTENT_TYPE;
  }
  static get OPENMETRICS_CONTENT_TYPE(): string {
    return OPENMETRICS_CONTENT_TYPE;
  }

  private metricsByName: Record<string, RegisteredMetric> = {};
  private defaultLabelSet: LabelValues = {};
  private type: string;

  constructor(regContentType: string = PROMETHEUS_CONTENT_TYPE) {
    if (regContentType !== PROMETHEUS_CONTENT_TYPE && regContentType !== OPENMETRICS_CONTENT_TYPE) {
      throw new TypeError(`Content type ${regContentType} is unsupported`);
    }
    this.type = regContentType;
  }

  get contentType(): string {
    return this.type;
  }

  setContentType(type: string): void {
    if (type !== PROMETHEUS_CONTENT_TYPE && type !== OPENMETRICS_CONTENT_TYPE) throw new Error(`Content type ${type} is unsupported`);
    this.type = type;
  }

  getMetricsAsArray(): RegisteredMetric[] {
    return Object.values(this.metricsByName);
  }

  private get openMetrics(): boolean {
    return this.type === OPENMETRICS_CONTENT_TYPE;
  }

  async getMetricsAsString(metric: RegisteredMetric): Promise<string> {
    return formatFamily(await metric.get(), { openMetrics: this.openMetrics, defaultLabels: this.defaultLabelSet, histogramDefaultsFirst: true });
  }

  /** This process's exposition text. */
  async metrics(): Promise<string> {
    const parts = await Promise.all(this.getMetricsAsArray().map((m) => this.getMetricsAsString(m)));
    return this.openMetrics ? `${parts.join('\n')}\n# EOF\n` : `${parts.join('\n\n')}\n`;
  }

  registerMetric(metric: RegisteredMetric): void {
    const existing = this.metricsByName[metric.name];
    if (existing !== undefined && existing !== metric) throw new Error(`A metric with the name ${metric.name} has already been registered.`);
    this.metricsByName[metric.name] = metric;
    metric.setPublished?.(true);
  }

  clear(): void {
    const all = this.getMetricsAsArray();
    this.metricsByName = {};
    this.defaultLabelSet = {};
    if (this === global) setPublishedDefaultLabels({});
    for (const m of all) unpublishIfOrphan(m);
  }

  async getMetricsAsJSON(): Promise<MetricFamily[]> {
    const names = Object.keys(this.defaultLabelSet);
    const out = await Promise.all(this.getMetricsAsArray().map((m) => m.get()));
    if (names.length > 0) {
      for (const item of out) {
        for (const val of item.values) {
          val.labels = { ...val.labels };
          for (const n of names) val.labels[n] = val.labels[n] || this.defaultLabelSet[n]!;
        }
      }
    }
    return out;
  }

  removeSingleMetric(name: string): void {
    const m = this.metricsByName[name];
    delete this.metricsByName[name];
    if (m !== undefined) unpublishIfOrphan(m);
  }

  getSingleMetricAsString(name: string): Promise<string> {
    return this.getMetricsAsString(this.metricsByName[name]!);
  }

  getSingleMetric(name: string): RegisteredMetric | undefined {
    return this.metricsByName[name];
  }

  setDefaultLabels(labels: LabelValues): void {
    this.defaultLabelSet = labels;
    if (this === global) setPublishedDefaultLabels(labels);
  }

  /** @internal */
  get defaultLabels(): LabelValues {
    return this.defaultLabelSet;
  }

  resetMetrics(): void {
    for (const m of this.getMetricsAsArray()) m.reset();
  }

  /** @internal */
  holds(metric: RegisteredMetric): boolean {
    return this.metricsByName[metric.name] === metric;
  }

  static merge(registers: Registry[]): Registry {
    const regType = registers[0]!.contentType;
    for (const reg of registers) {
      if (reg.contentType !== regType) throw new Error('Registers can only be merged if they have the same content type');
    }
    const merged = new Registry(regType);
    for (const reg of registers) for (const m of reg.getMetricsAsArray()) merged.registerMetric(m);
    return merged;
  }
}

let global: Registry | undefined;

/** The default registry (prom-client's `register`). */
export function globalRegistry(): Registry {
  global ??= new Registry();
  return global;
}

/** A metric no registry holds is hidden from readers of the region (it stays usable). */
function unpublishIfOrphan(metric: RegisteredMetric): void {
  // Only the global registry and the metric's own registers can hold it.
  const regs = (metric as { registers?: Registry[] }).registers ?? [];
  if (!regs.some((r) => r.holds(metric)) && !(global?.holds(metric) ?? false)) metric.setPublished?.(false);
}
