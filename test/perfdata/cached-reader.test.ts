import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { allocatedLength, locateEntries, PerfDataReader, PerfDataWriter, parsePerfData, PerfDataError, type LongCounter, type StringCounter } from '../../src/perfdata/index.js';
import { fixtureFiles } from './jdk.js';
import { parseWithoutCache } from '../../src/perfdata/reader.js';

test('PerfDataReader follows a region as it grows and changes, always agreeing with parsePerfData', () => {
  type Op = { kind: 'long'; value: bigint } | { kind: 'string'; value: string } | { kind: 'bump'; which: number; by: number } | { kind: 'say'; which: number; value: string } | { kind: 'read' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('long' as const), value: fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n) }),
    fc.record({ kind: fc.constant('string' as const), value: fc.string({ maxLength: 12 }) }),
    fc.record({ kind: fc.constant('bump' as const), which: fc.nat(), by: fc.integer({ min: -1000, max: 1 << 30 }) }),
    fc.record({ kind: fc.constant('say' as const), which: fc.nat(), value: fc.string({ unit: 'binary', maxLength: 20 }) }),
    fc.constant({ kind: 'read' as const }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 64, max: 2048 }), (ops, kib8) => {
    const w = new PerfDataWriter(new ArrayBuffer(kib8 * 8));
    const reader = new PerfDataReader();
    // A view's reader: trusts an unchanged prologue (the writer only appends, bumping it).
    const trusting = new PerfDataReader({ trustUnchangedPrologue: true });
    const longs: LongCounter[] = [];
    const strings: StringCounter[] = [];
    let n = 0;
    const check = (): void => {
      const full = parseWithoutCache(w.buffer);
      assert.deepEqual(reader.read(w.buffer), full);
      assert.deepEqual(trusting.read(w.buffer), full);
      // As a view reads it: only the allocated bytes, the region's size reported.
      assert.deepEqual(trusting.read(new Uint8Array(w.buffer, 0, allocatedLength(new Uint8Array(w.buffer), w.buffer.byteLength)), { regionSize: w.buffer.byteLength }), full);
      assert.deepEqual(parsePerfData(w.buffer), full, 'parsePerfData\'s own cache agrees too');
    };
    for (const o of ops) {
      if (o.kind === 'long') longs.push(w.long(`p.l${n++}`, { value: o.value }));
      else if (o.kind === 'string') strings.push(w.string(`p.s${n++}`, o.value, { variability: 'variable', maxLength: 16 }));
      else if (o.kind === 'bump' && longs.length > 0) longs[o.which % longs.length]!.add(o.by);
      else if (o.kind === 'say' && strings.length > 0) strings[o.which % strings.length]!.set(o.value);
      else if (o.kind === 'read') check();
    }
    check();
  }), { numRuns: 200 });
});

test('PerfDataReader notices a different region in the same place and re-reads it whole', () => {
  const files = fixtureFiles().map((f) => new Uint8Array(readFileSync(f)));
  const reader = new PerfDataReader();
  const buf = new Uint8Array(65536);
  for (const bytes of [...files, ...files.reverse()]) {
    buf.fill(0);
    buf.set(bytes);
    const view = buf.subarray(0, bytes.length);
    assert.deepEqual(reader.read(view), parseWithoutCache(view));
  }
});

test('constant strings: re-read by default, kept from the first read with cacheConstantStrings', () => {
  const w = new PerfDataWriter(new ArrayBuffer(1024));
  const s = w.string('c.s', 'first', { maxLength: 8 });
  const exact = new PerfDataReader();
  const jvmstatLike = new PerfDataReader({ cacheConstantStrings: true });
  exact.read(w.buffer);
  jvmstatLike.read(w.buffer);
  s.set('second');
  assert.equal(exact.read(w.buffer, { pseudoCounters: false }).counters[0]!.value, 'second');
  assert.equal(jvmstatLike.read(w.buffer, { pseudoCounters: false }).counters[0]!.value, 'first');
});

test('PerfDataReader reports damage like parsePerfData and recovers after it', () => {
  const w = new PerfDataWriter(new ArrayBuffer(1024));
  w.long('d.a', { value: 1 });
  const reader = new PerfDataReader();
  reader.read(w.buffer);
  const bytes = new Uint8Array(w.buffer);
  bytes[32 + 14] = 9; // invalid units
  assert.throws(() => reader.read(w.buffer), (e: unknown) => e instanceof PerfDataError && e.code === 'ERR_PERFDATA_CORRUPT');
  bytes[32 + 14] = 1;
  assert.deepEqual(reader.read(w.buffer), parseWithoutCache(w.buffer));
});

