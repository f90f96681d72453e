/**
 * aggregateFamilies against prom-client's own AggregatorRegistry.aggregate for the same
 * per-worker families, every aggregator; plus what prom-client gets wrong and perfmem does not:
 * summaries' quantiles are never summed, exited workers' counters count and their gauges drop,
 * and `all` keeps one series per worker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { aggregateFamilies, formatPrometheus, appOf, type MetricFamily } from '../../src/metrics/index.js';

const prom = createRequire(import.meta.url)('prom-client') as { AggregatorRegistry: { aggregate(a: unknown[]): { metrics(): Promise<string> } } };

const aggregator = fc.constantFrom('sum', 'first', 'min', 'max', 'average', 'omit') as fc.Arbitrary<MetricFamily['aggregator']>;
const family = (name: string, agg: MetricFamily['aggregator'], type: 'counter' | 'gauge') => fc.record({
  name: fc.constant(name), help: fc.constant(`help of ${name}`), type: fc.constant(type), aggregator: fc.constant(agg),
  values: fc.uniqueArray(fc.record({ labels: fc.record({ k: fc.constantFrom('a', 'b', 'c') }), value: fc.double({ min: -1e9, max: 1e9, noNaN: true }) }), { selector: (v) => v.labels.k, maxLength: 3 }),
});

test('same text as prom-client\'s aggregate() for sum, first, min, max, average, omit', async () => {
  await fc.assert(fc.asyncProperty(aggregator, aggregator, fc.integer({ min: 1, max: 5 }), fc.context(), async (a1, a2, workers, ctx) => {
    const perWorker = fc.sample(fc.tuple(family('one_total', a1, 'counter'), family('two', a2, 'gauge')), workers);
    ctx.log(JSON.stringify(perWorker));
    const theirs = await prom.AggregatorRegistry.aggregate(perWorker.map((fs) => structuredClone(fs))).metrics();
    const ours = formatPrometheus(aggregateFamilies(perWorker.map((fs, i) => ({ pid: i + 1, families: structuredClone(fs) as MetricFamily[] }))));
    assert.equal(ours, theirs);
  }), { numRuns: 100 });
});

test('summaries: quantiles never summed; all keeps workers; exited counters count, gauges drop', () => {
  const summary = (q: number, sum: number, count: number): MetricFamily => ({
    name: 's', help: 's', type: 'summary', aggregator: 'sum',
    values: [{ labels: { quantile: 0.5 }, value: q }, { metricName: 's_sum', labels: {}, value: sum }, { metricName: 's_count', labels: {}, value: count }],
  });
  const counter = (v: number, agg: MetricFamily['aggregator'] = 'sum'): MetricFamily => ({ name: 'c_total', help: 'c', type: 'counter', aggregator: agg, values: [{ labels: {}, value: v }] });
  const gauge = (v: number): MetricFamily => ({ name: 'g', help: 'g', type: 'gauge', aggregator: 'sum', values: [{ labels: {}, value: v }] });
  const out = formatPrometheus(aggregateFamilies([
    { pid: 1, families: [summary(1, 10, 5), counter(3), gauge(1)] },
    { pid: 2, families: [summary(2, 20, 5), counter(4), gauge(2)] },
    { pid: 0, worker: '9', exited: true, families: [counter(100), gauge(50)] },
  ]));
  assert.equal(out, '# HELP s s\n# TYPE s summary\ns_sum 30\ns_count 10\n\n# HELP c_total c\n# TYPE c_total counter\nc_total 107\n\n# HELP g g\n# TYPE g gauge\ng 3\n');
  const all = formatPrometheus(aggregateFamilies([
    { pid: 11, worker: '1', families: [counter(3, 'all')] },
    { pid: 12, worker: '2', families: [counter(4, 'all')] },
    { pid: 0, worker: '1', exited: true, families: [counter(10, 'all')] },
  ]));
  assert.equal(all, '# HELP c_total c\n# TYPE c_total counter\nc_total{worker="1"} 13\nc_total{worker="2"} 4\n');
});

test('appOf: PERFMEM_APP/PM2 name, else the cluster primary', () => {
  assert.equal(appOf({ pid: 10, ppid: 1, app: 'api' }), 'app:api');
  assert.equal(appOf({ pid: 10, ppid: 5, app: 'api', clusterWorker: true }), 'app:api');
  assert.equal(appOf({ pid: 10, ppid: 5, clusterWorker: true }), 'cluster:5');
  assert.equal(appOf({ pid: 5, ppid: 1 }), 'cluster:5');
});
