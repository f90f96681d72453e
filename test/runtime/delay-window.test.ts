import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DelayWindow } from '../../src/runtime/collectors/delay-window.js';
import { windowCapacity } from '../../src/runtime/collectors/event-loop.js';

/** The textbook definitions, over a plain sorted copy. */
function reference(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const rank = (p: number) => sorted[Math.min(n, Math.max(1, Math.ceil((p / 100) * n))) - 1]!;
  return {
    min: sorted[0]!, max: sorted[n - 1]!, mean,
    stddev: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / n),
    p50: rank(50), p90: rank(90), p99: rank(99),
  };
}

test('an empty window reads as zeros', () => {
  const w = new DelayWindow(4);
  assert.deepEqual([w.count, w.min, w.max, w.mean, w.stddev, w.percentile(50), w.percentile(99)], [0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => new DelayWindow(0), RangeError);
});

test('known values: nearest-rank percentiles', () => {
  const w = new DelayWindow(16);
  for (const v of [50, 10, 40, 20, 30, 100, 60, 70, 80, 90]) w.record(v);
  assert.equal(w.count, 10);
  assert.equal(w.min, 10);
  assert.equal(w.max, 100);
  assert.equal(w.mean, 55);
  assert.equal(w.percentile(50), 50);
  assert.equal(w.percentile(90), 90);
  assert.equal(w.percentile(99), 100);
  w.reset();
  w.record(7);
  assert.deepEqual([w.count, w.min, w.max, w.percentile(50)], [1, 7, 7, 7]);
});

test('property: matches the reference while within capacity, across resets', () => {
  const value = fc.integer({ min: 0, max: 3_600_000_000_000 });
  fc.assert(fc.property(fc.array(fc.array(value, { minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 4 }), (windows) => {
    const w = new DelayWindow(200);
    for (const values of windows) {
      for (const v of values) w.record(v);
      const ref = reference(values);
      assert.equal(w.count, values.length);
      assert.equal(w.min, ref.min);
      assert.equal(w.max, ref.max);
      assert.ok(Math.abs(w.mean - ref.mean) <= 1e-9 * Math.max(1, ref.max));
      assert.ok(Math.abs(w.stddev - ref.stddev) <= 1e-6 * Math.max(1, ref.max), `stddev ${w.stddev} vs ${ref.stddev}`);
      assert.equal(w.percentile(50), ref.p50);
      assert.equal(w.percentile(90), ref.p90);
      assert.equal(w.percentile(99), ref.p99);
      w.reset();
    }
  }), { numRuns: 1000 });
});

test('property: beyond capacity, count/min/max/mean stay exact and percentiles come from kept values', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 50 }), (values, capacity) => {
    const w = new DelayWindow(capacity);
    for (const v of values) w.record(v);
    const ref = reference(values);
    assert.equal(w.count, values.length);
    assert.equal(w.min, ref.min);
    assert.equal(w.max, ref.max);
    const kept = reference(values.slice(0, capacity));
    assert.equal(w.percentile(50), kept.p50);
    assert.ok(w.percentile(99) <= w.max && w.percentile(50) >= w.min);
  }), { numRuns: 1000 });
});

test('window capacity covers a period of firings with slack, bounded', () => {
  assert.equal(windowCapacity(1000, 50), 56);
  assert.equal(windowCapacity(1000, 1), 2016);
  assert.equal(windowCapacity(3_600_000, 1), 65_536);
  fc.assert(fc.property(fc.integer({ min: 10, max: 3_600_000 }), fc.integer({ min: 1, max: 10_000 }), (period, resolution) => {
    const c = windowCapacity(period, resolution);
    assert.ok(Number.isInteger(c) && c >= 16 && c <= 65_536);
    assert.ok(c >= Math.min(65_536, period / resolution));
  }));
});
