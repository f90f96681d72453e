/**
 * perfmem/otel: this process's runtime metrics, from its own perfmem region, in the app's
 * OpenTelemetry MeterProvider. A MetricProducer (sdk-metrics 2.x) that a MetricReader takes
 * in its `metricProducers` option:
 *
 *   import { PerfmemMetricProducer } from 'perfmem/otel';
 *   new PrometheusExporter({ metricProducers: [new PerfmemMetricProducer()] });
 *   new PeriodicExportingMetricReader({ exporter, metricProducers: [new PerfmemMetricProducer()] });
 *
 * The figures are the ones perfmem/register already publishes (no second set of observers,
 * no monitorEventLoopDelay reset at each collect): a collect reads the region and maps it with
 * the same code as `perfmem otlp`. @opentelemetry/api and @opentelemetry/sdk-metrics are
 * optional peer dependencies: only this entry loads them.
 */
import { ValueType } from '@opentelemetry/api';
import type { Attributes as OtelAttributes, HrTime } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type { CollectionResult, MetricData, MetricProducer, ScopeMetrics } from '@opentelemetry/sdk-metrics';
import type { Attributes, Metric } from '../export/otlp/index.js';
import { heapSpaces, mapNode, METRICS, MetricsBuilder, msToUnixNano, perfmemVersion, SCOPE_NAME } from '../export/otlp/index.js';
import type { NodeState } from '../export/otlp/index.js';
import { attach, currentRegion } from '../perfmemory/index.js';
import type { RegionView } from '../perfmemory/index.js';
import { readLoopHistogram } from '../runtime/loop-histogram.js';

export interface PerfmemProducerOptions {
  /** The instrumentation scope's name (default 'perfmem'). */
  scopeName?: string;
}

function hrTime(unixNano: bigint): HrTime {
  return [Number(unixNano / 1_000_000_000n), Number(unixNano % 1_000_000_000n)];
}

/** perfmem's OTLP model to the SDK's MetricData (what every SDK exporter takes); the SDK has no summaries. */
export function toMetricData(m: Metric): MetricData | undefined {
  if (m.kind === 'summary') return undefined;
  const isInt = m.kind !== 'histogram' && m.points.every((p) => p.isInt);
  const descriptor = { name: m.name, description: m.description, unit: m.unit, valueType: isInt ? ValueType.INT : ValueType.DOUBLE };
  const attrs = (a: Attributes): OtelAttributes => ({ ...a });
  if (m.kind === 'histogram') {
    return {
      descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.HISTOGRAM,
      dataPoints: m.points.map((p) => ({
        startTime: hrTime(p.startTimeUnixNano), endTime: hrTime(p.timeUnixNano), attributes: attrs(p.attributes),
        value: {
          // The SDK's histograms always have buckets: count-and-sum-only data is one (-Inf, +Inf) bucket.
          buckets: { boundaries: [...p.explicitBounds], counts: p.bucketCounts.length > 0 ? [...p.bucketCounts] : [p.count] },
          count: p.count, sum: p.sum, min: p.min, max: p.max,
        },
      })),
    };
  }
  const dataPoints = m.points.map((p) => ({ startTime: hrTime(p.startTimeUnixNano), endTime: hrTime(p.timeUnixNano), attributes: attrs(p.attributes), value: p.value }));
  if (m.kind === 'sum') {
    return { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: m.monotonic, dataPoints };
  }
  return { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints };
}

export class PerfmemMetricProducer implements MetricProducer {
  private view: RegionView | undefined;
  private state: NodeState = {};
  private warned = false;
  private readonly scope: { name: string; version: string };

  constructor(options: PerfmemProducerOptions = {}) {
    this.scope = { name: options.scopeName ?? SCOPE_NAME, version: perfmemVersion() };
  }

  /** This process's metrics now; no region (perfmem/register not loaded) gives none and one error, once. */
  async collect(): Promise<CollectionResult> {
    const errors: unknown[] = [];
    const scopeMetrics: ScopeMetrics[] = [];
    try {
      const metrics = this.read();
      if (metrics !== undefined) scopeMetrics.push({ scope: this.scope, metrics: metrics.map(toMetricData).filter((d) => d !== undefined) });
      else if (!this.warned) {
        this.warned = true;
        errors.push(new Error('perfmem/otel: this process has no perfmem region; start it with `node --import perfmem/register` (or call start() from perfmem/runtime)'));
      }
    } catch (err) {
      errors.push(err);
    }
    // MetricReader keeps its own resource and takes only the scopes from producers.
    return { resourceMetrics: { resource: EMPTY_RESOURCE, scopeMetrics }, errors };
  }

  private read(): Metric[] | undefined {
    if (currentRegion() === undefined) return undefined;
    this.view ??= attach(process.pid);
    const counters = new Map<string, number>();
    for (const c of this.view.counters()) if (c.type === 'long') counters.set(c.name, Number(c.value));
    const get = (name: string): number | undefined => { const v = counters.get(name); return v !== undefined && Number.isFinite(v) ? v : undefined; };
    const startMs = get('node.startTime') ?? performance.timeOrigin;
    const now = Date.now();
    const b = new MetricsBuilder(msToUnixNano(startMs), msToUnixNano(now));
    b.sum(METRICS.processMemoryUsage, false, [[{}, get('node.memory.rss')]], true);
    b.gauge(METRICS.processUptime, [[{}, Math.max(0, (now - startMs) / 1000)]]);
    this.state = mapNode(b, get, heapSpaces(counters.keys()), readLoopHistogram(get), this.state);
    return b.metrics;
  }
}

/**
 * The producer's own resource is never used by a MetricReader (it merges only scopes), so it
 * is an empty one; @opentelemetry/resources is not a peer dependency of perfmem.
 */
const EMPTY_RESOURCE = {
  attributes: {},
  asyncAttributesPending: false,
  waitForAsyncAttributes: async () => {},
  merge: (other: unknown) => other ?? EMPTY_RESOURCE,
  getRawAttributes: () => [],
} as unknown as CollectionResult['resourceMetrics']['resource'];
