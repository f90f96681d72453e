import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loopStatus } from '../../src/runtime/loop-status.js';
import type { CounterInfo } from '../../src/perfdata/types.js';

const long = (name: string, value: number | bigint): CounterInfo =>
  ({ name, type: 'long', units: 'ticks', variability: 'variable', supported: true, value });

const SECOND = 1_000_000_000;

test('a fresh heartbeat is running, an old one is blocked for its age', () => {
  const counters = [long('node.heartbeat', 100n * BigInt(SECOND)), long('node.sample.period', SECOND), long('sun.os.hrt.frequency', SECOND)];
  assert.deepEqual(loopStatus(counters, 100n * BigInt(SECOND) + 500_000_000n),
    { state: 'running', heartbeatAgeMs: 500, periodMs: 1000, blockedForMs: 0 });
  assert.deepEqual(loopStatus(counters, 107n * BigInt(SECOND)),
    { state: 'blocked', heartbeatAgeMs: 7000, periodMs: 1000, blockedForMs: 7000 });
  // Exactly three periods is still running; the threshold is configurable.
  assert.equal(loopStatus(counters, 103n * BigInt(SECOND)).state, 'running');
  assert.equal(loopStatus(counters, 103n * BigInt(SECOND), { periods: 2 }).state, 'blocked');
  assert.equal(loopStatus(counters, 104n * BigInt(SECOND), { minBlockedMs: 5000 }).state, 'running');
});

test('the three counter sources agree', () => {
  const list = [long('node.heartbeat', 5 * SECOND), long('node.sample.period', SECOND / 10)];
  const map = new Map(list.map((c) => [c.name, c.value] as const));
  const now = 6 * SECOND;
  const expected = { state: 'blocked', heartbeatAgeMs: 1000, periodMs: 100, blockedForMs: 1000 };
  assert.deepEqual(loopStatus(list, now), expected);
  assert.deepEqual(loopStatus(map, now), expected);
  assert.deepEqual(loopStatus((name) => map.get(name), now), expected);
});

test('no heartbeat (a JVM, or not yet sampled) is unknown; a clock behind the writer is age 0', () => {
  const unknown = { state: 'unknown', heartbeatAgeMs: 0, periodMs: 0, blockedForMs: 0 };
  assert.deepEqual(loopStatus([long('sun.os.hrt.frequency', SECOND)], 5n), unknown);
  assert.deepEqual(loopStatus([long('node.heartbeat', 0), long('node.sample.period', SECOND)], 5n), unknown);
  assert.deepEqual(loopStatus(new Map<string, string | number>([['node.heartbeat', 'text'], ['node.sample.period', SECOND]]), 5n), unknown);
  assert.equal(loopStatus([long('node.heartbeat', 10 * SECOND), long('node.sample.period', SECOND)], SECOND).heartbeatAgeMs, 0);
});

test('property: blocked exactly when the age passes the threshold, and age is never negative', () => {
  fc.assert(fc.property(
    fc.bigInt({ min: 1n, max: 1n << 60n }), fc.integer({ min: 1, max: 3600 * SECOND }), fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }),
    fc.integer({ min: 1, max: 10 }), fc.constantFrom(1e9, 1e6, 1e3),
    (heartbeat, period, delta, periods, frequency) => {
      const s = loopStatus([long('node.heartbeat', heartbeat), long('node.sample.period', period), long('sun.os.hrt.frequency', frequency)],
        heartbeat + delta, { periods });
      assert.ok(s.heartbeatAgeMs >= 0);
      assert.ok(Math.abs(s.periodMs - period / (frequency / 1000)) < 1e-6 * s.periodMs);
      assert.equal(s.state, s.heartbeatAgeMs > periods * s.periodMs ? 'blocked' : 'running');
      assert.equal(s.blockedForMs, s.state === 'blocked' ? s.heartbeatAgeMs : 0);
    }), { numRuns: 3000 });
});
