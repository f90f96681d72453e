/**
 * collectDefaultMetrics() starts perfmem's runtime counters when perfmem/register did not, and
 * gives every one of prom-client v15's default metrics: the same names in the same order, the
 * same types, help, aggregators and label names as prom-client's own collectDefaultMetrics()
 * run in the same process (values differ), with live values that other processes read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-defaults.js', import.meta.url));

interface Family { name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, unknown>; value: number; metricName?: string }[] }
interface Out { text: string; ours: Family[]; theirs: Family[]; decoded: string }

function run(env: Record<string, string> = {}): Out {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-defaults-'));
  try {
    return JSON.parse(execFileSync(process.execPath, ['--expose-gc', FIXTURE], {
      env: { ...process.env, PERFMEM_DIR: dir, PERFMEM_PERIOD_MS: '200', ...env }, encoding: 'utf8',
    })) as Out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function value(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  assert.ok(line, `${name} is printed`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** What must match prom-client: everything but the values (and which types of handles exist). */
function shape(f: Family): object {
  const labelNames = [...new Set(f.values.flatMap((v) => Object.keys(v.labels)))].sort();
  return { name: f.name, help: f.help, type: f.type, aggregator: f.aggregator, labelNames, empty: f.values.length === 0 };
}

test('collectDefaultMetrics: every prom-client default metric, same names, order, types, help, aggregators and labels', () => {
  const out = run();
  const theirs = out.theirs.map(shape);
  const ours = out.ours.map(shape);
  // Which libuv handles and requests exist differs between two collections (perfmem's
  // runtime holds a timer and a watchdog thread): their label names are compared when both have series.
  const byType = new Set(['nodejs_active_handles', 'nodejs_active_requests', 'nodejs_active_resources']);
  const loose = (s: object): object => (byType.has((s as { name: string }).name) ? { ...s, labelNames: undefined, empty: undefined } : s);
  assert.deepEqual(ours.map(loose), theirs.map(loose));
  for (const name of byType) {
    const a = out.ours.find((f) => f.name === name)!;
    const b = out.theirs.find((f) => f.name === name)!;
    if (a.values.length > 0 && b.values.length > 0) assert.deepEqual(shape(a), shape(b));
  }
  const spaces = (fs: Family[]): string[] => fs.find((f) => f.name === 'nodejs_heap_space_size_used_bytes')!.values.map((v) => String(v.labels.space)).sort();
  assert.deepEqual(spaces(out.ours), spaces(out.theirs), 'the same heap spaces');
  const gc = (fs: Family[]): string[] => fs.find((f) => f.name === 'nodejs_gc_duration_seconds')!.values.map((v) => `${v.metricName}${JSON.stringify(v.labels)}`).sort();
  // prom-client observes only the first entry of each PerformanceObserver batch: under load the
  // forced GC can share a batch with an earlier one and go unseen by it (perfmem counts every entry).
  const theirMajor = gc(out.theirs).filter((k) => k.includes('"major"'));
  assert.ok(gc(out.ours).some((k) => k.includes('"major"')), 'the forced GC is observed');
  if (theirMajor.length > 0) assert.deepEqual(gc(out.ours).filter((k) => k.includes('"major"')), theirMajor, 'the forced GC: same buckets and labels');
});

test('collectDefaultMetrics: live values, read by other processes too', () => {
  const { text, decoded } = run();
  assert.ok(value(text, 'process_cpu_user_seconds_total') > 0.01);
  assert.ok(value(text, 'process_cpu_seconds_total') >= value(text, 'process_cpu_user_seconds_total'));
  assert.ok(Math.abs(value(text, 'process_start_time_seconds') - Date.now() / 1000) < 600);
  assert.ok(value(text, 'process_resident_memory_bytes') > 1e6);
  assert.ok(value(text, 'process_virtual_memory_bytes') >= value(text, 'process_resident_memory_bytes'));
  assert.ok(value(text, 'process_heap_bytes') > 0);
  assert.ok(value(text, 'process_open_fds') > 2);
  assert.ok(value(text, 'process_max_fds') >= value(text, 'process_open_fds'));
  assert.ok(value(text, 'nodejs_heap_size_used_bytes') > 1e5);
  assert.ok(value(text, 'nodejs_heap_size_total_bytes') >= value(text, 'nodejs_heap_size_used_bytes'));
  assert.ok(value(text, 'nodejs_eventloop_lag_seconds') > 0, 'measured at the first collection');
  assert.ok(value(text, 'nodejs_eventloop_lag_mean_seconds') > 0, 'the runtime probe\'s delays since the first collection');
  assert.ok(value(text, 'nodejs_eventloop_lag_max_seconds') >= value(text, 'nodejs_eventloop_lag_p50_seconds'));
  assert.ok(value(text, 'nodejs_eventloop_lag_p50_seconds') >= value(text, 'nodejs_eventloop_lag_min_seconds'));
  assert.ok(value(text, 'nodejs_active_resources_total') >= 1);
  assert.match(text, /^nodejs_gc_duration_seconds_count\{kind="major"\} [1-9]/m);
  assert.match(text, new RegExp(`^nodejs_version_info\\{version="${process.version}",major="\\d+",minor="\\d+",patch="\\d+"\\} 1$`, 'm'));
  assert.equal(decoded, text, 'a reader of the region decodes the same text');
});

test('collectDefaultMetrics: prefix and labels as prom-client', () => {
  const out = run({ PREFIX: 'app_', LABELS: '{"region":"eu"}' });
  assert.deepEqual(out.ours.map(shape), out.theirs.map(shape).map((s, i) => (['app_nodejs_active_handles', 'app_nodejs_active_requests', 'app_nodejs_active_resources'].includes((s as { name: string }).name) ? shape(out.ours[i]!) : s)));
  assert.match(out.text, /^app_process_open_fds\{region="eu"\} \d+$/m);
  assert.match(out.text, /^app_nodejs_heap_space_size_used_bytes\{space="old",region="eu"\} \d+$/m);
});
