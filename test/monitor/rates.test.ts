/**
 * The monitor's figures over an interval, from two readings: pure, so every rule of issue 9
 * (deltas of monotonic data, the writer's own span, nothing new = null, a block folded in)
 * is checked exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deriveRates, intervalHistogram, moments } from '../../src/monitor/rates.js';
import { makeReading } from '../../src/monitor/reading.js';
import { scriptName } from '../../src/monitor/apps.js';
import { appNames, groupApps } from '../../src/monitor/app-metrics.js';
import { History } from '../../src/monitor/history.js';
import { bucketCounterName, emptyHistogram, histogramPercentile, recordDelay, BUCKET_COUNT, HISTOGRAM_VERSION_COUNTER, TOTAL_COUNT_COUNTER, TOTAL_MAX_COUNTER, TOTAL_SUM_COUNTER } from '../../src/runtime/loop-histogram.js';
import type { ProcStat } from '../../src/perfmemory/index.js';

const S = 1e9; // ticks per second
const NODE_BASE = { 'sun.os.hrt.frequency': S, 'node.sample.period': 1 * S };

function node(counters: Record<string, number | string>, readerSeconds: number, proc?: ProcStat) {
  return makeReading('node', new Map(Object.entries({ ...NODE_BASE, ...counters })), proc, readerSeconds * 1000, readerSeconds * S);
}

function proc(user: number, system: number, startTicks = 1): ProcStat {
  return { cpuSeconds: user + system, cpuUserSeconds: user, cpuSystemSeconds: system, rssBytes: 1, vsizeBytes: 1, threads: 1, ppid: 1, startTicks, startSeconds: 1 };
}

test('nothing new published since the last read: every region figure is null, never the previous one', () => {
  const a = node({ 'node.heartbeat': 10 * S, 'node.gc.count': 5, 'node.gc.time': 0, 'node.eventLoop.active': 1 * S, 'node.eventLoop.delay.p99': 5e6 }, 10.2);
  const b = node({ 'node.heartbeat': 10 * S, 'node.gc.count': 5, 'node.gc.time': 0, 'node.eventLoop.active': 1 * S, 'node.eventLoop.delay.p99': 5e6 }, 10.7);
  const r = deriveRates(a, b);
  assert.equal(r.intervalSeconds, 0.5);
  assert.equal(r.gcPerSecond, null);
  assert.equal(r.elu, null);
  assert.equal(r.loopDelayP99Ms, null);
  assert.equal(r.cpu, null, 'without /proc and without a new heartbeat: no CPU figure');
});

test('what accrued over the writer\'s span is divided by that span, not by the reader\'s interval', () => {
  // 554 scavenges between heartbeats 3.5 s apart, read 0.5 s apart (issue 9's example).
  const a = node({ 'node.heartbeat': 10 * S, 'node.gc.count': 100, 'node.gc.time': 0, 'node.eventLoop.active': 0 }, 13.4);
  const b = node({ 'node.heartbeat': 13.5 * S, 'node.gc.count': 654, 'node.gc.time': 0.35 * S, 'node.eventLoop.active': 3.5 * S }, 13.9);
  const r = deriveRates(a, b);
  assert.ok(Math.abs(r.gcPerSecond! - 554 / 3.5) < 1e-9, String(r.gcPerSecond));
  assert.ok(Math.abs(r.gcTimeRatio! - 0.1) < 1e-9);
});

test('CPU from /proc over the reader\'s interval, user and system apart; a reused pid gives none', () => {
  const a = node({ 'node.heartbeat': 1 * S }, 1, proc(1, 0.5));
  const b = node({ 'node.heartbeat': 1 * S }, 3, proc(2, 0.7));
  const r = deriveRates(a, b);
  assert.ok(Math.abs(r.cpuUser! - 0.5) < 1e-9 && Math.abs(r.cpuSystem! - 0.1) < 1e-9 && Math.abs(r.cpu! - 0.6) < 1e-9);
  const other = node({ 'node.heartbeat': 1 * S }, 3, proc(0.1, 0, 999));
  assert.equal(deriveRates(a, other).cpu, null);
});

test('without /proc, a blocked main thread\'s CPU comes from the watchdog\'s counters', () => {
  const a = node({ 'node.heartbeat': 1 * S, 'node.cpu.user': 1 * S, 'node.cpu.system': 0, 'node.watchdog.heartbeat': 1 * S, 'node.watchdog.cpu.user': 1 * S, 'node.watchdog.cpu.system': 0 }, 5);
  const b = node({ 'node.heartbeat': 1 * S, 'node.cpu.user': 1 * S, 'node.cpu.system': 0, 'node.watchdog.heartbeat': 6 * S, 'node.watchdog.cpu.user': 5.5 * S, 'node.watchdog.cpu.system': 0.5 * S }, 6);
  assert.equal(b.loop.state, 'blocked');
  const r = deriveRates(a, b);
  assert.ok(Math.abs(r.cpu! - 1) < 1e-9, String(r.cpu));
});

test('ELU over the reported span, with a block folded in as busy time and never counted twice', () => {
  // Running: 0.25 s busy of 1 s between heartbeats.
  const a = node({ 'node.heartbeat': 10 * S, 'node.eventLoop.active': 0 }, 10.1);
  const b = node({ 'node.heartbeat': 11 * S, 'node.eventLoop.active': 0.25 * S }, 11.1);
  assert.ok(Math.abs(deriveRates(a, b).elu! - 0.25) < 1e-9);
  // Blocked since the heartbeat at 11 s: 5 s later the loop is busy for the whole new span.
  const c = node({ 'node.heartbeat': 11 * S, 'node.eventLoop.active': 0.25 * S }, 16);
  assert.equal(c.loop.state, 'blocked');
  assert.ok(Math.abs(deriveRates(b, c).elu! - 1) < 1e-9, String(deriveRates(b, c).elu));
  const d = node({ 'node.heartbeat': 11 * S, 'node.eventLoop.active': 0.25 * S }, 17);
  assert.ok(Math.abs(deriveRates(c, d).elu! - 1) < 1e-9);
  // The loop resumes at 18 s and publishes at 18.5 s: 7 s of block + 0.1 s more in active; the span since the last row is 17 -> 18.5.
  const e = node({ 'node.heartbeat': 18.5 * S, 'node.eventLoop.active': 7.35 * S }, 18.6);
  const elu = deriveRates(d, e).elu!;
  assert.ok(Math.abs(elu - (7.1 - 6) / 1.5) < 1e-9, String(elu));
});

function withHistogram(delaysMs: number[], extra: Record<string, number>): Record<string, number> {
  const h = emptyHistogram();
  for (const d of delaysMs) recordDelay(h, d * 1e6);
  const c: Record<string, number> = { [HISTOGRAM_VERSION_COUNTER]: 1, [TOTAL_COUNT_COUNTER]: h.count, [TOTAL_SUM_COUNTER]: h.sumNs, [TOTAL_MAX_COUNTER]: h.maxNs, ...extra };
  for (let i = 0; i < BUCKET_COUNT; i++) if (h.counts[i]! > 0) c[bucketCounterName(i)] = h.counts[i]!;
  return c;
}

test('loop delay percentiles from the histogram delta; a block so far is folded in as one delay', () => {
  const early = Array.from({ length: 100 }, () => 1);
  const later = [...early, ...Array.from({ length: 99 }, () => 2), 500];
  const a = node(withHistogram(early, { 'node.heartbeat': 1 * S }), 1.1);
  const b = node(withHistogram(later, { 'node.heartbeat': 2 * S }), 2.1);
  const r = deriveRates(a, b);
  assert.ok(Math.abs(r.loopDelayP50Ms! - 2) / 2 < 0.07, String(r.loopDelayP50Ms));
  assert.equal(r.loopDelayMaxMs, 500);
  assert.ok(r.loopDelayP99Ms! < 3);
  // Blocked 4 s: the delay figures hold at least the block so far.
  const c = node(withHistogram(later, { 'node.heartbeat': 2 * S }), 6);
  assert.equal(c.loop.state, 'blocked');
  const blocked = deriveRates(b, c);
  assert.ok(blocked.loopDelayMaxMs! >= 4000 - 1e-6 && blocked.loopDelayP99Ms! >= 3700, JSON.stringify(blocked));
  // Nothing recorded and not blocked: null.
  const d = node(withHistogram(later, { 'node.heartbeat': 2 * S }), 2.2);
  assert.equal(deriveRates(b, d).loopDelayP99Ms, null);
});

test('property: percentiles of a histogram delta match the raw delays within the bucket error', () => {
  fc.assert(fc.property(fc.array(fc.double({ min: 0.07, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
    fc.array(fc.double({ min: 0.07, max: 60_000, noNaN: true }), { maxLength: 100 }), (more, before) => {
      const a = node(withHistogram(before, { 'node.heartbeat': 1 * S }), 1.1);
      const b = node(withHistogram([...before, ...more], { 'node.heartbeat': 2 * S }), 2.1);
      const h = intervalHistogram(b, a)!;
      assert.equal(h.count, more.length);
      const sorted = [...more].sort((x, y) => x - y);
      for (const p of [50, 90, 99]) {
        const exact = sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
        const got = histogramPercentile(h, p) / 1e6;
        assert.ok(Math.abs(got - exact) <= exact * 0.0625 + 1e-6, `p${p}: ${got} vs ${exact}`);
      }
      const m = moments(h);
      assert.ok(m.min / 1e6 <= sorted[0]! + 1e-6);
    }), { numRuns: 100 });
});

test('apps: one rule, perfmem/metrics\' appOf; without its identity a worker joins its tracked Node parent (same script)', () => {
  const m = (identity: { pid: number; ppid: number; app?: string; clusterWorker?: boolean; worker?: string }) => ({ identity, families: [], torn: 0 });
  const apps = groupApps([
    { pid: 10, ppid: 1, runtime: 'node', command: '/srv/api/server.js --port 80', metrics: m({ pid: 10, ppid: 1 }) },
    { pid: 11, ppid: 10, runtime: 'node', command: '/srv/api/server.js --port 80', metrics: m({ pid: 11, ppid: 10, clusterWorker: true, worker: '1' }) },
    { pid: 13, ppid: 10, runtime: 'node', command: '/srv/api/server.js --port 80', metrics: undefined },
    { pid: 12, ppid: 10, runtime: 'node', command: '/srv/api/other.js', metrics: undefined },
    { pid: 30, ppid: 2, runtime: 'node', command: '/pm2/a.js', metrics: m({ pid: 30, ppid: 2, app: 'shop' }) },
    { pid: 31, ppid: 2, runtime: 'node', command: '/pm2/a.js', metrics: m({ pid: 31, ppid: 2, app: 'shop' }) },
    // An identity naming another pid is not trusted.
    { pid: 40, ppid: 1, runtime: 'node', command: 'x.js', metrics: m({ pid: 10, ppid: 1, app: 'shop' }) },
    { pid: 20, ppid: 1, runtime: 'jvm', command: 'com.example.Main x', metrics: undefined },
    { pid: 22, runtime: 'other', command: '', metrics: undefined },
  ]);
  assert.deepEqual([...apps].sort((a, b) => a[0] - b[0]), [
    [10, 'cluster:10'], [11, 'cluster:10'], [12, 'cluster:12'], [13, 'cluster:10'], [20, 'cluster:20'], [22, 'cluster:22'],
    [30, 'app:shop'], [31, 'app:shop'], [40, 'cluster:40'],
  ]);
  assert.equal(scriptName('node', '  '), '');
  assert.equal(scriptName('jvm', 'com.example.Main x'), 'Main');
});

test('history keeps the newest points, oldest first', () => {
  const h = new History(3);
  for (let i = 0; i < 5; i++) h.push({ atMs: i, state: 'running', blockedMs: 0, gauges: {} as never, rates: {} as never });
  assert.deepEqual(h.toArray().map((p) => p.atMs), [2, 3, 4]);
  const none = new History(0);
  none.push({ atMs: 1, state: 'running', blockedMs: 0, gauges: {} as never, rates: {} as never });
  assert.deepEqual(none.toArray(), []);
});

test('app names: a given name, else the primary\'s script or main class; colliding names keep apart by pid', () => {
  const commands = new Map([[10, { runtime: 'node', command: '/srv/api/server.js --port 1' }], [11, { runtime: 'node', command: '/srv/api/server.js --port 1' }],
    [20, { runtime: 'node', command: '/srv/web/server.js' }], [30, { runtime: 'jvm', command: 'com.acme.Main x' }], [40, { runtime: 'node', command: 'a.js' }]]);
  const names = appNames(new Map([[10, 'cluster:10'], [11, 'cluster:10'], [20, 'cluster:20'], [30, 'cluster:30'], [40, 'app:shop']]), (pid) => commands.get(pid));
  assert.deepEqual([...names], [['cluster:10', 'server.js#10'], ['cluster:20', 'server.js#20'], ['cluster:30', 'Main'], ['app:shop', 'shop']]);
});
