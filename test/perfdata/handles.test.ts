import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import fc from 'fast-check';
import { PerfDataWriter, parsePerfData, type LongValue } from '../../src/perfdata/index.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function regionValue(buf: ArrayBufferLike, name: string): unknown {
  return parsePerfData(buf, { pseudoCounters: false }).counters.find((c) => c.name === name)?.value;
}

test('inc() carries into the high word; get() turns to bigint beyond the safe range', () => {
  const w = new PerfDataWriter(new ArrayBuffer(1024));
  const c = w.long('h.c', { value: 0xfffffffe });
  c.inc();
  assert.equal(c.get(), 0xffffffff);
  c.inc();
  assert.equal(c.get(), 2 ** 32);
  assert.equal(regionValue(w.buffer, 'h.c'), 2 ** 32);
  c.set(Number.MAX_SAFE_INTEGER);
  assert.equal(c.get(), Number.MAX_SAFE_INTEGER);
  c.inc();
  assert.equal(c.get(), 2n ** 53n);
  assert.equal(typeof c.get(), 'bigint');
  c.set(INT64_MAX);
  c.inc();
  assert.equal(c.get(), INT64_MIN, 'wraps like a Java long');
  c.set(-1);
  c.inc();
  assert.equal(c.get(), 0);
  c.set(-(2 ** 32));
  assert.equal(c.get(), -(2 ** 32));
  assert.equal(c.getBigInt(), -(2n ** 32n));
});

test('set() and add() accept numbers and bigints: a property over the whole 64-bit range', () => {
  const w = new PerfDataWriter(new ArrayBuffer(1024));
  const c = w.long('h.p');
  const int64 = fc.bigInt(INT64_MIN, INT64_MAX);
  const edges = [0n, 1n, -1n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n - 1n), -(2n ** 53n), INT64_MAX, INT64_MIN];
  const edge = fc.constantFrom(...edges).chain((e) => fc.integer({ min: -2, max: 2 }).map((d) => BigInt.asIntN(64, e + BigInt(d))));
  const value: fc.Arbitrary<LongValue> = fc.oneof(int64, edge, edge.map((e) => Number(e)).filter(Number.isSafeInteger),
    fc.maxSafeInteger(), fc.integer({ min: -5, max: 2 ** 32 + 5 }));
  fc.assert(fc.property(value, value, (a, b) => {
    c.set(a);
    const expectA = BigInt.asIntN(64, BigInt(a));
    assert.equal(c.getBigInt(), expectA);
    c.add(b);
    const sum = BigInt.asIntN(64, expectA + BigInt(b));
    assert.equal(c.getBigInt(), sum);
    const got = c.get();
    assert.equal(typeof got, sum >= BigInt(Number.MIN_SAFE_INTEGER) && sum <= BigInt(Number.MAX_SAFE_INTEGER) ? 'number' : 'bigint');
    assert.equal(BigInt(got), sum);
    assert.equal(BigInt(regionValue(w.buffer, 'h.p') as LongValue), sum, 'the reader sees the same value');
  }), { numRuns: 2000 });
});

test('out-of-range numbers never throw on the hot path: truncated, NaN as 0, clamped', () => {
  const w = new PerfDataWriter(new ArrayBuffer(1024));
  const c = w.long('h.n');
  c.set(2.9);
  assert.equal(c.get(), 2);
  c.set(NaN);
  assert.equal(c.get(), 0);
  c.set(Infinity);
  assert.equal(c.get(), INT64_MAX);
  c.set(-1e300);
  assert.equal(c.get(), INT64_MIN);
  c.set(0);
  c.add(-2.5);
  assert.equal(c.get(), -2);
});

test('add() from worker threads mapping the same memory loses nothing, across carries', async () => {
  const buffer = new SharedArrayBuffer(4096);
  const w = new PerfDataWriter(buffer);
  const c = w.long('h.shared', { variability: 'monotonic', units: 'events', value: 0xffffff00 });
  const rounds = 20000;
  const url = new URL('../fixtures/perfdata-adder.js', import.meta.url);
  const workers = [0, 1, 2].map(() => new Worker(url, { workerData: { buffer, name: 'h.shared', rounds } }));
  for (let i = 0; i < rounds; i++) c.add(3);
  await Promise.all(workers.map((wk) => once(wk, 'message')));
  await Promise.all(workers.map((wk) => wk.terminate()));
  // Each worker round adds 1 + 0xfffffff0 - 0xfffffff0 + 2 = 3.
  assert.equal(c.get(), 0xffffff00 + 4 * 3 * rounds);
});

/** Where the value of a first string counter named 'h.s' starts: the prologue, the entry header, the name and its NUL. */
const STRING_DATA_AT = 32 + 20 + 'h.s'.length + 1;

test('strings truncate to maxLength - 1 bytes at a UTF-8 boundary and NUL-fill the rest', () => {
  const buf = new ArrayBuffer(1024);
  const w = new PerfDataWriter(buf);
  const s = w.string('h.s', 'x'.repeat(20), { variability: 'variable', maxLength: 8 });
  assert.equal(s.get(), 'xxxxxxx');
  s.set('ab€'); // 2 + 3 bytes
  assert.equal(s.get(), 'ab€');
  s.set('abcde€'); // the euro sign would straddle the 7-byte limit: dropped whole
  assert.equal(s.get(), 'abcde');
  s.set('😀😀'); // 4 + 4 bytes: only one fits
  assert.equal(s.get(), '😀');
  s.set('abcdefg');
  s.set('ab\0cd'); // a NUL ends a C string: nothing after it is stored
  assert.equal(s.get(), 'ab');
  assert.deepEqual([...new Uint8Array(buf, STRING_DATA_AT, 8)], [0x61, 0x62, 0, 0, 0, 0, 0, 0]);
  s.set('');
  assert.equal(s.get(), '');
  const entry = parsePerfData(buf, { pseudoCounters: false }).counters[0];
  assert.ok(entry !== undefined && entry.type === 'string');
  assert.equal(entry.value, '');
  // strncpy semantics: every byte of the field after the value is zero.
  assert.ok(new Uint8Array(buf, STRING_DATA_AT, 8).every((b) => b === 0));
});

test('set() stores exactly what TextEncoder.encodeInto() of the C string stores, for any text and length (its ASCII path is byte for byte)', () => {
  const encoder = new TextEncoder();
  // ASCII, the bytes just past it (Latin-1: two UTF-8 bytes each), and any code point.
  const near = fc.integer({ min: 0, max: 0x3ff }).map((c) => String.fromCharCode(c));
  const text = fc.oneof(fc.string({ unit: near }), fc.string({ unit: 'grapheme-ascii' }), fc.string({ unit: 'binary' }));
  fc.assert(fc.property(text, text, fc.integer({ min: 1, max: 40 }), (before, value, maxLength) => {
    const w = new PerfDataWriter(new ArrayBuffer(1024));
    const s = w.string('h.s', before, { variability: 'variable', maxLength });
    s.set(value);
    const field = new Uint8Array(maxLength);
    const nul = value.indexOf('\0');
    encoder.encodeInto(nul === -1 ? value : value.slice(0, nul), field.subarray(0, maxLength - 1));
    const stored = parsePerfData(w.buffer, { pseudoCounters: false }).counters[0];
    assert.ok(stored !== undefined && stored.type === 'string');
    assert.deepEqual([...new Uint8Array(w.buffer, STRING_DATA_AT, maxLength)], [...field]);
  }));
});
