import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BUCKET_COUNT, bucketIndex, bucketLowerBound, bucketUpperBound, emptyHistogram, histogramDelta, histogramPercentile,
  mergeHistograms, readLoopHistogram, recordDelay, bucketCounterName, HISTOGRAM_VERSION_COUNTER, TOTAL_COUNT_COUNTER,
  TOTAL_MAX_COUNTER, TOTAL_SUM_COUNTER, type LoopHistogram,
} from '../../src/runtime/loop-histogram.js';

test('buckets tile [0, +Inf) without gaps, and each value falls in its own bucket', () => {
  assert.equal(bucketLowerBound(0), 0);
  for (let i = 0; i < BUCKET_COUNT - 1; i++) assert.equal(bucketUpperBound(i), bucketLowerBound(i + 1));
  assert.equal(bucketUpperBound(BUCKET_COUNT - 1), Infinity);
  fc.assert(fc.property(fc.double({ min: 0, max: 2 ** 40, noNaN: true }), (ns) => {
    const i = bucketIndex(ns);
    assert.ok(ns >= bucketLowerBound(i) && ns < bucketUpperBound(i), `${ns} in bucket ${i}`);
  }));
  assert.equal(bucketIndex(-5), 0);
  assert.equal(bucketIndex(NaN), 0);
});

/** Nearest-rank percentile of raw values. */
function rawPercentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

function asCounters(h: LoopHistogram): Map<string, number> {
  const m = new Map<string, number>([[HISTOGRAM_VERSION_COUNTER, 1], [TOTAL_COUNT_COUNTER, h.count], [TOTAL_SUM_COUNTER, h.sumNs], [TOTAL_MAX_COUNTER, h.maxNs]]);
  h.counts.forEach((n, i) => { if (n > 0) m.set(bucketCounterName(i), n); });
  return m;
}

test('deltas of cumulative reads give the raw percentiles of the interval within 6.25% from 1 ms to 60 s', () => {
  const delay = fc.double({ min: 1e6, max: 60e9, noNaN: true });
  fc.assert(fc.property(fc.array(delay, { maxLength: 50 }), fc.array(delay, { minLength: 1, maxLength: 200 }),
    fc.constantFrom(50, 90, 99, 100), (before, during, p) => {
      const live = emptyHistogram();
      for (const v of before) recordDelay(live, v);
      const first = readLoopHistogram((n) => asCounters(live).get(n))!;
      for (const v of during) recordDelay(live, v);
      const second = readLoopHistogram((n) => asCounters(live).get(n))!;
      const d = histogramDelta(second, first);
      assert.equal(d.count, during.length);
      const truth = rawPercentile(during, p);
      const got = histogramPercentile(d, p);
      assert.ok(Math.abs(got - truth) <= truth * 0.0625 + 1e-6, `p${p}: ${got} vs ${truth}`);
    }));
});

test('merged histograms give the percentiles of the union', () => {
  const delay = fc.double({ min: 1e6, max: 60e9, noNaN: true });
  fc.assert(fc.property(fc.array(fc.array(delay, { minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 5 }), (parts) => {
    const hs = parts.map((vs) => { const h = emptyHistogram(); vs.forEach((v) => recordDelay(h, v)); return h; });
    const m = mergeHistograms(hs);
    const all = parts.flat();
    const truth = rawPercentile(all, 99);
    assert.ok(Math.abs(histogramPercentile(m, 99) - truth) <= truth * 0.0625 + 1e-6);
    assert.equal(m.maxNs, Math.max(...all));
  }));
});

test('a region without the histogram, or of another version, reads as undefined; hostile values as 0', () => {
  assert.equal(readLoopHistogram(() => undefined), undefined);
  assert.equal(readLoopHistogram((n) => (n === HISTOGRAM_VERSION_COUNTER ? 2 : 0)), undefined);
  const h = readLoopHistogram((n) => (n === HISTOGRAM_VERSION_COUNTER ? 1n : n === TOTAL_COUNT_COUNTER ? -7 : NaN))!;
  assert.equal(h.count, 0);
  assert.equal(histogramPercentile(h, 99), 0);
});
