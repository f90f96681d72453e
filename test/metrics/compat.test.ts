/**
 * Same calls on prom-client and on perfmem/metrics, same text: every metric type, labels by
 * position and by object, bucket helpers, reset, remove, zero, validation errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-compat-'));
process.env.PERFMEM_DIR = dir;
const ours = await import('../../src/metrics/index.js');
const prom = createRequire(import.meta.url)('prom-client') as typeof ours;

type Lib = typeof ours;

/** A scenario: makes metrics in a fresh registry, applies calls; returns the registry. */
function scenario(lib: Lib, calls: (lib: Lib, registers: InstanceType<Lib['Registry']>[]) => void): InstanceType<Lib['Registry']> {
  const registry = new lib.Registry();
  calls(lib, [registry]);
  return registry;
}

async function same(name: string, calls: (lib: Lib, registers: InstanceType<Lib['Registry']>[]) => void): Promise<void> {
  const a = await scenario(prom, calls).metrics();
  const b = await scenario(ours, calls).metrics();
  assert.equal(b, a, `${name}: perfmem's text differs from prom-client's`);
}

test('counters: unlabelled, labelled by position and object, doubles, remove, reset', async () => {
  await same('counter', (lib, registers) => {
    const plain = new lib.Counter({ name: 'plain_total', help: 'plain\nhelp \\ with escapes', registers });
    plain.inc();
    plain.inc(0.5);
    plain.inc(2.25);
    const c = new lib.Counter({ name: 'http_requests_total', help: 'requests', labelNames: ['method', 'code'], registers });
    c.labels('GET', '200').inc();
    c.labels('GET', '200').inc(3);
    c.inc({ method: 'POST', code: 500 }, 0.1);
    c.inc({ code: '404', method: 'GET' });
    c.labels({ method: 'PUT', code: '201' }).inc();
    c.inc({ method: 'weird "quoted"\nvalue\\', code: '1' });
    c.remove('PUT', '201');
    c.inc({ method: 'DELETE', code: '204' }, 7);
    const r = new lib.Counter({ name: 'reset_total', help: 'reset', labelNames: ['x'], registers });
    r.inc({ x: 'a' });
    r.reset();
    r.inc({ x: 'b' }, 2);
    const u = new lib.Counter({ name: 'unused_total', help: 'never incremented', registers });
    u.reset();
    // Refused calls make no series; NaN is added as prom-client adds it.
    const refused = new lib.Counter({ name: 'refused_total', help: 'refused', labelNames: ['a'], registers });
    assert.throws(() => refused.inc({ a: 'neg' }, -1));
    assert.throws(() => refused.inc({ b: 'x' } as never, -1), /Added label "b"/);
    refused.inc({ a: 'nan' }, Number.NaN);
    refused.inc({ a: 200 });
    refused.inc({ a: '200' }, 2);
    const h = new lib.Histogram({ name: 'refused_hist', help: 'refused', labelNames: ['a'], registers });
    assert.throws(() => h.observe({ a: 'inf' }, Infinity));
    h.observe({ a: 'ok' }, 1);
  });
});

test('gauges: set, inc, dec, labels, reset', async () => {
  await same('gauge', (lib, registers) => {
    const g = new lib.Gauge({ name: 'temperature', help: 'temp', registers });
    g.set(21.5);
    g.inc();
    g.dec(0.25);
    g.inc(-3);
    const l = new lib.Gauge({ name: 'queue_length', help: 'queue', labelNames: ['queue'], registers });
    l.set({ queue: 'a' }, 3);
    l.labels('b').set(-1.5);
    l.labels('b').inc(2);
    l.dec({ queue: 'c' });
    l.labels({ queue: 'd' }).dec(4);
    l.remove({ queue: 'a' });
    const big = new lib.Gauge({ name: 'special_values', help: 'inf and big', labelNames: ['k'], registers });
    big.set({ k: 'inf' }, Infinity);
    big.set({ k: 'ninf' }, -Infinity);
    big.set({ k: 'big' }, 1e300);
    big.set({ k: 'tiny' }, 5e-324);
  });
});

test('histograms: default and helper buckets, labels, zero, reset, remove', async () => {
  await same('histogram', (lib, registers) => {
    const h = new lib.Histogram({ name: 'latency_seconds', help: 'latency', registers });
    for (const v of [0.001, 0.005, 0.007, 0.2, 0.3, 3, 11, 100, 0]) h.observe(v);
    const l = new lib.Histogram({ name: 'size_bytes', help: 'sizes', labelNames: ['route'], buckets: lib.exponentialBuckets(1, 2, 8), registers });
    l.observe({ route: '/a' }, 3);
    l.labels('/a').observe(200);
    l.labels({ route: '/b' }).observe(1);
    l.zero({ route: '/z' });
    l.observe({ route: '/gone' }, 5);
    l.remove('/gone');
    const lin = new lib.Histogram({ name: 'linear', help: 'linear buckets', buckets: lib.linearBuckets(0, 0.5, 5), registers });
    lin.observe(0.75);
    lin.observe(2);
    lin.observe(5);
    const r = new lib.Histogram({ name: 'reset_hist', help: 'reset', registers });
    r.observe(1);
    r.reset();
  });
});

