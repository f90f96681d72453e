/**
 * The Prometheus/OpenMetrics formatter, the Accept negotiation and the name mapping: pure,
 * checked against promtool (the real Prometheus 2.42 lint), a parser for what promtool
 * cannot read (OpenMetrics), and property tests for escaping.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatFamilies, escapeLabelValue, type MetricFamilyOut } from '../../src/export/prometheus-format.js';
import { negotiate } from '../../src/export/prometheus-negotiate.js';
import { mapAppFamilies } from '../../src/export/prometheus-apps.js';
import { LOOP_LE_NS, mapSample, rawName } from '../../src/export/prometheus-map.js';
import { poolName } from '../../src/export/prometheus-jvm-names.js';
import { countersOf } from '../../src/monitor/reading.js';
import { tableOf } from '../../src/monitor/counter-table.js';
import type { CounterInfo } from '../../src/perfdata/types.js';
import type { AppSample, HostSample, ProcessSample } from '../../src/monitor/types.js';
import { attachFile } from '../../src/perfmemory/index.js';
import { REPO } from '../cli/helpers.js';
import { havePromtool, nodeSample, promtool } from './helpers.js';

const PROMETHEUS_242_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';


test('Accept negotiation as Prometheus 2.42 sends it, and as other scrapers do', () => {
  assert.equal(negotiate(PROMETHEUS_242_ACCEPT), 'openmetrics');
  assert.equal(negotiate('text/plain;version=0.0.4;q=0.5,*/*;q=0.1'), 'text');
  assert.equal(negotiate(undefined), 'text');
  assert.equal(negotiate(''), 'text');
  assert.equal(negotiate('*/*'), 'text');
  assert.equal(negotiate('application/openmetrics-text'), 'openmetrics');
  assert.equal(negotiate('application/openmetrics-text; version=0.0.1'), 'openmetrics');
  assert.equal(negotiate('application/openmetrics-text;version=2.0.0,text/plain;q=0.5'), 'text');
  assert.equal(negotiate('text/plain;q=0.9,application/openmetrics-text;version=1.0.0;q=0.2'), 'text');
  assert.equal(negotiate('application/json'), 'text');
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => { assert.ok(['text', 'openmetrics'].includes(negotiate(s))); }));
});

/** Parses a label set back (`{a="x\\"y",b="z"}`), for the escaping property. */
function parseLabels(text: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const m of text.matchAll(re)) out.push([m[1]!, m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))]);
  return out;
}

test('label values survive any string, in both formats (property)', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ maxLength: 64 }), (a, b) => {
    const f: MetricFamilyOut = { name: 'x_total_things', type: 'gauge', help: b, samples: [{ suffix: '', labels: [['a', a], ['b', b]], value: 1 }] };
    for (const format of ['text', 'openmetrics'] as const) {
      const lines = formatFamilies([f], format).split('\n');
      const sample = lines.find((l) => l.startsWith('x_total_things{'))!;
      assert.equal(lines.filter((l) => l.startsWith('x_total_things')).length, 1, 'one line: no newline escapes the value');
      assert.deepEqual(parseLabels(sample.slice(0, sample.lastIndexOf('}') + 1)), [['a', a], ['b', b]]);
    }
  }));
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
});

test('counters, info and histograms in each format: TYPE, UNIT and HELP lines, _total, # EOF', () => {
  const families: MetricFamilyOut[] = [
    { name: 'process_cpu_seconds', type: 'counter', help: 'cpu', unit: 'seconds', samples: [{ suffix: '_total', labels: [['pid', '1']], value: 1.5 }] },
    { name: 'nodejs_version', type: 'info', help: 'v', samples: [{ suffix: '_info', labels: [['version', 'v20']], value: 1 }] },
    { name: 'empty', type: 'gauge', help: 'none', samples: [] },
  ];
  assert.equal(formatFamilies(families, 'text'), [
    '# HELP process_cpu_seconds_total cpu', '# TYPE process_cpu_seconds_total counter', 'process_cpu_seconds_total{pid="1"} 1.5',
    '# HELP nodejs_version_info v', '# TYPE nodejs_version_info gauge', 'nodejs_version_info{version="v20"} 1', ''].join('\n'));
  assert.equal(formatFamilies(families, 'openmetrics'), [
    '# TYPE process_cpu_seconds counter', '# UNIT process_cpu_seconds seconds', '# HELP process_cpu_seconds cpu', 'process_cpu_seconds_total{pid="1"} 1.5',
    '# TYPE nodejs_version info', '# HELP nodejs_version v', 'nodejs_version_info{version="v20"} 1', '# EOF', ''].join('\n'));
});

const STATS = { sampleSeconds: 0.001, sampleAgeSeconds: 0.2, regionReads: 3, readErrors: 0, samples: 2, requests: { text: 1, openmetrics: 2 } };

