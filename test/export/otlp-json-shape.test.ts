/**
 * Cross-check of perfmem's OTLP/JSON with what OpenTelemetry's own exporter
 * (@opentelemetry/exporter-metrics-otlp-http) sends for the same data: the same field names
 * at every level and the same JSON types, except the int64 fields, which perfmem spells as
 * decimal strings (protobuf's JSON mapping; lossless above 2^53) where the JS exporter writes
 * numbers; the generated code reads both to the same values, which the test checks too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { encodeJsonRequest, type ResourceMetrics } from '../../src/export/otlp/index.js';
import { decodeJson } from './otlp-helpers.js';

const INT64_FIELDS = new Set(['intValue', 'asInt', 'count', 'bucketCounts', 'startTimeUnixNano', 'timeUnixNano']);
/** Fields the JS exporter writes with their default value, which perfmem leaves out. */
const DEFAULTS_LEFT_OUT = new Set(['droppedAttributesCount']);

type Shape = string | { [k: string]: Shape } | Shape[];

function shape(v: unknown, field = ''): Shape {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0], field)];
  if (typeof v === 'object' && v !== null) {
    const out: { [k: string]: Shape } = {};
    for (const k of Object.keys(v).sort()) if (!DEFAULTS_LEFT_OUT.has(k)) out[k] = shape((v as Record<string, unknown>)[k], k);
    return out;
  }
  return INT64_FIELDS.has(field) ? 'int64' : typeof v;
}

function withoutDefaults(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutDefaults);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).filter(([k]) => !DEFAULTS_LEFT_OUT.has(k)).map(([k, x]) => [k, withoutDefaults(x)]));
  }
  return v;
}

async function whatOpenTelemetrySends(): Promise<Record<string, unknown>> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => { bodies.push(Buffer.concat(chunks).toString()); res.end('{}'); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const exporter = new OTLPMetricExporter({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`, temporalityPreference: AggregationTemporality.CUMULATIVE });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'shop', 'process.pid': 42 }), readers: [reader] });
  const meter = provider.getMeter('perfmem', '1.0');
  meter.createCounter('c', { unit: 's', description: 'a counter' }).add(1.5, { 'cpu.mode': 'user' });
  meter.createUpDownCounter('u', { unit: 'By', valueType: 0 }).add(5);
  meter.createGauge('g').record(0.5);
  meter.createHistogram('h', { unit: 's', advice: { explicitBucketBoundaries: [1, 2] } }).record(1.5);
  try {
    await reader.forceFlush();
  } finally {
    await provider.shutdown();
    server.close();
  }
  assert.ok(bodies.length >= 1, "the exporter sent its request"); // shutdown() may flush a second time
  return JSON.parse(bodies[0]!) as Record<string, unknown>;
}

test('perfmem\'s OTLP/JSON has the shape @opentelemetry/exporter-metrics-otlp-http sends, and decodes to the same data', async () => {
  const theirs = await whatOpenTelemetrySends();
  const decoded = decodeJson(Buffer.from(JSON.stringify(theirs)));
  // The same data in perfmem's model, with OpenTelemetry's own times.
  const metrics = decoded.resourceMetrics[0]!.scopeMetrics[0]!.metrics;
  const times = (name: string) => {
    const m = metrics.find((x) => x.name === name)!;
    const p = (m.sum ?? m.gauge ?? m.histogram)!.dataPoints[0]!;
    return { startTimeUnixNano: BigInt(p.startTimeUnixNano), timeUnixNano: BigInt(p.timeUnixNano) };
  };
  const ours: ResourceMetrics[] = [{
    resource: { 'service.name': 'shop', 'process.pid': 42 },
    scopeMetrics: [{
      scope: { name: 'perfmem', version: '1.0' },
      metrics: [
        { kind: 'sum', name: 'c', description: 'a counter', unit: 's', monotonic: true, points: [{ attributes: { 'cpu.mode': 'user' }, ...times('c'), value: 1.5, isInt: false }] },
        { kind: 'sum', name: 'u', description: '', unit: 'By', monotonic: false, points: [{ attributes: {}, ...times('u'), value: 5, isInt: true }] },
        { kind: 'gauge', name: 'g', description: '', unit: '', points: [{ attributes: {}, ...times('g'), value: 0.5, isInt: false }] },
        { kind: 'histogram', name: 'h', description: '', unit: 's', points: [{ attributes: {}, ...times('h'), count: 1, sum: 1.5, min: 1.5, max: 1.5, bucketCounts: [0, 1, 0], explicitBounds: [1, 2] }] },
      ],
    }],
  }];
  const body = encodeJsonRequest(ours);
  assert.deepEqual(shape(JSON.parse(Buffer.from(body).toString())), shape(theirs));
  assert.deepEqual(withoutDefaults(decodeJson(body)), withoutDefaults(decoded));
});
