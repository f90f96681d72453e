/**
 * The real Prometheus (Debian's 2.42) scraping `perfmem serve` every second: its query API
 * returns the series of three instrumented Node processes (one blocked, one a cluster app
 * with its worker) and a real JVM; rates are sane; the blocked loop's block rises; and the
 * scrapes were negotiated as OpenMetrics, as Prometheus asks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, freePort, haveJdk, startJvm } from '../cli/helpers.js';
import { startApp } from '../monitor/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  return exited;
}

interface Series { metric: Record<string, string>; value: [number, string] }

test('Prometheus 2.42 scrapes perfmem serve: Node (one blocked, one cluster app) and JVM series, sane rates, a rising block', { timeout: 150_000 }, async (t) => {
  if (spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status !== 0) return t.skip('prometheus not found (apt-get install prometheus)');
  if (!haveJdk()) return t.skip('java not found');
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-prom-'));
  const children: ChildProcess[] = [];
  t.after(async () => {
    for (const c of children) await stop(c);
    rmSync(dir, { recursive: true, force: true });
  });
  const idle = await startApp(dir);
  const blocked = await startApp(dir);
  const clustered = await startApp(dir);
  children.push(idle.child, blocked.child, clustered.child);
  clustered.send('fork');
  const worker = Number((await clustered.waitFor(/^forked \d+/)).split(' ')[1]);
  const jvm = await startJvm(t);
  await sleep(1500); // a heartbeat or two before the block
  blocked.send('block 60000');
  await blocked.waitFor(/^blocking/);

  const servePort = await freePort();
  const serve = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${servePort}`, '--dir', `${dir},/tmp`, '--interval', '500ms'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(serve);
  const promPort = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  scrape_timeout: 900ms',
    'scrape_configs:', '  - job_name: perfmem', '    static_configs:', `      - targets: ['127.0.0.1:${servePort}']`, '',
  ].join('\n'));
  const prom = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(prom);
  let promLog = '';
  prom.stderr!.on('data', (d) => { promLog += d; });

  const query = async (q: string): Promise<Series[]> => {
    const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = await res.json() as { status: string; data: { result: Series[] } };
    assert.equal(body.status, 'success', q);
    return body.data.result;
  };
  const value = async (q: string): Promise<number> => {
    const r = await query(q);
    assert.equal(r.length, 1, `one series for ${q}: ${JSON.stringify(r)}`);
    return Number(r[0]!.value[1]);
  };
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await query('up{job="perfmem"} == 1')).length === 1 && (await query('count_over_time(up{job="perfmem"}[1m]) >= 7')).length === 1) break;
    } catch { /* not ready yet */ }
    if (Date.now() > end) throw new Error(`Prometheus never scraped perfmem serve: ${promLog}`);
    await sleep(500);
  }

  for (const pid of [idle.pid, blocked.pid, clustered.pid, worker]) {
    const info = await query(`perfmem_process_info{pid="${pid}"}`);
    assert.equal(info.length, 1, `perfmem_process_info for ${pid}`);
    assert.equal(info[0]!.metric.runtime, 'node');
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes',
      'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes', 'nodejs_version_info', 'perfmem_eventloop_blocked_seconds']) {
      assert.equal((await query(`${name}{pid="${pid}"}`)).length, 1, `${name} for ${pid}`);
    }
    assert.ok((await query(`nodejs_heap_space_size_used_bytes{pid="${pid}"}`)).length >= 3);
    assert.ok((await query(`nodejs_gc_duration_seconds_count{pid="${pid}"}`)).length >= 1);
  }
  // The cluster worker is in its primary's app.
  const app = (await query(`perfmem_process_info{pid="${clustered.pid}"}`))[0]!.metric.app;
  assert.equal((await query(`perfmem_process_info{pid="${worker}"}`))[0]!.metric.app, app);
  assert.equal((await query(`perfmem_process_info{pid="${blocked.pid}"}`))[0]!.metric.state, 'blocked');

  // The JVM, under client_java's names.
  const j = `pid="${jvm.pid}"`;
  assert.equal((await query(`perfmem_process_info{${j},runtime="jvm"}`)).length, 1);
  assert.ok((await query(`jvm_memory_pool_used_bytes{${j}}`)).length >= 4);
  assert.equal((await query(`jvm_memory_used_bytes{${j}}`)).length, 2);
  assert.ok((await query(`jvm_gc_collection_seconds_count{${j}}`)).length >= 2);
  assert.ok(await value(`jvm_threads_current{${j}}`) > 5);
  assert.ok(await value(`jvm_classes_loaded_total{${j}}`) > 100);
  assert.ok(await value(`process_resident_memory_bytes{${j}}`) > 1 << 20);

  // Rates Prometheus computes from the counters: the busy loop burns CPU, the idle one hardly.
  const busy = await value(`rate(process_cpu_seconds_total{pid="${blocked.pid}"}[5s])`);
  const calm = await value(`rate(process_cpu_seconds_total{pid="${idle.pid}"}[5s])`);
  assert.ok(busy > 0.1 && busy <= 4, `a busy loop's CPU rate ${busy}`);
  assert.ok(calm >= 0 && calm < busy, `an idle process's CPU rate ${calm} < ${busy}`);

  // The block rises from one scrape to the next; the others are not blocked.
  const first = await value(`perfmem_eventloop_blocked_seconds{pid="${blocked.pid}"}`);
  await sleep(2500);
  const second = await value(`perfmem_eventloop_blocked_seconds{pid="${blocked.pid}"}`);
  assert.ok(first > 2 && second >= first + 1, `blocked ${first} s, then ${second} s`);
  assert.ok(await value(`deriv(perfmem_eventloop_blocked_seconds{pid="${blocked.pid}"}[5s])`) > 0.5);
  assert.equal(await value(`perfmem_eventloop_blocked_seconds{pid="${idle.pid}"}`), 0);

  // Prometheus asked for OpenMetrics, and got it.
  assert.ok(await value('perfmem_scrape_requests_total{format="openmetrics"}') >= 5);
  assert.equal((await query('perfmem_scrape_requests_total{format="text"} > 0')).length, 0);
});
