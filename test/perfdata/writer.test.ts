import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  PerfDataWriter, parsePerfData, readHeader, locateEntries, entryGeometry, PROLOGUE_SIZE, ENTRY_HEADER_SIZE,
  type CounterInfo, type OverflowInfo,
} from '../../src/perfdata/index.js';
import { fixtureFiles } from './jdk.js';
import { reencode } from './reencode.js';

function counterOf(parsedCounters: CounterInfo[], name: string): CounterInfo {
  const c = parsedCounters.find((x) => x.name === name);
  assert.ok(c, `${name} is in the region`);
  return c;
}

for (const file of fixtureFiles()) {
  test(`golden: ${file.slice(file.lastIndexOf('/') + 1)} re-encodes to identical bytes (HotSpot's create_entry layout)`, () => {
    const bytes = new Uint8Array(readFileSync(file));
    assert.deepEqual(reencode(bytes), bytes);
  });
}

test('entry geometry follows create_entry: pad the name to the element size, round the entry to 8', () => {
  // 20-byte header + "a" + NUL = 22, padded to 24 for a long, 8 bytes of data: 32.
  assert.deepEqual(entryGeometry(1, 8, 0), { size: 32, nameOffset: 20, dataOffset: 24 });
  // 20 + 4 + 1 = 25 is already byte-aligned; 25 + 3 = 28, rounded to 32.
  assert.deepEqual(entryGeometry(4, 1, 3), { size: 32, nameOffset: 20, dataOffset: 25 });
  // An empty vector still reserves one element (dlen = vlen == 0 ? 1 : vlen).
  assert.equal(entryGeometry(3, 1, 0).size, 32);
  for (let n = 1; n < 64; n++) {
    const g = entryGeometry(n, 8, 0);
    assert.equal(g.dataOffset % 8, 0);
    assert.ok(g.dataOffset >= ENTRY_HEADER_SIZE + n + 1 && g.dataOffset < ENTRY_HEADER_SIZE + n + 1 + 8);
    assert.equal(g.size, g.dataOffset + 8);
  }
});

test('a fresh region has the prologue HotSpot initialises: host order, 2.0, not accessible, used 0', () => {
  const buf = new ArrayBuffer(4096);
  new Uint8Array(buf).fill(0xee);
  new PerfDataWriter(buf);
  const bytes = new Uint8Array(buf);
  assert.deepEqual([...bytes.subarray(0, 4)], [0xca, 0xfe, 0xc0, 0xc0]);
  const h = readHeader(buf);
  assert.equal(h.byteOrder, 'little');
  assert.equal(h.accessible, false);
  assert.equal(h.used, 0);
  assert.equal(h.numEntries, 0);
  assert.equal(h.entryOffset, PROLOGUE_SIZE);
  assert.equal(h.modTimeStamp, 0n);
  assert.ok(bytes.subarray(PROLOGUE_SIZE).every((b) => b === 0), 'the rest is zeroed');
  assert.deepEqual(parsePerfData(buf, { pseudoCounters: false }).counters, []);
});

