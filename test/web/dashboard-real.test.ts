/**
 * The dashboard in headless chromium on the real server and real processes: three Node
 * processes under perfmem/register (an app, its cluster worker, another app) and a JDK JVM,
 * read by the real monitor through `perfmem serve`'s server; then the `perfmem serve` command
 * itself, killed and restarted under the page.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMonitor } from '../../src/monitor/index.js';
import { loadDashboard } from '../../src/serve/dashboard-loader.js';
import { closeServer, createPerfmemServer, listen } from '../../src/serve/server.js';
import { BIN, haveJdk, startJvm } from '../cli/helpers.js';
import { canvasDrawn, findChromium, NO_CHROMIUM, openBrowser } from './browser.js';
import { startApp as startMonitorApp, type App } from '../monitor/helpers.js';

// What the page functions below use (they run in the browser; this tsconfig has no DOM types).
interface PageNode { textContent: string | null; title: string; src: string; getAttribute(n: string): string | null }
declare const document: { querySelector(s: string): PageNode | null; querySelectorAll(s: string): ArrayLike<PageNode> & Iterable<PageNode>; body: PageNode };
declare const window: Record<string, unknown>;

const chromium = findChromium();
/**
 * The apps' sampling period. A loop counts as blocked once its heartbeat is 3 periods old
 * (runtime/loop-status.ts): with the default 1 s period that alone takes 3 s, so the "shown
 * blocked within 2 s" check runs the apps at 250 ms (blocked after 750 ms, plus one 500 ms sample).
 */
const PERIOD_MS = 250;
/** An argument the page must show as text: the command line is read from the region. */
const HOSTILE = '<img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>';

/** The runtime fixture app as a named app, sampled fast, with a watchdog that soon takes a blocked loop's stack. */
function startApp(dir: string, name: string, args: string[] = []): Promise<App> {
  return startMonitorApp(dir, { PERFMEM_APP: name, PERFMEM_PERIOD_MS: String(PERIOD_MS), PERFMEM_WATCHDOG: '1', PERFMEM_STACK_AFTER_MS: '300' }, args);
}

