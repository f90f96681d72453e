import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import * as stableSemconv from '@opentelemetry/semantic-conventions';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ATTRIBUTES, encodeProtobufRequest, exportBuckets, LOOP_DELAY_HISTOGRAM, METRICS, OtlpMapper, RESOURCE, type ResourceMetrics,
} from '../../src/export/otlp/index.js';
import { attachFile } from '../../src/perfmemory/index.js';
import { BUCKET_COUNT, recordDelay } from '../../src/runtime/loop-histogram.js';
import type { ProcessSample } from '../../src/monitor/types.js';
import { attrs, decodeProtobuf, metricsOf, nodeSample } from './otlp-helpers.js';

const mapper = () => new OtlpMapper({ hostName: 'box1', scopeVersion: '9.9.9' });
const decode = (rms: ResourceMetrics[]) => decodeProtobuf(encodeProtobufRequest(rms));
const host = (processes: ProcessSample[], atMs = 1_700_000_060_000) => ({ atMs, seq: 1, processes });

test('every convention name perfmem sends is in @opentelemetry/semantic-conventions, stable ones in its stable entry', () => {
  const incubating = new Set<unknown>(Object.entries(semconv).filter(([k]) => k.startsWith('METRIC_')).map(([, v]) => v));
  const stable = new Set<unknown>(Object.entries(stableSemconv).filter(([k]) => k.startsWith('METRIC_')).map(([, v]) => v));
  for (const m of Object.values(METRICS)) {
    assert.ok(incubating.has(m.name), `${m.name} is a convention name`);
    assert.equal(stable.has(m.name), m.stable, `${m.name} stability`);
  }
  // Deprecations are only in the package's declarations: read them there.
  const declarations = ['experimental_metrics.d.mts', 'stable_metrics.d.mts']
    .map((f) => { try { return readFileSync(fileURLToPath(new URL(`../../../node_modules/@opentelemetry/semantic-conventions/dist/${f}`, import.meta.url)), 'utf8'); } catch { return ''; } }).join('\n');
  for (const m of Object.values(METRICS)) {
    const at = declarations.indexOf(`: "${m.name}";`);
    assert.ok(at > 0, `${m.name} declared`);
    const doc = declarations.slice(declarations.lastIndexOf('/**', at), at);
    assert.equal(doc.includes('@deprecated'), m.deprecated !== undefined, `${m.name} deprecation`);
    if (m.deprecated !== undefined) assert.ok(doc.includes(m.deprecated), `${m.name} replaced by ${m.deprecated}`);
  }
  const attrNames = new Set<unknown>(Object.entries(semconv).filter(([k]) => k.startsWith('ATTR_')).map(([, v]) => v));
  const attrDeclarations = ['experimental_attributes.d.mts', 'stable_attributes.d.mts']
    .map((f) => readFileSync(fileURLToPath(new URL(`../../../node_modules/@opentelemetry/semantic-conventions/dist/${f}`, import.meta.url)), 'utf8')).join('\n');
  for (const a of [...Object.values(ATTRIBUTES), ...Object.values(RESOURCE)]) {
    assert.ok(attrNames.has(a), `${a} is a convention attribute`);
    const at = attrDeclarations.indexOf(`: "${a}";`);
    assert.ok(!attrDeclarations.slice(attrDeclarations.lastIndexOf('/**', at), at).includes('@deprecated'), `${a} is not deprecated`);
  }
  assert.ok(!LOOP_DELAY_HISTOGRAM.name.startsWith('nodejs.'), 'perfmem\'s own histogram stays out of the conventions\' namespace');
});

