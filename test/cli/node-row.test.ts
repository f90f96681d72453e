/**
 * The figures of one `stat` row for a Node process, from two reads of cumulative counters:
 * exact over the row's interval, "-" (NaN) when nothing new was published, an ongoing block
 * folded in, rates over the writer's interval.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nodeRow, withBlock, ongoingBlockMs } from '../../src/cli/node-row.js';
import { rowLine, headerLine } from '../../src/cli/columns.js';
import { nodeOptions } from '../../src/cli/node-options.js';
import { jsonRow } from '../../src/cli/stat.js';
import {
  bucketCounterName, emptyHistogram, histogramPercentile, recordDelay, BUCKET_COUNT, HISTOGRAM_VERSION_COUNTER,
  TOTAL_COUNT_COUNTER, TOTAL_MAX_COUNTER, TOTAL_SUM_COUNTER, type LoopHistogram,
} from '../../src/runtime/loop-histogram.js';
import type { Sample } from '../../src/cli/columns.js';

const S = 1e9; // ns per second
const T0 = 1000 * S; // the writer's CLOCK_MONOTONIC at its first sample

interface Published {
  at: number; count: number; active: number; idle: number; cpuUser?: number; cpuSystem?: number;
  gc?: number; hist?: LoopHistogram; window?: { max: number; p50: number; p99: number; mean: number };
  watchdog?: { at: number; user: number; system: number };
}

/** A read of a region whose sampler last published `p` (period 1 s). */
function sample(p: Published): Sample {
  const m = new Map<string, number | string>([
    ['perfmem.kind', 'node'], ['sun.os.hrt.frequency', S], ['node.sample.period', S],
    ['node.heartbeat', p.at], ['sun.os.hrt.ticks', p.at - T0 + 5 * S], ['node.sample.count', p.count],
    ['node.eventLoop.active', p.active], ['node.eventLoop.idle', p.idle],
    ['node.cpu.user', p.cpuUser ?? 0], ['node.cpu.system', p.cpuSystem ?? 0], ['node.gc.count', p.gc ?? 0],
  ]);
  if (p.hist !== undefined) {
    m.set(HISTOGRAM_VERSION_COUNTER, 1);
    for (let i = 0; i < BUCKET_COUNT; i++) if (p.hist.counts[i]! > 0) m.set(bucketCounterName(i), p.hist.counts[i]!);
    m.set(TOTAL_COUNT_COUNTER, p.hist.count);
    m.set(TOTAL_SUM_COUNTER, p.hist.sumNs);
    m.set(TOTAL_MAX_COUNTER, p.hist.maxNs);
  }
  if (p.window !== undefined) {
    m.set('node.eventLoop.delay.max', p.window.max);
    m.set('node.eventLoop.delay.p50', p.window.p50);
    m.set('node.eventLoop.delay.p99', p.window.p99);
    m.set('node.eventLoop.delay.mean', p.window.mean);
  }
  if (p.watchdog !== undefined) {
    m.set('node.watchdog.heartbeat', p.watchdog.at);
    m.set('node.watchdog.cpu.user', p.watchdog.user);
    m.set('node.watchdog.cpu.system', p.watchdog.system);
  }
  return m;
}

function hist(delaysMs: number[]): LoopHistogram {
  const h = emptyHistogram();
  for (const d of delaysMs) recordDelay(h, d * 1e6);
  return h;
}

const eventloop = nodeOptions.find((o) => o.name === 'eventloop')!;
const cpu = nodeOptions.find((o) => o.name === 'cpu')!;
const gcOption = nodeOptions.find((o) => o.name === 'gc')!;

test('a row in which the process published nothing new prints "-", never the previous values again', () => {
  const a = sample({ at: T0, count: 1, active: 0.2 * S, idle: 0.8 * S, hist: hist([1, 1, 2]), gc: 3 });
  const b = sample({ at: T0 + S, count: 2, active: 0.7 * S, idle: 1.3 * S, hist: hist([1, 1, 2, 5, 5, 9]), gc: 7 });
  const fresh = nodeRow(b, a, T0 + 1.2 * S);
  assert.equal(fresh.fresh, true);
  assert.equal(fresh.elu, 0.5);
  assert.equal(fresh.delay.count, 3);
  // Same heartbeat again, 400 ms later (a reader faster than the period), loop not blocked.
  const again = nodeRow(b, b, T0 + 1.6 * S);
  assert.equal(again.fresh, false);
  assert.ok(Number.isNaN(again.elu));
  for (const option of [eventloop, cpu, gcOption]) {
    const line = rowLine(option.columns, { current: b, previous: b, row: again, stale: true });
    const cells = line.trim().split(/\s+/);
    assert.ok(cells.every((c) => c === '-' || c === '0'), `${option.name}: ${headerLine(option.columns)}\n${line}`);
  }
});

test('rates divide what accrued by the writer\'s interval, not the reader\'s', () => {
  // The writer published at T0 and then 3.5 s later (its loop was blocked); the reader read
  // every 0.5 s. 554 collections over 3.5 s are 158/s, not 1108/s.
  const a = sample({ at: T0, count: 1, active: 0, idle: S, gc: 10 });
  const b = sample({ at: T0 + 3.5 * S, count: 2, active: 3.4 * S, idle: 1.1 * S, gc: 564 });
  const row = nodeRow(b, a, T0 + 3.6 * S);
  assert.equal(row.mainIntervalMs, 3500);
  const json = jsonRow(gcOption.columns, { current: b, previous: a, row }, gcOption, {});
  assert.equal(Math.round(json.gcPerSec as number), 158);
});

