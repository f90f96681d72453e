import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { encodeProtobufRequest, mapApps, OtlpMapper } from '../../src/export/otlp/index.js';
import type { AppMetricFamily } from '../../src/monitor/types.js';
import { attrs, decodeProtobuf, nodeSample } from './otlp-helpers.js';

/** prom-client's own get() output: the shape perfmem/metrics decodes app metrics into. */
async function families(): Promise<AppMetricFamily[]> {
  const registry = new Registry();
  const requests = new Counter({ name: 'http_requests_total', help: 'requests', labelNames: ['route'], registers: [registry] });
  requests.inc({ route: '/a' }, 3);
  requests.inc({ route: '/b' });
  new Gauge({ name: 'queue_depth', help: 'queued', registers: [registry] }).set(7);
  const latency = new Histogram({ name: 'latency_seconds', help: 'latency', buckets: [0.1, 1, 10], labelNames: ['m'], registers: [registry] });
  for (const v of [0.05, 0.3, 2, 20]) latency.observe({ m: 'get' }, v);
  const size = new Summary({ name: 'size_bytes', help: 'sizes', percentiles: [0.5, 0.9], registers: [registry] });
  for (let i = 1; i <= 10; i++) size.observe(i * 100);
  return (await registry.getMetricsAsJSON()) as unknown as AppMetricFamily[];
}

test('app metrics (prom-client families) map to sums, gauges, histograms and summaries under one resource per app', async () => {
  const rms = mapApps([{ app: 'shop', pids: [1, 2], families: await families() }, { app: 'empty', pids: [3], families: [] }],
    () => 1_700_000_000_000, 1_700_000_060_000, 'box', { name: 'perfmem', version: '1' }, { team: 'a' });
  assert.equal(rms.length, 1, 'an app without metrics sends no resource');
  const d = decodeProtobuf(encodeProtobufRequest(rms));
  const rm = d.resourceMetrics[0]!;
  assert.deepEqual(attrs(rm.resource.attributes), { team: 'a', 'service.name': 'shop', 'host.name': 'box' });
  assert.equal(rm.scopeMetrics[0]!.scope.name, 'perfmem/metrics');
  const m = new Map(rm.scopeMetrics[0]!.metrics.map((x) => [x.name, x]));

  const requests = m.get('http_requests')!;
  assert.equal(requests.sum!.isMonotonic, true);
  assert.equal(requests.sum!.aggregationTemporality, 2);
  assert.deepEqual(Object.fromEntries(requests.sum!.dataPoints.map((p) => [attrs(p.attributes).route, p.asDouble])), { '/a': 3, '/b': 1 });
  assert.equal(requests.sum!.dataPoints[0]!.startTimeUnixNano, '1700000000000000000');

  assert.equal(m.get('queue_depth')!.gauge!.dataPoints[0]!.asDouble, 7);

  const latency = m.get('latency_seconds')!.histogram!.dataPoints[0]!;
  assert.deepEqual(attrs(latency.attributes), { m: 'get' });
  assert.deepEqual(latency.explicitBounds, [0.1, 1, 10]);
  assert.deepEqual(latency.bucketCounts, ['1', '1', '1', '1']);
  assert.equal(latency.count, '4');
  assert.equal(latency.sum, 22.35);

  const size = m.get('size_bytes')!.summary!.dataPoints[0]!;
  assert.equal(size.count, '10');
  assert.equal(size.sum, 5500);
  assert.deepEqual(size.quantileValues!.map((q) => q.quantile), [0.5, 0.9]);
});

test('the mapper adds the apps after the processes, starting at the app\'s earliest process', async () => {
  const mapper = new OtlpMapper({ hostName: 'box', scopeVersion: '1' });
  const p1 = nodeSample(1, { startTimeMs: 1_700_000_000_500 }), p2 = nodeSample(2, { startTimeMs: 1_700_000_000_100 });
  const rms = mapper.mapHost({ atMs: 1_700_000_060_000, seq: 1, processes: [p1, p2] }, [{ app: 'shop', pids: [1, 2], families: await families() }]);
  assert.equal(rms.length, 3);
  const app = decodeProtobuf(encodeProtobufRequest([rms[2]!])).resourceMetrics[0]!;
  assert.equal(app.scopeMetrics[0]!.metrics[0]!.sum!.dataPoints[0]!.startTimeUnixNano, '1700000000100000000');
});

test('hostile families stay bounded and never throw', () => {
  const values = Array.from({ length: 20_000 }, (_, i) => ({ labels: { ['k'.repeat(500)]: 'v'.repeat(5000), le: i % 2 ? '+Inf' : 'nope' }, value: i % 3 ? NaN : i, metricName: 'x_bucket' }));
  const fam: AppMetricFamily[] = [
    { name: 'x', help: '', type: 'histogram', aggregator: 'sum', values },
    { name: 'y', help: '', type: 'summary', aggregator: 'sum', values: [{ labels: { quantile: 7 }, value: 1 }] },
    { name: 'z', help: '', type: 'counter', aggregator: 'sum', values: [{ labels: {}, value: Infinity }] },
  ];
  const rms = mapApps([{ app: 'a', pids: [], families: fam }], () => undefined, 1, 'h', { name: 's', version: '' });
  const d = decodeProtobuf(encodeProtobufRequest(rms));
  const metrics = d.resourceMetrics[0]?.scopeMetrics[0]?.metrics ?? [];
  for (const mm of metrics) for (const p of mm.histogram?.dataPoints ?? []) {
    assert.equal(p.bucketCounts!.length, (p.explicitBounds ?? []).length + 1);
    for (const a of Object.entries(attrs(p.attributes))) assert.ok(a[0].length <= 128 && String(a[1]).length <= 256);
  }
  assert.ok(!metrics.some((x) => x.name === 'z'), 'a counter with no finite value is left out');
});