test('a Node process: resource, names, units, temporality and values', () => {
  const d = decode(mapper().mapHost(host([nodeSample(4242)])));
  const rm = d.resourceMetrics[0]!;
  const r = attrs(rm.resource.attributes);
  assert.equal(r['service.name'], 'shop');
  assert.equal(r['process.pid'], '4242');
  assert.equal(r['process.parent_pid'], '1');
  assert.equal(r['process.runtime.name'], 'nodejs');
  assert.equal(r['process.runtime.version'], 'v20.20.2');
  assert.equal(r['host.name'], 'box1');
  assert.match(String(r['service.instance.id']), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(r['process.command'], undefined, 'no command unless asked');
  assert.equal(rm.scopeMetrics[0]!.scope.name, 'perfmem');

  const m = metricsOf(d, 4242);
  const cpu = m.get('process.cpu.time')!;
  assert.equal(cpu.unit, 's');
  assert.equal(cpu.sum!.isMonotonic, true);
  assert.equal(cpu.sum!.aggregationTemporality, 2);
  const byMode = Object.fromEntries(cpu.sum!.dataPoints.map((p) => [attrs(p.attributes)['cpu.mode'], p.asDouble]));
  assert.deepEqual(byMode, { user: 2.5, system: 0.5 });
  // Cumulative from the process's start.
  assert.equal(cpu.sum!.dataPoints[0]!.startTimeUnixNano, '1700000000000000000');
  assert.equal(cpu.sum!.dataPoints[0]!.timeUnixNano, '1700000060000000000');

  assert.equal(m.get('process.memory.usage')!.sum!.dataPoints[0]!.asInt, '50000000');
  assert.equal(m.get('process.memory.usage')!.sum!.isMonotonic, undefined, 'an up-down counter');
  assert.equal(m.get('process.uptime')!.gauge!.dataPoints[0]!.asDouble, 60);

  const used = m.get('v8js.memory.heap.used')!;
  assert.deepEqual(used.sum!.dataPoints.map((p) => attrs(p.attributes)['v8js.heap.space.name']).sort(), ['new_large_object_space', 'new_space', 'old_space']);
  assert.deepEqual(m.get('v8js.memory.heap.space.size')!.sum!.dataPoints, m.get('v8js.memory.heap.limit')!.sum!.dataPoints, 'the deprecated name carries the same data');
  const limit = m.get('v8js.memory.heap.space.size')!.sum!.dataPoints.find((p) => attrs(p.attributes)['v8js.heap.space.name'] === 'old_space')!;
  assert.equal(limit.asInt, '6000000');

  const gc = m.get('v8js.gc.duration')!;
  const minor = gc.histogram!.dataPoints.find((p) => attrs(p.attributes)['v8js.gc.type'] === 'minor')!;
  assert.equal(minor.count, '12');
  assert.equal(minor.sum, 0.036);

  const time = m.get('nodejs.eventloop.time')!;
  assert.deepEqual(Object.fromEntries(time.sum!.dataPoints.map((p) => [attrs(p.attributes)['nodejs.eventloop.state'], p.asDouble])), { active: 1, idle: 9 });
  assert.equal(m.get('nodejs.eventloop.utilization')!.gauge!.dataPoints[0]!.asDouble, 0.1);
  for (const s of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) assert.ok(m.has(`nodejs.eventloop.delay.${s}`), s);
  assert.equal(m.get('nodejs.eventloop.delay.max')!.gauge!.dataPoints[0]!.asDouble, 0.04);

  const h = m.get(LOOP_DELAY_HISTOGRAM.name)!.histogram!.dataPoints[0]!;
  assert.equal(h.count, '5');
  assert.equal(h.bucketCounts!.reduce((a, b) => a + Number(b), 0), 5);
  assert.equal(h.bucketCounts!.length, h.explicitBounds!.length + 1);
  for (let i = 1; i < h.explicitBounds!.length; i++) assert.ok(h.explicitBounds![i]! > h.explicitBounds![i - 1]!);
});

test('delay figures cover the interval since the previous export, from the cumulative histogram', () => {
  const mp = mapper();
  const first = nodeSample(7);
  mp.mapHost(host([first]));
  const h = first.loopHistogram!;
  const later = { ...first, sampledAtMs: first.sampledAtMs + 60_000, loopHistogram: { ...h, counts: h.counts.slice() } };
  // 100 more delays of 2 ms: the interval's p50 is 2 ms although the all-time max is 40 ms.
  for (let i = 0; i < 100; i++) recordDelay(later.loopHistogram!, 2_000_000);
  const m = metricsOf(decode(mp.mapHost(host([later]))), 7);
  const p50 = m.get('nodejs.eventloop.delay.p50')!.gauge!.dataPoints[0]!.asDouble!;
  assert.ok(Math.abs(p50 - 0.002) / 0.002 < 0.0625, `p50 ${p50}`);
  assert.ok(m.get('nodejs.eventloop.delay.max')!.gauge!.dataPoints[0]!.asDouble! < 0.0022);
  assert.equal(m.get(LOOP_DELAY_HISTOGRAM.name)!.histogram!.dataPoints[0]!.count, '105', 'the histogram itself stays cumulative');
});

test('the exported histogram merges whole buckets: counts stay exact', () => {
  const s = nodeSample(1);
  const h = s.loopHistogram!;
  for (let i = 0; i < BUCKET_COUNT; i++) h.counts[i] = i + 1;
  const { bucketCounts, explicitBounds } = exportBuckets(h);
  assert.equal(bucketCounts.length, 82);
  assert.equal(bucketCounts.reduce((a, b) => a + b, 0), (BUCKET_COUNT * (BUCKET_COUNT + 1)) / 2);
  assert.equal(explicitBounds[0], 2 ** 16 / 1e9);
  assert.equal(explicitBounds.at(-1), 2 ** 36 / 1e9);
});

test('the resource: command only when asked, OTEL_RESOURCE_ATTRIBUTES added but never over perfmem\'s own, instance id per process life', () => {
  const mp = new OtlpMapper({ hostName: 'box1', scopeVersion: '1', withCommand: true, extra: { 'deployment.environment.name': 'prod', 'process.pid': 1 } });
  const r = attrs(decode(mp.mapHost(host([nodeSample(5)]))).resourceMetrics[0]!.resource.attributes);
  assert.equal(r['process.command'], '/srv/shop/server.js');
  assert.equal(r['process.command_line'], '/srv/shop/server.js --port 80');
  assert.equal(r['deployment.environment.name'], 'prod');
  assert.equal(r['process.pid'], '5');
  const id = (s: ProcessSample) => attrs(decode(mapper().mapHost(host([s]))).resourceMetrics[0]!.resource.attributes)['service.instance.id'];
  assert.equal(id(nodeSample(5)), id(nodeSample(5)));
  assert.notEqual(id(nodeSample(5)), id(nodeSample(5, { startTimeMs: 1_700_000_000_001 })), 'a reused pid is a new instance');
});

test('stale and gone processes are not exported; hostile regions stay bounded', () => {
  const spaces: Record<string, number> = {};
  for (let i = 0; i < 5000; i++) spaces[`node.heap.space.s${i}.used`] = i;
  const hostile = nodeSample(9, { app: 'a'.repeat(100_000), runtimeVersion: '\ud800'.repeat(300) }, spaces);
  const rms = mapper().mapHost(host([hostile, nodeSample(10, { state: 'stale' }), nodeSample(11, { state: 'gone' }), nodeSample(12, { state: 'blocked' })]));
  assert.deepEqual(rms.map((r) => r.resource['process.pid']), [9, 12]);
  const d = decode(rms);
  assert.ok(String(attrs(d.resourceMetrics[0]!.resource.attributes)['service.name']).length <= 256);
  assert.ok(metricsOf(d, 9).get('v8js.memory.heap.used')!.sum!.dataPoints.length <= 32);
});

function jvmSample(file: string, pid: number): ProcessSample {
  const view = attachFile(new URL(`../../../test/fixtures/hsperfdata/${file}`, import.meta.url).pathname);
  const counters = new Map<string, number | string>();
  for (const c of view.counters()) counters.set(c.name, typeof c.value === 'bigint' ? Number(c.value) : c.value);
  view.detach();
  return { ...nodeSample(pid), runtime: 'jvm', app: 'tomcat', runtimeVersion: '1.8.0', counters, loopHistogram: undefined };
}

test('JVMs (real hsperfdata files of the Parallel and G1 collectors) map to jvm.* with the management beans\' names', () => {
  const d = decode(mapper().mapHost(host([jvmSample('xin_13984', 1), jvmSample('cetra3_example', 2)])));
  const ps = metricsOf(d, 1), g1 = metricsOf(d, 2);
  assert.equal(attrs(d.resourceMetrics[0]!.resource.attributes)['process.runtime.name'], 'Java HotSpot(TM) 64-Bit Server VM');
  const pools = (m: Map<string, import('./otlp-helpers.js').DecodedMetric>, name: string) =>
    Object.fromEntries(m.get(name)!.sum!.dataPoints.map((p) => [`${attrs(p.attributes)['jvm.memory.type']}:${attrs(p.attributes)['jvm.memory.pool.name']}`, p.asInt]));
  assert.deepEqual(Object.keys(pools(ps, 'jvm.memory.used')).filter((k) => k.startsWith('heap:')).sort(), ['heap:PS Eden Space', 'heap:PS Old Gen', 'heap:PS Survivor Space']);
  assert.deepEqual(Object.keys(pools(g1, 'jvm.memory.used')).filter((k) => k.startsWith('heap:')).sort(), ['heap:G1 Eden Space', 'heap:G1 Old Gen', 'heap:G1 Survivor Space']);
  assert.equal(pools(ps, 'jvm.memory.used')['non_heap:Metaspace'], '57757752');
  assert.ok(!('heap:G1 Eden Space' in pools(g1, 'jvm.memory.limit')), 'G1\'s young pools have no limit');
  assert.ok('heap:G1 Old Gen' in pools(g1, 'jvm.memory.limit'));
  const gcNames = (m: typeof ps) => m.get('jvm.gc.duration')!.histogram!.dataPoints.map((p) => `${attrs(p.attributes)['jvm.gc.name']}/${attrs(p.attributes)['jvm.gc.action']}`).sort();
  assert.deepEqual(gcNames(ps), ['PS MarkSweep/end of major GC', 'PS Scavenge/end of minor GC']);
  assert.deepEqual(gcNames(g1), ['G1 Old Generation/end of major GC', 'G1 Young Generation/end of minor GC']);
  const threads = Object.fromEntries(ps.get('jvm.thread.count')!.sum!.dataPoints.map((p) => [String(attrs(p.attributes)['jvm.thread.daemon']), p.asInt]));
  assert.deepEqual(threads, { true: '14', false: '15' });
  assert.equal(ps.get('jvm.class.loaded')!.sum!.dataPoints[0]!.asInt, '8544');
  assert.equal(ps.get('jvm.class.loaded')!.sum!.isMonotonic, true);
  assert.equal(ps.get('jvm.cpu.time')!.sum!.dataPoints[0]!.asDouble, 3);
  assert.ok(!ps.has('process.cpu.time') && !ps.has('v8js.gc.duration'));
});
