import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ProcessSummary } from '../../src/monitor/types.js';
import { describeState, groupByApp, Ring, shortFrame } from '../../src/web/model.js';

function proc(pid: number, app: string, over: Partial<ProcessSummary> = {}, cpu: number | null = 0.1): ProcessSummary {
  return {
    pid, ppid: 1, user: 'u', runtime: 'node', app, command: 'x.js', vmArgs: '', runtimeVersion: 'v20', startTimeMs: 0, path: '/tmp/x',
    state: 'running', blockedMs: 0, sampledAtMs: 0,
    gauges: { rssBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1, heapLimitBytes: 1, handles: 1, threads: 1, uptimeSeconds: 1 },
    rates: { intervalSeconds: 1, cpu, cpuUser: null, cpuSystem: null, gcPerSecond: null, gcTimeRatio: null, loopDelayP50Ms: null, loopDelayP99Ms: null, loopDelayMaxMs: null, elu: null },
    ...over,
  } as ProcessSummary;
}

test('groupByApp: the cluster primary leads its workers; groups follow their busiest member', () => {
  const list = [
    proc(10, 'api', {}, 0.01), proc(11, 'api', { ppid: 10, worker: '1' }, 0.9), proc(12, 'api', { ppid: 10, worker: '2' }, 0.5),
    proc(20, 'batch', {}, 0.3), proc(30, 'jvm', { runtime: 'jvm' }, null),
  ];
  const groups = groupByApp(list, { key: 'cpu', descending: true });
  assert.deepEqual(groups.map((g) => g.app), ['api', 'batch', 'jvm']);
  assert.deepEqual(groups[0]!.processes.map((p) => p.pid), [10, 11, 12]);
  assert.ok(Math.abs(groups[0]!.cpu! - 1.41) < 1e-9);
  assert.equal(groups[2]!.cpu, null);
  const byPid = groupByApp(list, { key: 'pid', descending: true });
  assert.deepEqual(byPid.map((g) => g.app), ['jvm', 'batch', 'api']);
});

test('describeState says where and how long a loop is blocked', () => {
  assert.equal(describeState(proc(1, 'a', { state: 'blocked', blockedMs: 3200, blockedIn: 'spin (app.js:12)' })), 'blocked for 3.2 s in spin (app.js:12)');
  assert.equal(describeState(proc(1, 'a', { state: 'blocked', blockedMs: 75_000 })), 'blocked for 1m 15s');
  assert.equal(describeState(proc(1, 'a', { state: 'gone' })), 'gone');
  const deep = proc(1, 'a', { state: 'blocked', blockedMs: 1000, blockedIn: 'spin (file:///srv/a (1)/lib/x.js:7)' });
  assert.equal(describeState(deep, true), 'blocked for 1.0 s in spin (x.js:7)');
  assert.equal(shortFrame('(anonymous) (node:internal/x:3)'), '(anonymous) (x:3)');
  assert.equal(shortFrame('no frame'), 'no frame');
  assert.equal(shortFrame('f (C:\\app\\y.js:1)'), 'f (y.js:1)');
});

test('Ring keeps the last `capacity` values in order (like Array#slice(-n))', () => {
  fc.assert(fc.property(fc.array(fc.option(fc.double({ noNaN: true }), { nil: null })), fc.integer({ min: 1, max: 20 }), (values, cap) => {
    const r = new Ring(cap);
    for (const v of values) r.push(v);
    const want = values.slice(-cap);
    assert.equal(r.length, want.length);
    want.forEach((v, i) => (v === null ? assert.ok(Number.isNaN(r.at(i))) : assert.equal(r.at(i), v)));
  }));
});
