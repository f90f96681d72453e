import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { PerfmemMetricProducer } from '../../src/otel/index.js';
import { freePort } from '../cli/helpers.js';

const REGISTER = fileURLToPath(new URL('../../src/runtime/register.js', import.meta.url));
const APP = fileURLToPath(new URL('../fixtures/otel-app.js', import.meta.url));

function waitLine(child: ChildProcess, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => { rl.close(); reject(new Error(`no line ${pattern}`)); }, timeoutMs);
    rl.on('line', (line) => {
      const m = line.match(pattern);
      if (m !== null) { clearTimeout(timer); rl.close(); resolve(m); }
    });
  });
}

/** The value of the first sample line of `name` with all `labels`, from Prometheus text. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

test('without a region the producer gives no metrics and one error, once', async () => {
  const p = new PerfmemMetricProducer();
  const first = await p.collect();
  assert.equal(first.resourceMetrics.scopeMetrics.length, 0);
  assert.equal(first.errors.length, 1);
  assert.match(String(first.errors[0]), /no perfmem region; start it with `node --import perfmem\/register`/);
  assert.equal((await p.collect()).errors.length, 0);
});

test('an app with the OTel SDK and its Prometheus exporter serves its runtime metrics from its region, beside its own', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-otel-'));
  const port = await freePort();
  const app = spawn(process.execPath, ['--import', REGISTER, APP, String(port)], { env: { ...process.env, PERFMEM_DIR: dir }, stdio: ['pipe', 'pipe', 'inherit'] });
  let prometheus: ChildProcess | undefined;
  try {
    await waitLine(app, /^ready \d+$/);
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // The delay gauges cover the delays probed since the last collect: the first probe of an
    // idle loop comes with its first sample, one period after start.
    let text = await scrape();
    for (const until = Date.now() + 10_000; sample(text, 'nodejs_eventloop_delay_max') === undefined && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 250));
      text = await scrape();
    }
    // The app's own instruments are still there, with the SDK's resource.
    assert.equal(sample(text, 'shop_orders_total', { kind: 'online' }), 3);
    assert.ok(text.includes('target_info{'), 'the SDK keeps its own resource');
    // perfmem's runtime metrics, under the conventions' names.
    assert.ok(sample(text, 'process_cpu_time_total', { cpu_mode: 'user' })! > 0);
    assert.ok(sample(text, 'process_memory_usage')! > 10_000_000);
    assert.ok(sample(text, 'v8js_memory_heap_used', { v8js_heap_space_name: 'old_space' })! > 0);
    assert.ok(sample(text, 'nodejs_eventloop_time_total', { nodejs_eventloop_state: 'idle' })! > 0);
    assert.ok(text.includes('v8js_gc_duration_count{v8js_gc_type="minor"'));
    for (const s of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) assert.notEqual(sample(text, `nodejs_eventloop_delay_${s}`), undefined, s);

    // A blocked event loop shows in the delay the next collect reports.
    app.stdin!.write('block 400\n');
    await waitLine(app, /^block-done$/);
    let max = 0;
    for (let i = 0; i < 50 && max < 0.2; i++) {
      await new Promise((r) => setTimeout(r, 200));
      text = await scrape();
      max = Math.max(max, sample(text, 'nodejs_eventloop_delay_max') ?? 0);
    }
    assert.ok(max >= 0.2, `a 400 ms block seen as a delay of ${max} s`);

    // The real Prometheus scrapes it.
    if (spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status !== 0) {
      t.diagnostic('prometheus is not installed: checked with plain HTTP GETs only');
      return;
    }
    const promPort = await freePort();
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: otel-app\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: 'ignore' });
    let result: Array<{ metric: Record<string, string>; value: [number, string] }> = [];
    for (let i = 0; i < 150 && result.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      try {
        const q = encodeURIComponent('process_cpu_time_total{cpu_mode="user",job="otel-app"}');
        const body = await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${q}`)).json() as { data?: { result?: typeof result } };
        result = body.data?.result ?? [];
      } catch { /* not listening yet */ }
    }
    assert.equal(result.length, 1, 'Prometheus scraped perfmem\'s process_cpu_time from the app');
    assert.ok(Number(result[0]!.value[1]) > 0);
    assert.equal(result[0]!.metric.otel_scope_name, 'perfmem');
  } finally {
    const ended = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : once(c, 'exit'));
    prometheus?.kill();
    app.stdin!.end();
    app.kill();
    await Promise.all([ended(app), prometheus !== undefined ? ended(prometheus) : undefined]);
    rmSync(dir, { recursive: true, force: true });
  }
});
