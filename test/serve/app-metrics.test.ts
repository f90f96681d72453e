/**
 * App metrics (perfmem/metrics) through `perfmem serve`: a real node:cluster app with 3 workers
 * using Counter (with labels), Histogram and Gauge; /metrics shows its series aggregated per
 * app with an `app` label (sum for counters and histograms, the gauge's own `max`), passes
 * promtool, and filters by ?app=; /api/apps lists the app with its pids and families; a worker
 * SIGKILLed and replaced never makes a counter total fall.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMonitor } from '../../src/monitor/index.js';
import { closeServer, createPerfmemServer, listen } from '../../src/serve/server.js';
import { havePromtool, promtool } from '../export/helpers.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-cluster.js', import.meta.url));
const PROMETHEUS_242_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startCluster(dir: string, workers: number) {
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, PERFMEM_DIR: dir, WORKERS: String(workers) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const events: Record<string, unknown>[] = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const l of lines) if (l.trim() !== '') events.push(JSON.parse(l) as Record<string, unknown>);
  });
  const waitFor = async (ok: (e: Record<string, unknown>) => boolean, from = 0, timeoutMs = 20_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = events.slice(from).find(ok);
      if (hit !== undefined) return hit;
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no such event in ${JSON.stringify(events)}`);
      await sleep(20);
    }
  };
  return { child, events, waitFor, send: (line: string) => void child.stdin!.write(`${line}\n`) };
}

/** The value of the one sample of `text` that starts with `series` (a name and labels). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('serve: a cluster app\'s metrics aggregated per app in /metrics and /api/apps; a killed worker never makes a counter fall', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-apps-'));
  const app = startCluster(dir, 3);
  const monitor = createMonitor({ dirs: [dir], discoveryIntervalMs: 0, containers: false });
  const server = createPerfmemServer({ monitor, intervalMs: 50 });
  const { port } = await listen(server, '127.0.0.1', 0);
  const base = `http://127.0.0.1:${port}`;
  t.after(async () => {
    await closeServer(server);
    monitor.close();
    app.child.kill('SIGKILL');
    await sleep(200);
    rmSync(dir, { recursive: true, force: true });
  });
  const ready = await Promise.all([0, 1, 2].map((slot) => app.waitFor((e) => e.ready === slot)));
  const workers = ready.map((e) => e.pid as number);
  // The app's name: its primary's script (its key is cluster:<primary pid>).
  const key = 'metrics-cluster.js';
  app.send('round 5');
  await app.waitFor((e) => e.round === 5);

  // Every process discovered and read (the workers' regions hold the 5 units each).
  const metricsText = async (query = '', accept?: string) => (await fetch(`${base}/metrics${query}`, accept ? { headers: { accept } } : {})).text();
  const work = `work_total{app="${key}",kind="unit"}`;
  let text = '';
  for (let end = Date.now() + 15_000; value(text, work) !== 15; await sleep(100)) {
    if (Date.now() > end) assert.fail(`work_total never reached 15:\n${text}`);
    text = await metricsText();
  }
  assert.equal(value(text, `half_total{app="${key}"}`), 1.5, 'sum of a counter without labels');
  assert.equal(value(text, `work_seconds_bucket{app="${key}",le="0.1"}`), 0);
  assert.equal(value(text, `work_seconds_bucket{app="${key}",le="0.5"}`), 15, 'histograms summed bucket by bucket');
  assert.equal(value(text, `work_seconds_bucket{app="${key}",le="+Inf"}`), 15);
  assert.equal(value(text, `work_seconds_sum{app="${key}"}`), 3.75);
  assert.equal(value(text, `work_seconds_count{app="${key}"}`), 15);
  assert.equal(value(text, `inflight{app="${key}"}`), 5, 'a gauge with aggregator max');
  assert.match(text, /^# TYPE work_total counter$/m);
  assert.match(text, /^# TYPE work_seconds histogram$/m);
  // The processes' own series are in the same app.
  for (const pid of [app.child.pid!, ...workers]) assert.match(text, new RegExp(`^perfmem_process_info\\{pid="${pid}",app="${key}",`, 'm'));
  if (havePromtool()) assert.equal(promtool(text), '');
  else t.diagnostic('promtool not found: `promtool check metrics` skipped');

  const om = await metricsText('', PROMETHEUS_242_ACCEPT);
  assert.match(om, /^# TYPE work counter$/m);
  assert.equal(value(om, work), 15);
  assert.ok(om.endsWith('# EOF\n'));

  // Filters: ?app= keeps or drops the app's series; ?runtime=jvm drops them.
  assert.equal(value(await metricsText(`?app=${encodeURIComponent(key)}`), work), 15);
  assert.equal(value(await metricsText('?app=other'), work), undefined);
  assert.equal(value(await metricsText('?runtime=jvm'), work), undefined);
  assert.equal(value(await metricsText(`?pid=${workers[1]}`), work), 15, 'an app is kept when one of its pids is asked for');

  const apps = await (await fetch(`${base}/api/apps`)).json() as { apps: { app: string; pids: number[]; families: { name: string; type: string; values: { value: number; labels: Record<string, unknown> }[] }[] }[] };
  const mine = apps.apps.find((a) => a.app === key)!;
  assert.ok(mine !== undefined, JSON.stringify(apps));
  assert.deepEqual([...mine.pids].sort(), [app.child.pid!, ...workers].sort());
  const wf = mine.families.find((f) => f.name === 'work_total')!;
  assert.equal(wf.type, 'counter');
  assert.deepEqual(wf.values, [{ value: 15, labels: { kind: 'unit' } }]);
  assert.ok(mine.families.some((f) => f.name === 'work_seconds' && f.type === 'histogram'));
  const filtered = await (await fetch(`${base}/api/apps?app=other`)).json() as { apps: unknown[] };
  assert.deepEqual(filtered.apps, []);
  const processes = await (await fetch(`${base}/api/processes?app=${encodeURIComponent(key)}`)).json() as { processes: { pid: number; worker?: string }[] };
  assert.ok(processes.processes.filter((p) => workers.includes(p.pid)).every((p) => /^\d+$/.test(p.worker ?? '')), 'workers carry their cluster worker id');

  // A worker SIGKILLed and replaced: the total is sampled all along and never falls.
  const seen: number[] = [];
  const from = app.events.length;
  app.send('kill 1');
  const replaced = await app.waitFor((e) => e.ready === 1, from);
  assert.notEqual(replaced.pid, workers[1]);
  for (let end = Date.now() + 3000; Date.now() < end; await sleep(30)) {
    const v = value(await metricsText(), work);
    if (v !== undefined) seen.push(v);
  }
  app.send('round 2');
  await app.waitFor((e) => e.round === 2, from);
  for (let end = Date.now() + 15_000; seen.at(-1) !== 21; await sleep(50)) {
    if (Date.now() > end) assert.fail(`work_total never reached 21: ${seen.slice(-20).join(' ')}`);
    const v = value(await metricsText(), work);
    if (v !== undefined) seen.push(v);
  }
  assert.ok(seen.length > 20, `sampled ${seen.length} times`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! >= seen[i - 1]!, `work_total fell from ${seen[i - 1]} to ${seen[i]} (${seen.join(' ')})`);
  assert.ok(seen.every((v) => v >= 15 && v <= 21), seen.join(' '));
  const after = await metricsText();
  assert.equal(value(after, `half_total{app="${key}"}`), 3, 'the killed worker\'s halves count too');
  assert.equal(value(after, `work_seconds_count{app="${key}"}`), 21);
  if (havePromtool()) assert.equal(promtool(after), '');
});