test('each entry is complete before entry_length, used and num_entries publish it; the timestamp follows', () => {
  const buf = new ArrayBuffer(4096);
  const seen: number[] = [];
  let tick = 100n;
  const w = new PerfDataWriter(buf, {
    clock: () => {
      // Called from publish(): the entry and the counts are already in place, the stamp not yet.
      const h = readHeader(buf);
      const entries = locateEntries(buf, h);
      assert.equal(entries.length, h.numEntries);
      assert.equal(h.used, entries.length === 0 ? 0 : (entries.at(-1)!.offset + entries.at(-1)!.length));
      assert.equal(h.modTimeStamp, tick - 1n === 99n ? 0n : tick - 1n);
      assert.equal(h.accessible, entries.length > 1, 'accessible only once the first entry is in');
      seen.push(entries.length);
      return tick++;
    },
  });
  w.long('a.b', { value: 7 });
  w.string('a.s', 'hello', { variability: 'variable', maxLength: 16 });
  w.long('a.c', { units: 'bytes', variability: 'monotonic', value: -5n });
  assert.deepEqual(seen, [1, 2, 3]);
  const parsed = parsePerfData(buf, { pseudoCounters: false });
  assert.equal(parsed.header.modTimeStamp, 102n);
  assert.equal(parsed.header.accessible, true);
  assert.deepEqual(parsed.counters, [
    { name: 'a.b', type: 'long', units: 'none', variability: 'variable', supported: true, value: 7 },
    { name: 'a.s', type: 'string', units: 'string', variability: 'variable', supported: true, value: 'hello', maxLength: 16 },
    { name: 'a.c', type: 'long', units: 'bytes', variability: 'monotonic', supported: true, value: -5 },
  ]);
});

test('deferAccessible leaves the region inaccessible until setAccessible(true)', () => {
  const w = new PerfDataWriter(new ArrayBuffer(1024), { deferAccessible: true });
  w.long('d.a');
  w.string('d.b', 'x');
  assert.equal(readHeader(w.buffer).accessible, false);
  w.setAccessible(true);
  assert.equal(readHeader(w.buffer).accessible, true);
  w.setAccessible(false);
  assert.equal(readHeader(w.buffer).accessible, false);
});

test('alloc fails when top + size >= end (HotSpot\'s test), counts overflow, and warns once', () => {
  const one = entryGeometry('x.a'.length, 8, 0).size; // 32
  const overflows: OverflowInfo[] = [];
  // Room for the prologue and exactly two entries: the second would end at the very end.
  const buf = new ArrayBuffer(PROLOGUE_SIZE + 2 * one);
  const w = new PerfDataWriter(buf, { onOverflow: (info) => overflows.push(info) });
  const a = w.long('x.a', { value: 1 });
  const b = w.long('x.b', { value: 2 });
  const c = w.string('x.c', 'more', { maxLength: 8 });
  assert.equal(w.numEntries, 1);
  assert.equal(w.used, PROLOGUE_SIZE + one);
  const cSize = entryGeometry(3, 1, 8).size;
  assert.equal(w.overflow, one + cSize);
  assert.deepEqual(overflows, [{ name: 'x.b', size: one, overflow: one }]);
  const parsed = parsePerfData(buf);
  assert.equal(parsed.header.overflow, one + cSize);
  assert.equal(counterOf(parsed.counters, 'sun.perfdata.overflow').value, one + cSize);
  assert.deepEqual(parsed.counters.filter((x) => x.name.startsWith('x.')).map((x) => x.name), ['x.a']);
  // Overflowed handles keep working in private memory.
  b.add(40);
  c.set('private');
  a.inc();
  assert.equal(b.get(), 42);
  assert.equal(c.get(), 'private');
  assert.equal(counterOf(parsePerfData(buf).counters, 'x.a').value, 2);
  // With 8 bytes more, the second entry fits (top + size < end).
  const w2 = new PerfDataWriter(new ArrayBuffer(PROLOGUE_SIZE + 2 * one + 8));
  w2.long('x.a');
  w2.long('x.b');
  assert.equal(w2.overflow, 0);
  assert.equal(w2.numEntries, 2);
});

test('names: dotted ASCII identifiers; empty segments, other characters, reserved and duplicate names are refused', () => {
  const w = new PerfDataWriter(new ArrayBuffer(4096));
  for (const ok of ['sun.gc.collector.0.time', 'sun.rt._sync_Inflations', 'a', 'node.v8.heap.space.3', 'X_1.y2']) w.long(ok);
  for (const bad of ['', '.a', 'a.', 'a..b', 'a b', 'a-b', 'ü.x', 'a.b\u0000', 'a/b', 'sun.perfdata.used']) {
    assert.throws(() => w.long(bad), { code: 'ERR_PERFDATA_NAME' }, bad);
    assert.throws(() => w.string(bad, 'v'), { code: 'ERR_PERFDATA_NAME' }, bad);
  }
  assert.throws(() => w.long('sun.gc.collector.0.time'), { code: 'ERR_PERFDATA_DUPLICATE', message: /already exists/ });
  assert.throws(() => w.string('a', 'x'), { code: 'ERR_PERFDATA_DUPLICATE' });
  assert.equal(w.numEntries, 5, 'refused names allocate nothing');
});

