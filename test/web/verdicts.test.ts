import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryPoint, ProcessSummary } from '../../src/monitor/types.js';
import { heapGrowth, verdicts } from '../../src/web/verdicts.js';

const rates = { intervalSeconds: 1, cpu: 0.1, cpuUser: 0.1, cpuSystem: 0, gcPerSecond: 0, gcTimeRatio: 0, loopDelayP50Ms: 1, loopDelayP99Ms: 2, loopDelayMaxMs: 3, elu: 0.1 };
const gauges = { rssBytes: 1e8, heapUsedBytes: 5e7, heapTotalBytes: 6e7, heapLimitBytes: 4e9, handles: 1, threads: 1, uptimeSeconds: 100 };

function summary(over: Partial<ProcessSummary> = {}): ProcessSummary {
  return { pid: 1, user: 'u', runtime: 'node', app: 'a', command: 'a.js', vmArgs: '', runtimeVersion: 'v20', startTimeMs: 0, path: '/x', state: 'running', blockedMs: 0, sampledAtMs: 0, gauges, rates, ...over } as ProcessSummary;
}

function history(n: number, f: (i: number) => { rates?: Partial<typeof rates>; heap?: number }): HistoryPoint[] {
  return Array.from({ length: n }, (_, i) => {
    const x = f(i);
    return { atMs: 1_000_000 + i * 1000, state: 'running', blockedMs: 0, gauges: { ...gauges, heapUsedBytes: x.heap ?? gauges.heapUsedBytes }, rates: { ...rates, ...x.rates } } as HistoryPoint;
  });
}

const ids = (v: { id: string }[]) => v.map((x) => x.id).sort();

test('a healthy process has no verdict', () => {
  assert.deepEqual(verdicts(summary(), history(300, () => ({}))), []);
});

test('clinic doctor thresholds: median delay >= 10 ms, or a delay >= 100 ms', () => {
  assert.deepEqual(ids(verdicts(summary(), history(60, () => ({ rates: { loopDelayP50Ms: 12 } })))), ['loop-median']);
  assert.deepEqual(ids(verdicts(summary(), history(60, () => ({ rates: { loopDelayP50Ms: 9.9 } })))), []);
  assert.deepEqual(ids(verdicts(summary(), history(60, (i) => ({ rates: { loopDelayMaxMs: i === 30 ? 150 : 3 } })))), ['loop-max']);
  // Older than the last minute: no longer reported.
  assert.deepEqual(ids(verdicts(summary(), history(200, (i) => ({ rates: { loopDelayMaxMs: i === 10 ? 150 : 3 } })))), []);
});

test('blocked now: says where', () => {
  const v = verdicts(summary({ state: 'blocked', blockedMs: 2500, blockedIn: 'spin (a.js:3)' }), history(5, () => ({})));
  assert.equal(v[0]!.id, 'blocked');
  assert.match(v[0]!.title, /blocked for 2\.50 s in spin \(a\.js:3\)/);
});

test('heap growing: the post-GC floor rises minute after minute', () => {
  // A sawtooth whose floor rises 2 MB a minute for 5 minutes.
  const rising = history(300, (i) => ({ heap: 5e7 + Math.floor(i / 60) * 2e6 + (i % 20) * 1e6 }));
  const g = heapGrowth(rising);
  assert.ok(g, 'growth found');
  assert.ok(g.minutes >= 3);
  assert.ok(ids(verdicts(summary(), rising)).includes('heap-growing'));
  // The same sawtooth with a flat floor: no verdict.
  const flat = history(300, (i) => ({ heap: 5e7 + (i % 20) * 1e6 }));
  assert.equal(heapGrowth(flat), null);
  // Growth for only two minutes is not yet a trend.
  assert.equal(heapGrowth(history(150, (i) => ({ heap: 5e7 + Math.floor(i / 60) * 2e6 }))), null);
});

test('heap near its limit, GC time, saturated loop', () => {
  assert.ok(ids(verdicts(summary({ gauges: { ...gauges, heapUsedBytes: 3.9e9 } }), [])).includes('heap-limit'));
  assert.deepEqual(ids(verdicts(summary(), history(60, () => ({ rates: { gcTimeRatio: 0.2 } })))), ['gc-time']);
  assert.deepEqual(ids(verdicts(summary(), history(60, () => ({ rates: { elu: 0.95 } })))), ['elu']);
});