function familiesFor(processes: ProcessSample[], raw = false, showArgs = false) {
  const sample: HostSample = { atMs: 0, seq: 1, processes };
  return mapSample(sample, processes, STATS, { raw, showArgs });
}

test('Node: prom-client\'s default names and labels, the loop as a real histogram, perfmem\'s own names', (t) => {
  const text = formatFamilies(familiesFor([nodeSample()]), 'text');
  const labels = 'pid="101",app="shop\\n\\"api\\"\\\\x",runtime="node",worker="2"';
  for (const line of [
    `process_cpu_user_seconds_total{${labels}} 1.25`, `process_cpu_system_seconds_total{${labels}} 0.25`, `process_cpu_seconds_total{${labels}} 1.5`,
    `process_resident_memory_bytes{${labels}} 50000000`, `process_start_time_seconds{${labels}} 1700000000`,
    `nodejs_heap_size_total_bytes{${labels}} 20000000`, `nodejs_heap_size_used_bytes{${labels}} 10000000`, `nodejs_external_memory_bytes{${labels}} 1000000`,
    `nodejs_heap_space_size_total_bytes{${labels},space="new_large_object"} 5`, `nodejs_heap_space_size_used_bytes{${labels},space="old"} 6`,
    `nodejs_heap_space_size_available_bytes{${labels},space="old"} 7`, `nodejs_active_resources{${labels},type="TCPWrap"} 2`,
    `nodejs_gc_duration_seconds_count{${labels},kind="minor"} 5`, `nodejs_gc_duration_seconds_sum{${labels},kind="major"} 0.03`,
    `nodejs_version_info{${labels},version="v20.20.2",major="20",minor="20",patch="2"} 1`,
    `nodejs_eventloop_lag_p99_seconds{${labels}} 2.5`, `nodejs_eventloop_lag_p90_seconds{${labels}} 0.04`, `nodejs_eventloop_utilization_ratio{${labels}} 0.5`,
    `perfmem_eventloop_blocked_seconds{${labels}} 2.5`, `nodejs_eventloop_delay_seconds_count{${labels}} 9`,
    `nodejs_eventloop_delay_seconds_bucket{${labels},le="+Inf"} 9`, `perfmem_scrape_requests_total{format="openmetrics"} 2`,
    `perfmem_process_info{${labels},runtime_version="v20.20.2",user="app\\"user",state="blocked"} 1`,
  ]) assert.ok(text.includes(`${line}\n`), `missing: ${line}`);
  assert.doesNotMatch(text, /hunter2/, 'arguments only with --show-args');
  assert.doesNotMatch(text, /nodejs_active_\w+_total/, 'prom-client\'s _total gauges are left out');
  assert.match(formatFamilies(familiesFor([nodeSample()], false, true), 'text'), /command="\/srv\/x\.js --secret=hunter2"/);
  // The coarse buckets: exact boundaries, cumulative, ending with every delay.
  const buckets = [...text.matchAll(/nodejs_eventloop_delay_seconds_bucket\{[^}]*le="([^"]+)"\} (\d+)/g)].map((m) => [m[1]!, Number(m[2])] as const);
  assert.equal(buckets.length, LOOP_LE_NS.length + 1);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]![1] >= buckets[i - 1]![1]);
  assert.deepEqual(buckets.find(([le]) => le === String(2 ** 20 / 1e9)), [String(2 ** 20 / 1e9), 4], 'delays up to 1.05 ms: 0.01, 0.5, 1 and 1 ms');
  assert.equal(buckets[buckets.length - 2]![1], 8, 'the 70 s delay is only under +Inf');
  if (!havePromtool()) return t.skip('promtool not found (apt-get install prometheus)');
  assert.equal(promtool(text), '');
  assert.equal(promtool(formatFamilies(familiesFor([nodeSample()], true), 'text')), '', 'with ?raw=1 too');
});

test('?raw=1 names: snake_case, reserved suffixes avoided', () => {
  assert.equal(rawName('sun.gc.collector.0.invocations'), 'hsperfdata_sun_gc_collector_0_invocations');
  assert.equal(rawName('node.eventLoop.delay.count'), 'hsperfdata_node_event_loop_delay_count_value');
  assert.equal(rawName('java.cls.loadedClasses'), 'hsperfdata_java_cls_loaded_classes');
  assert.equal(rawName('weird name!{}'), 'hsperfdata_weird_name');
  assert.equal(rawName('node.eventLoop.delay.histogram.version'), 'hsperfdata_node_event_loop_delay_hist_version');
  assert.equal(rawName('sun.gc.counter'), 'hsperfdata_sun_gc_ctr');
  fc.assert(fc.property(fc.string({ maxLength: 80 }), (s) => { assert.match(rawName(s), /^[a-zA-Z_][a-zA-Z0-9_]*$/); }));
});

