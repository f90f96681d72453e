/**
 * The monitor's counter table and what it derives once per layout, checked against the plain
 * code they replace: a table behaves as the Map countersOf builds (same entries, same order),
 * reused layouts give what fresh ones give, the histogram read by slot is readLoopHistogram's,
 * and the one-pass percentiles are histogramPercentile's (property tests).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CounterTable, tableOf } from '../../src/monitor/counter-table.js';
import { countersOf, loopHistogramOf } from '../../src/monitor/reading.js';
import { percentiles } from '../../src/monitor/rates.js';
import type { CounterInfo } from '../../src/perfdata/types.js';
import {
  BUCKET_COUNT, bucketCounterName, emptyHistogram, histogramPercentile, HISTOGRAM_VERSION_COUNTER, readLoopHistogram, recordDelay,
  TOTAL_COUNT_COUNTER, TOTAL_MAX_COUNTER, TOTAL_SUM_COUNTER,
} from '../../src/runtime/loop-histogram.js';

const info = (name: string, value: number | bigint | string): CounterInfo => (typeof value === 'string'
  ? { name, type: 'string', units: 'string', variability: 'variable', supported: true, value, maxLength: 64 }
  : { name, type: 'long', units: 'none', variability: 'variable', supported: true, value });

/** Few names, so that lists repeat names and successive lists share layouts. */
const name = fc.constantFrom('a', 'b', 'c', 'node.heartbeat', '__proto__', 'sun.os.hrt.frequency', bucketCounterName(3), 'x.y');
const value = fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.string({ maxLength: 4 }));
const list = fc.array(fc.tuple(name, value).map(([n, v]) => info(n, v)), { maxLength: 12 });

function assertSameMap(table: CounterTable, map: Map<string, number | string>): void {
  assert.equal(table.size, map.size);
  assert.deepEqual([...table], [...map]);
  assert.deepEqual([...table.entries()], [...map.entries()]);
  assert.deepEqual([...table.keys()], [...map.keys()]);
  assert.deepEqual([...table.values()], [...map.values()]);
  const seen: [string, number | string][] = [];
  table.forEach((v, k, m) => { assert.equal(m, table); seen.push([k, v]); });
  assert.deepEqual(seen, [...map]);
  for (const n of [...map.keys(), 'missing', 'constructor']) {
    assert.equal(table.get(n), map.get(n));
    assert.equal(table.has(n), map.has(n));
  }
}

test('a table is the Map countersOf builds, names listed twice included (property)', () => {
  fc.assert(fc.property(list, (l) => assertSameMap(tableOf(l, undefined), countersOf(l))));
});

test('a layout is kept while the names stay, and a table on a kept layout is what a fresh one is (property)', () => {
  fc.assert(fc.property(fc.array(list, { minLength: 1, maxLength: 6 }), (reads) => {
    let table: CounterTable | undefined;
    let names: string | undefined;
    for (const l of reads) {
      const next = tableOf(l, table?.layout);
      const now = JSON.stringify(l.map((c) => c.name));
      assert.equal(next.layout === table?.layout, now === names);
      assertSameMap(next, countersOf(l));
      table = next;
      names = now;
    }
  }));
});

test('the loop histogram read by slot is readLoopHistogram\'s: lazily declared buckets, hostile values, other versions (property)', () => {
  const entry = fc.oneof(fc.nat({ max: 1e12 }), fc.integer({ min: -1e6, max: -1 }), fc.constant('7'), fc.constant(2 ** 60));
  const region = fc.record({
    version: fc.constantFrom(1, 1, 1, 2, '1', undefined),
    buckets: fc.dictionary(fc.nat({ max: BUCKET_COUNT + 3 }).map(String), entry, { maxKeys: 40 }),
    count: fc.option(entry), sum: fc.option(entry), max: fc.option(entry),
    extra: fc.array(fc.constantFrom('node.eventLoop.delay.bucket.007', 'node.eventLoop.delay.bucket.', 'node.eventLoop.delay.bucket.1e1', 'node.heartbeat'), { maxLength: 3 }),
  });
  fc.assert(fc.property(region, fc.boolean(), (r, shuffle) => {
    const l: CounterInfo[] = [];
    if (r.version !== undefined) l.push(info(HISTOGRAM_VERSION_COUNTER, r.version));
    for (const [i, v] of Object.entries(r.buckets)) l.push(info(bucketCounterName(Number(i)), v));
    if (r.count !== null) l.push(info(TOTAL_COUNT_COUNTER, r.count));
    if (r.sum !== null) l.push(info(TOTAL_SUM_COUNTER, r.sum));
    if (r.max !== null) l.push(info(TOTAL_MAX_COUNTER, r.max));
    for (const n of r.extra) l.push(info(n, 5));
    if (shuffle) l.reverse();
    const map = countersOf(l);
    assert.deepEqual(loopHistogramOf(tableOf(l, undefined)), readLoopHistogram((n) => map.get(n)));
    assert.deepEqual(loopHistogramOf(map), readLoopHistogram((n) => map.get(n)));
  }));
});

test('percentiles in one pass are histogramPercentile\'s, to the bit (property)', () => {
  const delays = fc.array(fc.oneof(fc.double({ min: 0, max: 1e11, noNaN: true }), fc.integer({ min: 0, max: 5e6 })), { maxLength: 60 });
  const ps = fc.uniqueArray(fc.double({ min: 0.001, max: 100, noNaN: true }), { minLength: 1, maxLength: 5 }).map((a) => a.sort((x, y) => x - y));
  fc.assert(fc.property(delays, ps, fc.option(fc.double({ min: 0, max: 1e11, noNaN: true })), (ds, p, max) => {
    const h = emptyHistogram();
    for (const d of ds) recordDelay(h, d);
    if (max !== null) h.maxNs = max; // a delta's max need not be a recorded delay's
    assert.deepEqual(percentiles(h, p), p.map((x) => histogramPercentile(h, x)));
  }));
});
