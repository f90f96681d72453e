/**
 * The dashboard in headless chromium against the fake API (test/web/fake-api.ts): states,
 * sorting, detail view, charts, hostile strings, reconnection across a server restart, a
 * process that exits, narrow windows. The same page against the real `perfmem serve` and real
 * processes is dashboard-real.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FakeApi } from './fake-api.js';
import { canvasDrawn, findChromium, NO_CHROMIUM, openBrowser, type Session } from './browser.js';

// What the page functions below use (they run in the browser; this tsconfig has no DOM types).
interface PageNode { textContent: string | null; title: string; children: { length: number }; src: string; getAttribute(n: string): string | null }
declare const document: {
  querySelectorAll(s: string): ArrayLike<PageNode> & Iterable<PageNode>;
  querySelector(s: string): PageNode | null;
  body: PageNode;
  documentElement: { scrollWidth: number; clientWidth: number };
};
declare const window: Record<string, unknown>;
declare function getComputedStyle(e: unknown): { display: string };

const chromium = findChromium();
const skip = chromium === undefined ? NO_CHROMIUM : false;

let api: FakeApi;
let s: Session;
let url: string;
const HOSTILE_COMMAND = '"><img src=x onerror="window.__xss=1"></script><script>window.__xss=2</script>';
const HOSTILE_COUNTER = '<img src=x onerror=window.__xss=3>';
const HOSTILE_VALUE = '</script><svg onload="window.__xss=4"></svg>';
let hostilePid = 0;
let blockPid = 0;

before(async () => {
  if (skip) return;
  api = new FakeApi({ processes: 10, intervalMs: 250 });
  const hostile = api.add('node', '<b>app</b>&amp;', undefined, HOSTILE_COMMAND);
  hostile.counters[HOSTILE_COUNTER] = HOSTILE_VALUE;
  hostilePid = hostile.summary.pid;
  blockPid = [...api.processes.values()].find((p) => p.summary.runtime === 'node' && p.summary.worker !== undefined)!.summary.pid;
  url = await api.start();
  s = await openBrowser(chromium!);
});

after(async () => {
  await s?.close();
  await api?.stop();
});

async function rowCount(): Promise<number> {
  return s.page.$$eval('#process-table tbody tr.proc', (rows) => rows.length);
}

test('the table lists every process, grouped by app, with runtimes and states', { skip }, async () => {
  await s.page.goto(url);
  await s.page.waitForFunction((n: number) => document.querySelectorAll('#process-table tbody tr.proc').length === n, { timeout: 10_000 }, api.processes.size);
  assert.equal(await rowCount(), api.processes.size);
  const apps = await s.page.$$eval('#process-table tr.group', (rows) => rows.map((r) => r.getAttribute('data-app')));
  assert.deepEqual(new Set(apps), new Set([...api.processes.values()].map((p) => p.summary.app)));
  const jvmRuntime = await s.page.$$eval('#process-table tr.proc', (rows) => rows.map((r) => r.querySelector('.c-runtime')!.textContent));
  assert.ok(jvmRuntime.includes('JVM 17') && jvmRuntime.includes('Node 20'));
  await s.page.waitForSelector('body[data-connection=live]');
  assert.match(await s.page.$eval('#connection', (e) => e.textContent), /live/);
});

test('a blocked process is shown blocked, with where, within 2 s', { skip }, async () => {
  api.block(blockPid, 1500);
  const started = Date.now();
  await s.page.waitForSelector(`tr[data-pid="${blockPid}"][data-state=blocked]`, { timeout: 2000 });
  const text = await s.page.$eval(`tr[data-pid="${blockPid}"] .state`, (e) => e.textContent);
  assert.match(text ?? '', /^blocked for \d+(\.\d)? s in spin \(server\.js:42\)$/);
  const title = await s.page.$eval(`tr[data-pid="${blockPid}"] .c-state`, (e) => (e as unknown as PageNode).title);
  assert.match(title, /^blocked for \d+(\.\d)? s in spin \(\/srv\/app-0\/server\.js:42\)$/);
  assert.ok(Date.now() - started <= 2000);
  assert.match(await s.page.$eval('#totals', (e) => e.textContent), /1 blocked/);
});

test('sorting by a column reorders rows; sparklines draw', { skip }, async () => {
  await s.page.click('th.c-pid button');
  const pids = await s.page.$$eval('#process-table tr.proc', (rows) => rows.map((r) => Number(r.getAttribute('data-pid'))));
  assert.equal(await s.page.$eval('th.c-pid', (e) => e.getAttribute('aria-sort')), 'ascending');
  // Within each app group the primary leads; apps come in pid order of their lowest pid.
  assert.equal(pids.length, api.processes.size);
  // Sparklines (SVG polylines) get a point per sample once their row is on screen.
  await s.page.waitForFunction((pid: number) => {
    const points = document.querySelector(`tr[data-pid="${pid}"] td.c-cpu svg.spark polyline`)?.getAttribute('points') ?? '';
    return points.trim().split(' ').length >= 3;
  }, { timeout: 5000 }, blockPid);
});

test('hostile strings from a region are shown as text, never run', { skip }, async () => {
  const cell = await s.page.$eval(`tr[data-pid="${hostilePid}"] .c-command`, (e) => ({ text: e.textContent, title: (e as unknown as PageNode).title, children: e.children.length }));
  assert.equal(cell.title, HOSTILE_COMMAND);
  assert.equal(cell.children, 0);
  assert.ok(HOSTILE_COMMAND.startsWith(cell.text!.replace(/…$/, '')));
  assert.equal(await s.page.$eval(`tr.group[data-app="<b>app</b>&amp;"] .group-name`, (e) => e.textContent), '<b>app</b>&amp;');
  await s.page.goto(`${url}#/process/${hostilePid}`);
  await s.page.waitForSelector('#counters tbody tr');
  await s.page.type('#counter-filter', 'xss=3');
  await s.page.waitForFunction(() => document.querySelectorAll('#counters tbody tr').length === 1);
  const row = await s.page.$eval('#counters tbody tr', (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent));
  assert.deepEqual(row, [HOSTILE_COUNTER, HOSTILE_VALUE]);
  assert.equal(await s.page.$eval('.detail .command code', (e) => e.textContent), HOSTILE_COMMAND);
  const planted = await s.page.evaluate(() => ({
    xss: window.__xss ?? null,
    imgs: document.querySelectorAll('img').length,
    svgs: document.querySelectorAll('svg:not(.spark)').length,
    scripts: [...document.querySelectorAll('script')].filter((e) => !e.src).length,
  }));
  assert.deepEqual(planted, { xss: null, imgs: 0, svgs: 0, scripts: 0 });
});

test('the detail view shows verdicts, the blocked stack, charts and every counter', { skip }, async () => {
  await s.page.goto(`${url}#/process/${blockPid}`);
  await s.page.waitForSelector('#detail-state');
  assert.match(await s.page.$eval('#detail-state', (e) => e.textContent), /^blocked for .* in spin/);
  await s.page.waitForSelector('#blocked-stack:not([hidden]) .frames li');
  const frames = await s.page.$$eval('#blocked-stack .frames li', (li) => li.map((x) => x.textContent));
  assert.deepEqual(frames, ['spin file:///srv/app-0/server.js:42:7', 'handle file:///srv/app-0/server.js:17:3']);
  assert.ok(await s.page.$('[data-verdict=blocked]'));
  const counters = await s.page.$$eval('#counters tbody tr td.counter-name', (tds) => tds.map((t) => t.textContent));
  const proc = api.processes.get(blockPid)!;
  assert.deepEqual(counters, Object.keys(proc.counters).sort());
  for (const id of ['cpu', 'memory', 'gc', 'loop']) {
    await s.page.waitForSelector(`[data-chart=${id}] canvas`, { timeout: 5000 });
    assert.ok(await canvasDrawn(s.page, `[data-chart=${id}] canvas`), `${id} chart drawn`);
  }
  // Counter charts fill from successive samples while the view is open.
  await s.page.waitForSelector('[data-chart=node-heap-spaces] canvas', { timeout: 5000 });
  assert.ok(await canvasDrawn(s.page, '[data-chart=node-heap-spaces] canvas'));
  await s.page.waitForSelector('.app-metrics[data-app=app-0]', { timeout: 8000 });
});

test('a JVM gets its own charts (generations, collectors, threads, classes)', { skip }, async () => {
  const jvm = [...api.processes.values()].find((p) => p.summary.runtime === 'jvm')!;
  await s.page.goto(`${url}#/process/${jvm.summary.pid}`);
  for (const id of ['jvm-heap', 'jvm-gc', 'jvm-threads', 'jvm-classes', 'jvm-safepoints', 'jvm-compilation']) {
    await s.page.waitForSelector(`[data-chart=${id}] canvas`, { timeout: 5000 });
    assert.ok(await canvasDrawn(s.page, `[data-chart=${id}] canvas`), `${id} chart drawn`);
  }
  assert.equal(await s.page.$('[data-chart=loop]'), null, 'no event-loop chart for a JVM');
});

test('the page survives a server restart and a process that exits', { skip }, async () => {
  await s.page.goto(url);
  await s.page.waitForSelector('body[data-connection=live]');
  const gonePid = [...api.processes.keys()][0]!;
  await api.stop();
  await s.page.waitForFunction(() => document.body.getAttribute('data-connection') !== 'live', { timeout: 5000 });
  api.setState(gonePid, 'gone');
  await api.start();
  await s.page.waitForSelector('body[data-connection=live]', { timeout: 10_000 });
  await s.page.waitForSelector(`tr[data-pid="${gonePid}"][data-state=gone]`, { timeout: 5000 });
  // And when the server stops reporting it, its row goes.
  api.processes.delete(gonePid);
  await s.page.waitForFunction((pid: number) => !document.querySelector(`tr[data-pid="${pid}"]`), { timeout: 5000 }, gonePid);
  const seqBefore = await rowCount();
  assert.equal(seqBefore, api.processes.size);
  // Only the restart's refused connections may have been logged.
  const errors = s.errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(e));
  s.errors.length = 0;
  assert.deepEqual(errors, []);
});

test('a narrow window keeps the essential columns', { skip }, async () => {
  await s.page.setViewport({ width: 420, height: 800 });
  await s.page.goto(url);
  await s.page.waitForSelector('#process-table tr.proc');
  const visible = await s.page.$$eval('#process-table thead th', (ths) => ths.filter((t) => getComputedStyle(t).display !== 'none').map((t) => t.textContent!.trim()));
  assert.deepEqual(visible.map((v) => v.replace(/ [▲▼]$/, '')), ['PID', 'State', 'CPU', 'RSS', 'Loop p99']);
  const overflow = await s.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page itself does not scroll sideways (${overflow}px)`);
  const table = await s.page.evaluate(() => { const w = document.querySelector('.table-wrap') as unknown as { scrollWidth: number; clientWidth: number }; return w.scrollWidth - w.clientWidth; });
  assert.ok(table <= 0, `the table fits without scrolling sideways (${table}px)`);
  await s.page.setViewport({ width: 1280, height: 800 });
});

test('no request left 127.0.0.1 and the console has no errors', { skip }, async () => {
  assert.deepEqual(s.foreign, []);
  assert.deepEqual(s.errors, []);
  const paths = new Set(api.requests.map((p) => p.replace(/\/\d+$/, '/<pid>').replace(/\.[0-9a-f]{12}\./, '.<hash>.')));
  assert.deepEqual([...paths].sort(), ['/', '/api/apps', '/api/events', '/api/processes', '/api/processes/<pid>', '/assets/app.<hash>.css', '/assets/app.<hash>.js', '/assets/icon.<hash>.svg']);
});