test('real processes: table states, a blocked loop within 2 s, detail charts and counters, a JVM, an exit', { skip: chromium === undefined ? NO_CHROMIUM : !haveJdk() && 'no JDK (java, javac) installed', timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-web-'));
  const apps: App[] = [];
  t.after(() => {
    for (const a of apps) a.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const shop = await startApp(dir, 'shop', [HOSTILE]);
  apps.push(shop);
  const billing = await startApp(dir, 'billing');
  apps.push(billing);
  shop.send('fork');
  const workerPid = Number((await shop.waitFor(/^forked \d+/)).split(' ')[1]);
  const jvm = await startJvm(t);
  const pids = [shop.pid, workerPid, billing.pid, jvm.pid];

  const monitor = createMonitor({ dirs: [dir, '/tmp'], pids, containers: false, discoveryIntervalMs: 0 });
  monitor.sample();
  monitor.start(500);
  const server = createPerfmemServer({ monitor, intervalMs: 500, dashboard: await loadDashboard() });
  const address = (await listen(server, '127.0.0.1', 0)) as AddressInfo;
  t.after(async () => {
    await closeServer(server);
    monitor.close();
  });
  const url = `http://127.0.0.1:${address.port}/`;

  const s = await openBrowser(chromium!);
  t.after(() => s.close());
  await s.page.goto(url);
  await s.page.waitForFunction((want: number[]) => want.every((pid) => document.querySelector(`tr[data-pid="${pid}"][data-state=running]`)), { timeout: 30_000 }, pids);
  const runtimeOf = (pid: number) => s.page.$eval(`tr[data-pid="${pid}"] .c-runtime`, (e) => e.textContent);
  assert.match((await runtimeOf(jvm.pid)) ?? '', /^JVM \d+/);
  assert.match((await runtimeOf(shop.pid)) ?? '', /^Node \d+$/);
  // The cluster worker sits under its primary, in the primary's app.
  assert.equal(await s.page.$eval(`tr[data-pid="${workerPid}"]`, (e) => e.getAttribute('class')), 'proc state-running worker');
  const rows = await s.page.$$eval('#process-table tbody tr.proc', (trs) => trs.map((r) => r.getAttribute('data-pid')));
  assert.equal(rows.indexOf(String(workerPid)), rows.indexOf(String(shop.pid)) + 1);

  // The hostile argument is text in the command cell and in the detail view, and nothing ran.
  assert.ok((await s.page.$eval(`tr[data-pid="${shop.pid}"] .c-command`, (e) => (e as unknown as PageNode).title)).includes(HOSTILE));
  const planted = () => s.page.evaluate(() => ({
    xss: window.__xss ?? null,
    imgs: document.querySelectorAll('img').length,
    scripts: [...document.querySelectorAll('script')].filter((e) => !e.src).length,
  }));
  assert.deepEqual(await planted(), { xss: null, imgs: 0, scripts: 0 });

  // A loop blocked for 6 s shows as blocked within 2 s of the block starting.
  billing.send('block 6000');
  await billing.waitFor(/^blocking/);
  const blockedAt = Date.now();
  await s.page.waitForSelector(`tr[data-pid="${billing.pid}"][data-state=blocked]`, { timeout: 2000 });
  // With its place: the watchdog's stack (taken after 300 ms of block) names the fixture's line.
  await s.page.waitForFunction((pid: number) => /^blocked for .* in .*\(runtime-app\.js:\d+\)$/.test(document.querySelector(`tr[data-pid="${pid}"] .state`)?.textContent ?? ''),
    { timeout: Math.max(1, 2000 - (Date.now() - blockedAt)) }, billing.pid);

  // Its detail view: the blocked state, its stack when the runtime publishes one, charts, every counter.
  await s.page.goto(`${url}#/process/${billing.pid}`);
  await s.page.waitForSelector('#counters tbody tr', { timeout: 10_000 });
  const counters = await s.page.$$eval('#counters td.counter-name', (tds) => tds.map((td) => td.textContent!));
  assert.ok(counters.length > 50, `${counters.length} counters`);
  for (const name of ['node.memory.heapUsed', 'node.eventLoop.delay.total.count', 'node.watchdog.stack', 'sun.os.hrt.frequency']) assert.ok(counters.includes(name), name);
  await s.page.waitForSelector('#blocked-stack:not([hidden]) .frames li', { timeout: 5000 });
  const frames = await s.page.$$eval('#blocked-stack .frames li', (li) => li.map((x) => x.textContent ?? ''));
  assert.match(frames[0]!, /runtime-app\.js:\d+:\d+$/);
  await billing.waitFor(/^block-done/, 15_000);
  for (const id of ['cpu', 'memory', 'loop']) {
    await s.page.waitForSelector(`[data-chart=${id}] canvas`, { timeout: 10_000 });
    assert.ok(await canvasDrawn(s.page, `[data-chart=${id}] canvas`), `${id} chart drawn`);
  }
  await s.page.waitForSelector('[data-chart=node-heap-spaces] canvas', { timeout: 10_000 });

  // A JVM's detail: its generations, collectors, threads and classes from its hsperfdata.
  await s.page.goto(`${url}#/process/${jvm.pid}`);
  for (const id of ['cpu', 'jvm-heap', 'jvm-threads', 'jvm-classes']) {
    await s.page.waitForSelector(`[data-chart=${id}] canvas`, { timeout: 10_000 });
    assert.ok(await canvasDrawn(s.page, `[data-chart=${id}] canvas`), `${id} chart drawn`);
  }
  const jvmCounters = await s.page.$$eval('#counters td.counter-name', (tds) => tds.map((td) => td.textContent!));
  assert.ok(jvmCounters.includes('sun.gc.collector.0.invocations') && jvmCounters.includes('java.threads.live'));

  // A process that exits is shown gone, and the page keeps going.
  await s.page.goto(url);
  billing.child.kill('SIGKILL');
  await s.page.waitForSelector(`tr[data-pid="${billing.pid}"][data-state=gone]`, { timeout: 15_000 });
  await s.page.waitForSelector(`tr[data-pid="${shop.pid}"][data-state=running]`);

  await s.page.goto(`${url}#/process/${shop.pid}`);
  await s.page.waitForSelector('.detail .command code');
  assert.ok((await s.page.$eval('.detail .command code', (e) => e.textContent))!.includes(HOSTILE));
  assert.deepEqual(await planted(), { xss: null, imgs: 0, scripts: 0 });

  assert.deepEqual(s.foreign, []);
  assert.deepEqual(s.errors, []);
});

/** `perfmem serve` as a user runs it; resolves with its URL once it listens. */
async function startServe(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`perfmem serve did not start: ${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(`${m[1]}/`);
      }
    });
    child.once('exit', (code) => reject(new Error(`perfmem serve exited ${code}: ${err}`)));
  });
  return { child, url };
}

async function stopServe(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

test('`perfmem serve` restarted under the page: it reconnects and goes on', { skip: chromium === undefined ? NO_CHROMIUM : false, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-web-'));
  const app = await startApp(dir, 'restart-app');
  t.after(() => {
    app.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  let serve = await startServe(['--listen', '127.0.0.1:0', '--dir', dir, '--interval', '500ms'], {});
  t.after(() => stopServe(serve.child));
  const port = new URL(serve.url).port;
  const s = await openBrowser(chromium!);
  t.after(() => s.close());
  await s.page.goto(serve.url);
  await s.page.waitForSelector(`tr[data-pid="${app.pid}"][data-state=running]`, { timeout: 20_000 });
  await s.page.waitForSelector('body[data-connection=live]');

  await stopServe(serve.child);
  await s.page.waitForFunction(() => document.body.getAttribute('data-connection') !== 'live', { timeout: 10_000 });
  serve = await startServe(['--listen', `127.0.0.1:${port}`, '--dir', dir, '--interval', '500ms'], {});
  await s.page.waitForSelector('body[data-connection=live]', { timeout: 20_000 });
  // New samples from the new server reach the table: the uptime cell moves on.
  const uptime = () => s.page.$eval(`tr[data-pid="${app.pid}"] .c-uptime`, (e) => e.textContent);
  const before = await uptime();
  await s.page.waitForFunction((pid: number, was: string | null) => document.querySelector(`tr[data-pid="${pid}"] .c-uptime`)?.textContent !== was, { timeout: 10_000 }, app.pid, before);

  assert.deepEqual(s.foreign, []);
  // Only the outage's failed connections may be logged.
  assert.deepEqual(s.errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|ERR_INCOMPLETE_CHUNKED_ENCODING|status of 50\d/.test(e)), []);
});