test('summaries: quantiles, labels, sum and count, reset', async () => {
  await same('summary', (lib, registers) => {
    const s = new lib.Summary({ name: 'rpc_seconds', help: 'rpc', percentiles: [0.1, 0.5, 0.9, 0.99], registers });
    for (let i = 1; i <= 10; i++) s.observe(i / 10);
    const l = new lib.Summary({ name: 'work_seconds', help: 'work', labelNames: ['job'], registers });
    l.observe({ job: 'a' }, 1);
    l.observe({ job: 'a' }, 3);
    l.labels('b').observe(2);
    const r = new lib.Summary({ name: 'reset_summary', help: 'reset', registers });
    r.observe(4);
    r.reset();
  });
});

test('default labels and OpenMetrics output', async () => {
  for (const open of [false, true]) {
    const calls = (lib: Lib): InstanceType<Lib['Registry']> => {
      const registry = new lib.Registry(open ? lib.Registry.OPENMETRICS_CONTENT_TYPE : lib.Registry.PROMETHEUS_CONTENT_TYPE);
      registry.setDefaultLabels({ service: 'api' });
      const c = new lib.Counter({ name: 'jobs_total', help: 'jobs', labelNames: ['kind'], registers: [registry] });
      c.inc({ kind: 'x' }, 2);
      const g = new lib.Gauge({ name: 'g', help: 'g', registers: [registry] });
      g.set(1);
      // prom-client prints a histogram's default labels between `le` and the series' own labels,
      // and a series' own value of a default label wins in its own place.
      const h = new lib.Histogram({ name: 'h', help: 'h', labelNames: ['m', 'service'], buckets: [1], registers: [registry] });
      h.observe({ m: 'x' }, 0.5);
      h.observe({ m: 'y', service: 'own' }, 2);
      h.observe(3);
      const s = new lib.Summary({ name: 's', help: 's', labelNames: ['m'], percentiles: [0.5], registers: [registry] });
      s.observe({ m: 'x' }, 1);
      return registry;
    };
    assert.equal(await calls(ours).metrics(), await calls(prom).metrics());
    assert.equal(calls(ours).contentType, calls(prom).contentType);
    // getMetricsAsJSON: the same objects, key order and histograms' exemplar fields included.
    assert.equal(JSON.stringify(await calls(ours).getMetricsAsJSON()), JSON.stringify(await calls(prom).getMetricsAsJSON()));
    assert.deepStrictEqual(await calls(ours).getMetricsAsJSON(), await calls(prom).getMetricsAsJSON());
  }
});

test('the same validation errors', () => {
  const cases: [string, (lib: Lib) => unknown][] = [
    ['bad name', (lib) => new lib.Counter({ name: 'bad-name', help: 'x', registers: [] })],
    ['no help', (lib) => new lib.Counter({ name: 'x', help: '', registers: [] })],
    ['bad label', (lib) => new lib.Counter({ name: 'x', help: 'x', labelNames: ['1a'], registers: [] })],
    ['le', (lib) => new lib.Histogram({ name: 'x', help: 'x', labelNames: ['le'], registers: [] })],
    ['quantile', (lib) => new lib.Summary({ name: 'x', help: 'x', labelNames: ['quantile'], registers: [] })],
    ['unknown label', (lib) => new lib.Counter({ name: 'x', help: 'x', labelNames: ['a'], registers: [] }).inc({ b: '1' } as never)],
    ['unknown label, series exists', (lib) => { const c = new lib.Counter({ name: 'x', help: 'x', labelNames: ['a', 'b'], registers: [] }); c.inc({ a: '1' }); return c.inc({ a: '1', c: '2' } as never); }],
    ['unknown label among all known', (lib) => { const c = new lib.Counter({ name: 'x', help: 'x', labelNames: ['a', 'b'], registers: [] }); c.inc({ a: '1', b: '2' }); return c.inc({ a: '1', b: '2', c: '3' } as never); }],
    ['unknown label, no label names', (lib) => { const c = new lib.Gauge({ name: 'x', help: 'x', registers: [] }); c.set(1); return c.set({ a: '1' } as never, 2); }],
    ['negative', (lib) => new lib.Counter({ name: 'x', help: 'x', registers: [] }).inc(-1)],
    ['infinite', (lib) => new lib.Counter({ name: 'x', help: 'x', registers: [] }).inc(Infinity)],
    ['arity', (lib) => new lib.Counter({ name: 'x', help: 'x', labelNames: ['a', 'b'], registers: [] }).labels('1')],
    ['gauge type', (lib) => new lib.Gauge({ name: 'x', help: 'x', registers: [] }).set('1' as never)],
    ['histogram NaN', (lib) => new lib.Histogram({ name: 'x', help: 'x', registers: [] }).observe(Number.NaN)],
    ['buckets', (lib) => lib.exponentialBuckets(0, 2, 3)],
    ['linear', (lib) => lib.linearBuckets(0, 2, 0)],
    ['duplicate', (lib) => { const r = new lib.Registry(); new lib.Counter({ name: 'd', help: 'd', registers: [r] }); new lib.Counter({ name: 'd', help: 'd', registers: [r] }); }],
  ];
  for (const [what, fn] of cases) {
    let expected: Error | undefined;
    try {
      fn(prom);
    } catch (e) {
      expected = e as Error;
    }
    assert.ok(expected, `${what}: prom-client throws`);
    assert.throws(() => fn(ours), (e: Error) => e.message === expected!.message && e.constructor.name === expected!.constructor.name, what);
  }
});

test('cleanup', () => {
  rmSync(dir, { recursive: true, force: true });
});