test('JVM: client_java\'s names from real hsperfdata files of JDK 6 to 8, and the pool mapping per collector', (t) => {
  const dir = join(REPO, 'test/fixtures/hsperfdata');
  const files = readdirSync(dir).filter((f) => !f.endsWith('.md'));
  assert.ok(files.length >= 5);
  const processes = files.map((f, i) => {
    const view = attachFile(join(dir, f));
    const counters = countersOf(view.counters());
    view.detach();
    return nodeSample({ pid: 1000 + i, runtime: 'jvm', app: f, worker: undefined, counters, loopHistogram: undefined, proc: undefined, state: 'running' });
  });
  const text = formatFamilies(familiesFor(processes), 'text');
  for (let i = 0; i < files.length; i++) {
    const l = `pid="${1000 + i}",app="${files[i]}",runtime="jvm"`;
    for (const name of ['jvm_memory_pool_used_bytes', 'jvm_memory_used_bytes', 'jvm_threads_current', 'jvm_classes_loaded_total', 'jvm_gc_collection_seconds_count']) {
      assert.match(text, new RegExp(`^${name}\\{${l.replace(/[.]/g, '\\.')}[,}]`, 'm'), `${name} for ${files[i]}`);
    }
  }
  assert.match(text, /pool="PS Eden Space"/);
  assert.match(text, /gc="PS Scavenge"/);
  assert.equal(poolName('GarbageFirst', 0, 'young', 'eden'), 'G1 Eden Space');
  assert.equal(poolName('GarbageFirst', 0, 'young', 's1'), 'G1 Survivor Space');
  assert.equal(poolName('GarbageFirst', 1, 'old', 'space'), 'G1 Old Gen');
  assert.equal(poolName('Copy:MSC', 1, 'old', 'old'), 'Tenured Gen');
  assert.equal(poolName('ParScav:MSC', 2, 'perm', 'perm'), 'PS Perm Gen');
  assert.equal(poolName('Shenandoah', 1, 'old', 'x'), 'Old Gen');
  if (!havePromtool()) return t.skip('promtool not found (apt-get install prometheus)');
  assert.equal(promtool(text), '');
});

test('OpenMetrics output parses: TYPE before samples, counters end in _total, UNIT matches, one # EOF at the end', () => {
  const text = formatFamilies(familiesFor([nodeSample()], true), 'openmetrics');
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[lines.length - 1], '# EOF');
  assert.equal(lines.filter((l) => l === '# EOF').length, 1);
  const types = new Map<string, string>();
  for (const line of lines.slice(0, -1)) {
    const m = /^# (TYPE|UNIT|HELP) (\S+) (.*)$/.exec(line);
    if (m !== null) {
      if (m[1] === 'TYPE') { assert.ok(!types.has(m[2]!), `one TYPE per family: ${m[2]}`); types.set(m[2]!, m[3]!); }
      if (m[1] === 'UNIT') assert.ok(m[2]!.endsWith(`_${m[3]}`));
      continue;
    }
    const name = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line)![1]!;
    const family = [...types.keys()].filter((f) => name.startsWith(f)).sort((a, b) => b.length - a.length)[0];
    assert.ok(family !== undefined, `a sample of a declared family: ${line}`);
    const suffix = name.slice(family.length);
    const allowed: Record<string, string[]> = { counter: ['_total'], gauge: [''], info: ['_info'], histogram: ['_bucket', '_count', '_sum'], summary: ['_count', '_sum', ''] };
    assert.ok(allowed[types.get(family)!]!.includes(suffix), `${line} in a ${types.get(family)}`);
    assert.match(line, / (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/);
  }
  // promtool 2.42 cannot read OpenMetrics; the real Prometheus scrape in test/serve checks it end to end.
  execFileSync('true');
});