/** The result of a read, or the code it failed with. */
function outcome(read: () => { counters: unknown[] }): unknown[] | string {
  try {
    return read().counters;
  } catch (err) {
    assert.ok(err instanceof PerfDataError, String(err));
    return err.code;
  }
}

test('PerfDataReader re-decodes exactly the values whose bytes changed, read in place at any alignment', () => {
  // Values poked byte by byte in one buffer (as a view re-reads its own): every read must equal a
  // full walk, whether the bytes sit 4-byte aligned or not, and whatever the bytes are (zero,
  // sign bits, NaN patterns, strings losing or gaining their NUL).
  const w = new PerfDataWriter(new ArrayBuffer(2048));
  for (let i = 0; i < 6; i++) w.long(`v.l${i}`, { value: BigInt(i) << BigInt(8 * i) });
  // (More than RUN_MIN strings in a row: compared as a run first.)
  for (let i = 0; i < 10; i++) w.string(`v.s${i}`, 'x'.repeat(i * 3), { variability: i % 2 === 0 ? 'variable' : 'constant', maxLength: 1 + i * 5 });
  w.string('v.long', 'y'.repeat(500), { variability: 'variable', maxLength: 700 }); // compared natively
  w.long('v.dup', { value: 7 });
  w.long('v.duq', { value: 8 });
  w.long('sun.perfdata.usee', { value: 9 });
  const region = new Uint8Array(w.buffer, 0, allocatedLength(new Uint8Array(w.buffer), w.buffer.byteLength));
  // Names the writer refuses, made by hand: a name twice (the last entry wins, at the first's
  // place) and a pseudo-counter's name (the entry replaces it).
  const rename = (from: string, to: string): void => region.set(Buffer.from(`${to}\0`), Buffer.from(region).indexOf(`${from}\0`));
  rename('v.duq', 'v.dup');
  rename('sun.perfdata.usee', 'sun.perfdata.used');
  const values = locateEntries(region).map((e) => ({ at: e.dataOffset, length: e.type === 'long' ? 8 : e.vectorLength }));
  const byte = fc.oneof(fc.constantFrom(0, 0x80, 0xff, 0x7f, 0xf0), fc.integer({ min: 0, max: 255 }));
  const poke = fc.record({ which: fc.nat(), at: fc.nat(), value: byte, read: fc.boolean() });
  fc.assert(fc.property(fc.integer({ min: 0, max: 7 }), fc.array(poke, { maxLength: 80 }), (align, pokes) => {
    const backing = new Uint8Array(region.length + 8);
    const bytes = backing.subarray(align, align + region.length);
    bytes.set(region);
    const readers = [new PerfDataReader(), new PerfDataReader({ trustUnchangedPrologue: true })];
    const check = (): void => {
      const full = outcome(() => parseWithoutCache(bytes));
      for (const r of readers) assert.deepEqual(outcome(() => r.read(bytes)), full);
    };
    check();
    for (const p of pokes) {
      const v = values[p.which % values.length]!;
      if (v.length === 0) continue;
      bytes[v.at + (p.at % v.length)] = p.value;
      if (p.read) check();
    }
    check();
  }), { numRuns: 300 });
});

test('PerfDataReader follows any byte of a region changing in place (headers too) like a full walk', () => {
  const files = fixtureFiles().map((f) => new Uint8Array(readFileSync(f)));
  const edit = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), read: fc.boolean() });
  fc.assert(fc.property(fc.nat(), fc.integer({ min: 0, max: 3 }), fc.array(edit, { maxLength: 20 }), (which, align, edits) => {
    const original = files[which % files.length]!;
    const backing = new Uint8Array(original.length + 4);
    const bytes = backing.subarray(align, align + original.length);
    bytes.set(original);
    const reader = new PerfDataReader();
    const check = (): void => assert.deepEqual(outcome(() => reader.read(bytes)), outcome(() => parseWithoutCache(bytes)));
    check();
    for (const e of edits) {
      bytes[e.at % bytes.length] = e.value;
      if (e.read) check();
    }
    check();
  }), { numRuns: 300 });
});