test('while the loop is blocked, the block is folded in: delay at least its age, ELU 100%, and it grows', () => {
  const h = hist([1, 2, 1]);
  const a = sample({ at: T0, count: 1, active: 0.1 * S, idle: 0.9 * S, hist: h });
  // Reads at +2.5 s and +3.5 s with no new publication: the heartbeat's age is the block.
  assert.equal(ongoingBlockMs(a, T0 + 1.9 * S), 0, 'within two periods: not blocked');
  const r1 = nodeRow(a, a, T0 + 2.5 * S);
  assert.equal(r1.blockedMs, 2500);
  assert.equal(r1.elu, 1);
  assert.ok(r1.delay.maxMs >= 2500 && r1.delay.maxMs <= 2500 * 1.0625, String(r1.delay.maxMs));
  const a1 = withBlock(a, r1);
  const r2 = nodeRow(a, a1, T0 + 3.5 * S);
  assert.equal(r2.blockedMs, 3500);
  assert.ok(r2.delay.maxMs >= 3500, 'a loop blocked 3.5 s shows a delay of at least 3.5 s, growing from row to row');
  assert.ok(Math.abs(r2.intervalMs - 1000) < 1e-6, 'the row covers the block\'s growth only');
  // The block ends: the writer publishes its whole 2.6 s (active time and one long delay).
  const after = hist([1, 2, 1, 2600]);
  const b = sample({ at: T0 + 3.55 * S, count: 2, active: 0.1 * S + 2.7 * S, idle: 0.9 * S + 0.85 * S, hist: after });
  const r3 = nodeRow(b, withBlock(a, r2), T0 + 3.6 * S);
  assert.equal(r3.blockedMs, 0);
  assert.ok(r3.delay.maxMs >= 2000, 'the row covering the end of the block shows it whole');
  assert.ok(r3.elu >= 0 && r3.elu <= 1);
  const json = jsonRow(eventloop.columns, { current: b, previous: a, row: r3 }, eventloop, {});
  for (const key of ['elu', 'delayP50Ms', 'delayP99Ms', 'delayMaxMs', 'blockedMs']) assert.ok(key in json, key);
});

test('without the histogram (an older writer), percentiles are exact only for a row spanning one window; else "-"', () => {
  const w = { max: 7e6, p50: 1e6, p99: 6e6, mean: 2e6 };
  const a = sample({ at: T0, count: 1, active: 0, idle: S, window: w });
  const b = sample({ at: T0 + S, count: 2, active: 0.1 * S, idle: 1.9 * S, window: w });
  const c = sample({ at: T0 + 3 * S, count: 4, active: 0.3 * S, idle: 3.7 * S, window: w });
  assert.equal(nodeRow(b, a, T0 + 1.1 * S).delay.maxMs, 7);
  const two = nodeRow(c, b, T0 + 3.1 * S);
  assert.ok(Number.isNaN(two.delay.maxMs) && Number.isNaN(two.delay.p99Ms), 'two windows, one summary: no exact figure');
  assert.ok(Math.abs(two.elu - 0.1) < 1e-9, 'ELU is exact from the cumulative times');
});

test('CPU comes from the watchdog thread while it published last (main thread blocked)', () => {
  const a = sample({ at: T0, count: 1, active: 0, idle: S, cpuUser: 1 * S, cpuSystem: 0, watchdog: { at: T0 + 0.1 * S, user: 1.05 * S, system: 0 } });
  const b = sample({ at: T0, count: 1, active: 0, idle: S, cpuUser: 1 * S, cpuSystem: 0, watchdog: { at: T0 + 2.1 * S, user: 3.05 * S, system: 0 } });
  const row = nodeRow(b, a, T0 + 2.2 * S);
  assert.equal(row.cpuIntervalNs, 2 * S);
  assert.equal(row.blockedMs, 2200);
  const json = jsonRow(cpu.columns, { current: b, previous: a, row, stale: !row.fresh }, cpu, {});
  assert.equal(json.cpuPct, 100);
  assert.equal(json.userTimeS, 3.05);
});

test('property: histogram deltas between reads give the percentiles of exactly the delays in between', () => {
  fc.assert(fc.property(fc.array(fc.double({ min: 0.07, max: 60_000, noNaN: true }), { maxLength: 60 }),
    fc.array(fc.double({ min: 0.07, max: 60_000, noNaN: true }), { minLength: 1, maxLength: 60 }), (before, during) => {
      const a = sample({ at: T0, count: 1, active: 0, idle: S, hist: hist(before) });
      const b = sample({ at: T0 + S, count: 2, active: 0, idle: 2 * S, hist: hist([...before, ...during]) });
      const row = nodeRow(b, a, T0 + 1.1 * S);
      const only = hist(during);
      assert.equal(row.delay.count, during.length);
      assert.ok(Math.abs(row.delay.p50Ms - histogramPercentile(only, 50) / 1e6) <= histogramPercentile(only, 50) / 1e6 * 0.0625 + 1e-9);
      assert.ok(row.delay.maxMs >= Math.max(...during) * 0.9999);
    }));
});

test('a saved file (no reader clock): nothing is folded in, the uptime is the file\'s', () => {
  const a = sample({ at: T0, count: 1, active: 0.2 * S, idle: 0.8 * S });
  const row = nodeRow(a, undefined, NaN);
  assert.equal(row.blockedMs, 0);
  assert.equal(row.uptimeMs, 5000);
  assert.equal(row.elu, 0.2);
});