test('arguments: units, variability, values and lengths are checked with coded errors', () => {
  const w = new PerfDataWriter(new ArrayBuffer(4096));
  assert.throws(() => w.long('a', { units: 'meters' as never }), { code: 'ERR_PERFDATA_ARGUMENT' });
  assert.throws(() => w.long('b', { variability: 'sometimes' as never }), { code: 'ERR_PERFDATA_ARGUMENT' });
  assert.throws(() => w.long('c', { value: 1.5 }), { code: 'ERR_PERFDATA_ARGUMENT' });
  assert.throws(() => w.long('d', { value: 2 ** 60 }), { code: 'ERR_PERFDATA_ARGUMENT', message: /bigint/ });
  assert.throws(() => w.long('e', { value: 1n << 63n }), { code: 'ERR_PERFDATA_ARGUMENT' });
  assert.throws(() => w.string('f', 'x', { variability: 'monotonic' as never }), { code: 'ERR_PERFDATA_ARGUMENT' });
  assert.throws(() => w.string('g', 'x', { maxLength: 0 }), { code: 'ERR_PERFDATA_ARGUMENT' });
  assert.throws(() => new PerfDataWriter(new ArrayBuffer(30)), { code: 'ERR_PERFDATA_BUFFER' });
  assert.throws(() => new PerfDataWriter(new ArrayBuffer(4100)), { code: 'ERR_PERFDATA_BUFFER' });
  assert.equal(w.numEntries, 0);
});

test('string defaults: a constant takes its UTF-8 length + 1 (at most 1025), a variable at least 256', () => {
  const w = new PerfDataWriter(new ArrayBuffer(8192));
  assert.equal(w.string('s.a', 'héllo').maxLength, 7);
  assert.equal(w.string('s.b', 'x'.repeat(3000)).maxLength, 1025);
  assert.equal(w.string('s.c', 'x'.repeat(3000)).get().length, 1024);
  assert.equal(w.string('s.d', '', { variability: 'variable' }).maxLength, 256);
  assert.equal(w.string('s.e', '').maxLength, 1);
  const parsed = parsePerfData(w.buffer, { pseudoCounters: false });
  assert.deepEqual(parsed.counters.map((c) => c.type === 'string' ? [c.value.length, c.maxLength] : []), [[5, 7], [1024, 1025], [1024, 1025], [0, 256], [0, 1]]);
});

test('close() moves every handle to private memory with its value; the buffer is left alone', () => {
  const buf = new ArrayBuffer(4096);
  const w = new PerfDataWriter(buf);
  const n = w.long('c.n', { value: 10 });
  const s = w.string('c.s', 'before', { variability: 'variable', maxLength: 32 });
  n.add(5);
  w.close();
  assert.equal(w.closed, true);
  const snapshot = new Uint8Array(buf).slice();
  n.inc();
  n.add(2n ** 40n);
  s.set('after');
  const late = w.long('c.late', { value: 3 });
  late.inc();
  w.setAccessible(false);
  assert.deepEqual(new Uint8Array(buf), snapshot, 'nothing written to the region after close');
  assert.equal(n.get(), 16 + 2 ** 40);
  assert.equal(s.get(), 'after');
  assert.equal(late.get(), 4);
  assert.equal(w.counter('c.n'), n);
  assert.deepEqual(w.names(), ['c.n', 'c.s', 'c.late']);
});