test('app metrics: an `app` label (a series\' own one kept as exported_app), _total counters, names perfmem exports or of another type left out', (t) => {
  const sample: HostSample = { atMs: 0, seq: 1, processes: [nodeSample()] };
  const taken = mapSample(sample, sample.processes, { sampleSeconds: 0, sampleAgeSeconds: 0, regionReads: 1, readErrors: 0, samples: 1 });
  const apps: AppSample[] = [
    { app: 'cluster:10', pids: [10, 11], families: [
      { name: 'jobs', help: 'jobs done', type: 'counter' as const, aggregator: 'sum', values: [{ labels: { app: 'billing', code: 200 }, value: 3 }] },
      { name: 'lat_seconds', help: 'latency', type: 'histogram' as const, aggregator: 'sum', values: [
        { labels: { le: 0.5 }, value: 2, metricName: 'lat_seconds_bucket' }, { labels: { le: '+Inf' }, value: 3, metricName: 'lat_seconds_bucket' },
        { labels: {}, value: 1.5, metricName: 'lat_seconds_sum' }, { labels: {}, value: 3, metricName: 'lat_seconds_count' },
        { labels: {}, value: 9, metricName: 'other_count' }] },
      // collectDefaultMetrics() in the app: perfmem's own per-process family wins.
      { name: 'process_cpu_seconds_total', help: 'cpu', type: 'counter' as const, aggregator: 'sum', values: [{ labels: {}, value: 1 }] },
    ] },
    { app: 'app:api', pids: [20], families: [
      { name: 'jobs_total', help: 'jobs', type: 'counter' as const, aggregator: 'sum', values: [{ labels: {}, value: 4 }] },
      { name: 'lat_seconds', help: 'latency as a gauge', type: 'gauge' as const, aggregator: 'max', values: [{ labels: {}, value: 7 }] },
    ] },
  ];
  const families = mapAppFamilies(apps, taken);
  const text = formatFamilies([...taken, ...families], 'text');
  assert.match(text, /^jobs_total\{app="cluster:10",exported_app="billing",code="200"\} 3$/m);
  assert.match(text, /^jobs_total\{app="app:api"\} 4$/m);
  assert.match(text, /^lat_seconds_bucket\{app="cluster:10",le="0.5"\} 2$/m);
  assert.match(text, /^lat_seconds_count\{app="cluster:10"\} 3$/m);
  assert.doesNotMatch(text, /other_count|lat_seconds\{app="app:api"\}|process_cpu_seconds_total\{app=/);
  assert.equal(text.match(/^# TYPE process_cpu_seconds_total /gm)?.length, 1);
  if (havePromtool()) assert.equal(promtool(text), '');
  else t.diagnostic('promtool not found: `promtool check metrics` skipped');
  const om = formatFamilies([...taken, ...families], 'openmetrics');
  assert.match(om, /^# TYPE jobs counter$/m);
  assert.match(om, /^jobs_total\{app="app:api"\} 4$/m);
});

test('rendering with what is kept between scrapes (labels per process, names per layout) is rendering afresh, with changes between scrapes (property)', async () => {
  const fresh = async (): Promise<typeof import('../../src/export/prometheus-map.js')> => {
    const url = new URL('../../src/export/prometheus-map.js', import.meta.url);
    url.search = `?fresh=${Math.random()}`; // a module instance of its own: nothing kept from earlier calls
    return import(url.href) as Promise<typeof import('../../src/export/prometheus-map.js')>;
  };
  const change = fc.oneof(
    fc.record({ app: fc.constantFrom('shop', 'shop', 'a"b', 'billing') }),
    fc.record({ state: fc.constantFrom('running', 'blocked', 'stale') as fc.Arbitrary<ProcessSample['state']> }),
    fc.record({ worker: fc.constantFrom(undefined, '1', '2') }),
    fc.record({ counter: fc.constantFrom('node.heap.space.old.used', 'node.heap.space.code.size', 'node.resources.Timeout', 'node.version', 'node.gc.minor.count'), value: fc.oneof(fc.nat(), fc.constantFrom('v22.1.0', 'v20.20.2', 'x')) }),
    fc.record({ pid: fc.constantFrom(101, 102) }),
  );
  await fc.assert(fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 5 }), fc.boolean(), async (changes, showArgs) => {
    let p = nodeSample();
    let names = [...p.counters.keys()];
    const values = new Map(p.counters);
    let layout: ReturnType<typeof tableOf>['layout'] | undefined;
    for (const c of changes) {
      if ('counter' in c) {
        if (!values.has(c.counter)) names = [...names.slice(0, 3), c.counter, ...names.slice(3)]; // declared later, as lazily declared counters are
        values.set(c.counter, c.value);
      } else p = { ...p, ...c } as ProcessSample;
      const table = tableOf(names.map((n) => counterInfo(n, values.get(n)!)), layout);
      layout = table.layout;
      const cached = { ...p, counters: table };
      const plain = { ...p, counters: new Map(names.map((n) => [n, values.get(n)!])) };
      const sample = (q: ProcessSample): HostSample => ({ atMs: 0, seq: 1, processes: [q] });
      const reference = await fresh();
      for (const format of ['text', 'openmetrics'] as const) {
        assert.equal(formatFamilies(mapSample(sample(cached), [cached], STATS, { showArgs, raw: showArgs }), format),
          formatFamilies(reference.mapSample(sample(plain), [plain], STATS, { showArgs, raw: showArgs }), format));
      }
    }
  }), { numRuns: 40 });
});

function counterInfo(name: string, value: number | string): CounterInfo {
  return typeof value === 'string'
    ? { name, type: 'string', units: 'string', variability: 'variable', supported: true, value, maxLength: 64 }
    : { name, type: 'long', units: 'none', variability: 'variable', supported: true, value };
}
