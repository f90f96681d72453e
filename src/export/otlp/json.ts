/**
 * ExportMetricsServiceRequest in OTLP/JSON: protobuf's JSON mapping with the OTLP spec's
 * rules (lowerCamelCase field names, enums as integers, 64-bit integers as decimal strings).
 */
import type { Attributes, HistogramPoint, Metric, NumberPoint, PartialSuccess, ResourceMetrics, SummaryPoint } from './model.js';
import { TEMPORALITY_CUMULATIVE } from './model.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A double as JSON: protobuf's JSON mapping spells the non-finite ones as strings. */
function double(v: number): Json {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

function attributes(a: Attributes): Json[] {
  return Object.entries(a).map(([key, v]): Json => {
    let value: Json;
    if (typeof v === 'string') value = { stringValue: v };
    else if (typeof v === 'boolean') value = { boolValue: v };
    else if (Number.isSafeInteger(v)) value = { intValue: String(v) };
    else value = { doubleValue: double(v) };
    return { key, value };
  });
}

function numberPoint(p: NumberPoint): Json {
  return {
    attributes: attributes(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano.toString(),
    timeUnixNano: p.timeUnixNano.toString(),
    ...(p.isInt && Number.isSafeInteger(p.value) ? { asInt: String(p.value) } : { asDouble: double(p.value) }),
  };
}

function histogramPoint(p: HistogramPoint): Json {
  const out: { [key: string]: Json } = {
    attributes: attributes(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano.toString(),
    timeUnixNano: p.timeUnixNano.toString(),
    count: String(p.count),
    sum: double(p.sum),
    bucketCounts: p.bucketCounts.map(String),
    explicitBounds: p.explicitBounds.map(double),
  };
  if (p.min !== undefined) out.min = double(p.min);
  if (p.max !== undefined) out.max = double(p.max);
  return out;
}

function summaryPoint(p: SummaryPoint): Json {
  return {
    attributes: attributes(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano.toString(),
    timeUnixNano: p.timeUnixNano.toString(),
    count: String(p.count),
    sum: double(p.sum),
    quantileValues: p.quantiles.map((q) => ({ quantile: double(q.quantile), value: double(q.value) })),
  };
}

function metric(m: Metric): Json {
  const base = { name: m.name, description: m.description, unit: m.unit };
  if (m.kind === 'gauge') return { ...base, gauge: { dataPoints: m.points.map(numberPoint) } };
  if (m.kind === 'sum') {
    return { ...base, sum: { dataPoints: m.points.map(numberPoint), aggregationTemporality: TEMPORALITY_CUMULATIVE, isMonotonic: m.monotonic } };
  }
  if (m.kind === 'summary') return { ...base, summary: { dataPoints: m.points.map(summaryPoint) } };
  return { ...base, histogram: { dataPoints: m.points.map(histogramPoint), aggregationTemporality: TEMPORALITY_CUMULATIVE } };
}

/** The request as a JSON value (what encodeJsonRequest serializes). */
export function jsonRequest(resources: readonly ResourceMetrics[]): Json {
  return {
    resourceMetrics: resources.map((rm) => ({
      resource: { attributes: attributes(rm.resource) },
      scopeMetrics: rm.scopeMetrics.map((sm) => ({
        scope: { name: sm.scope.name, version: sm.scope.version },
        metrics: sm.metrics.map(metric),
      })),
    })),
  };
}

export function encodeJsonRequest(resources: readonly ResourceMetrics[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(jsonRequest(resources)));
}

/** The collector's JSON response: { partialSuccess: { rejectedDataPoints, errorMessage } }. Throws on bad JSON. */
export function decodeJsonResponse(body: Uint8Array): PartialSuccess | undefined {
  if (body.length === 0) return undefined;
  const parsed: unknown = JSON.parse(new TextDecoder().decode(body));
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const ps = (parsed as { partialSuccess?: unknown }).partialSuccess;
  if (typeof ps !== 'object' || ps === null) return undefined;
  const rejected = Number((ps as { rejectedDataPoints?: unknown }).rejectedDataPoints ?? 0);
  const message = (ps as { errorMessage?: unknown }).errorMessage;
  const out: PartialSuccess = { rejectedDataPoints: Number.isFinite(rejected) ? rejected : 0, errorMessage: typeof message === 'string' ? message : '' };
  return out.rejectedDataPoints !== 0 || out.errorMessage !== '' ? out : undefined;
}
