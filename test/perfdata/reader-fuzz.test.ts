import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  parsePerfData, locateEntries, readHeader, PerfDataError, PerfDataReader, PerfDataWriter, toByteOrder, MAX_REGION_SIZE, type CounterInfo,
} from '../../src/perfdata/index.js';
import { fixtureFiles } from './jdk.js';
import { parseWithoutCache } from '../../src/perfdata/reader.js';

const READER_CODES = new Set(['ERR_PERFDATA_MAGIC', 'ERR_PERFDATA_VERSION', 'ERR_PERFDATA_CORRUPT', 'ERR_PERFDATA_UNSUPPORTED', 'ERR_PERFDATA_LIMIT']);
const originals = fixtureFiles().map((f) => new Uint8Array(readFileSync(f)));
const layouts = originals.map((b) => locateEntries(b));

/**
 * Parses, and accepts only a well-formed result or a coded PerfDataError naming an offset;
 * parsePerfData (which reuses what it learnt about the same buffer) must give exactly what a
 * full walk gives.
 */
function parsesOrFailsCleanly(bytes: Uint8Array): void {
  let counters: CounterInfo[];
  let uncached: CounterInfo[] | string;
  try {
    uncached = parseWithoutCache(bytes).counters;
  } catch (err) {
    uncached = err instanceof PerfDataError ? err.code : String(err);
  }
  try {
    counters = parsePerfData(bytes).counters;
    assert.deepEqual(counters, uncached);
  } catch (err) {
    if (!(err instanceof PerfDataError) || !READER_CODES.has(err.code)) throw err;
    assert.equal(err.code, uncached);
    assert.equal(typeof err.offset, 'number');
    assert.ok(err.offset! >= 0 && err.offset! < Math.max(bytes.length, 32), `offset ${err.offset} within the input`);
    assert.match(err.message, /offset 0x[0-9a-f]+/);
    return;
  }
  for (const c of counters) {
    assert.equal(typeof c.name, 'string');
    if (c.type === 'long') assert.ok(typeof c.value === 'number' ? Number.isSafeInteger(c.value) : typeof c.value === 'bigint');
    else assert.ok(typeof c.value === 'string' && c.maxLength > 0 && c.maxLength <= bytes.length);
  }
}

const fileIndex = fc.nat(originals.length - 1);

/** One scratch buffer per file, reused so parsePerfData's per-buffer cache meets every kind of damage. */
const scratch = originals.map((b) => new Uint8Array(b.length));

test('fuzz: real files with random bytes overwritten', () => {
  fc.assert(fc.property(fileIndex, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 16 }), (i, edits) => {
    const bytes = scratch[i]!;
    bytes.set(originals[i]!);
    for (const [pos, value] of edits) bytes[pos % bytes.length] = value;
    parsesOrFailsCleanly(bytes);
  }), { numRuns: 1500 });
});

test('fuzz: real files with entry-header fields and prologue fields set to hostile integers', () => {
  const hostile = fc.oneof(fc.integer({ min: -0x80000000, max: 0x7fffffff }), fc.constantFrom(0, 1, 4, 19, 20, 21, 0x7fffffff, -1, -20, 32768, 65536));
  fc.assert(fc.property(fileIndex, fc.nat(), fc.constantFrom(0, 4, 8, 12, 13, 14, 15, 16), hostile, fc.boolean(), (i, which, field, value, inPrologue) => {
    const bytes = scratch[i]!;
    bytes.set(originals[i]!);
    const view = new DataView(bytes.buffer);
    const entries = layouts[i]!;
    if (inPrologue) {
      view.setInt32([8, 12, 24, 28][which % 4]!, value, true);
    } else {
      const at = entries[which % entries.length]!.offset + field;
      if (field >= 12 && field <= 15) view.setUint8(at, value & 0xff);
      else view.setInt32(at, value, true);
    }
    parsesOrFailsCleanly(bytes);
  }), { numRuns: 3000 });
});

test('fuzz: truncated real files and views at odd offsets of them', () => {
  fc.assert(fc.property(fileIndex, fc.nat(), fc.nat(64), (i, cut, skip) => {
    const original = originals[i]!;
    const end = cut % (original.length + 1);
    parsesOrFailsCleanly(original.subarray(0, end));
    parsesOrFailsCleanly(original.subarray(Math.min(skip, end), end));
  }), { numRuns: 1500 });
});

test('fuzz: random bytes, bare and behind a valid prologue', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), (random, withPrologue) => {
    if (withPrologue && random.length >= 32) {
      random.set(originals[0]!.subarray(0, 8), 0);
      new DataView(random.buffer, random.byteOffset).setInt32(24, 32, true);
    }
    parsesOrFailsCleanly(random);
  }), { numRuns: 2000 });
});

test('fuzz: PerfDataReader after a good read, on a damaged copy, agrees with a full walk (cached constant strings aside)', () => {
  fc.assert(fc.property(fileIndex, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(), (i, edits, cut) => {
    const reader = new PerfDataReader({ cacheConstantStrings: true });
    reader.read(originals[i]!);
    const damaged = originals[i]!.slice(0, originals[i]!.length - (cut % 2 === 0 ? 0 : cut % 4096));
    for (const [pos, value] of edits) damaged[pos % damaged.length] = value;
    let expected: CounterInfo[] | string;
    let actual: CounterInfo[] | string;
    try {
      expected = parseWithoutCache(damaged).counters;
    } catch (err) {
      assert.ok(err instanceof PerfDataError, String(err));
      expected = err.code;
    }
    try {
      actual = reader.read(damaged).counters;
    } catch (err) {
      assert.ok(err instanceof PerfDataError, String(err));
      actual = err.code;
    }
    if (typeof expected === 'string' || typeof actual === 'string') {
      assert.equal(actual, expected);
      return;
    }
    const constantAside = (cs: CounterInfo[]): unknown[] => cs.map((c) => (c.type === 'string' && c.variability === 'constant' ? { ...c, value: '' } : c));
    assert.deepEqual(constantAside(actual), constantAside(expected));
  }), { numRuns: 1000 });
});

function region(): { buf: ArrayBuffer; view: DataView; first: number } {
  const buf = new ArrayBuffer(1024);
  const w = new PerfDataWriter(buf);
  w.long('t.a', { value: 1 });
  w.string('t.s', 'abc', { variability: 'variable', maxLength: 8 });
  return { buf, view: new DataView(buf), first: 32 };
}

function throwsCode(bytes: ArrayBuffer | Uint8Array, code: string, offset: number, message: RegExp): void {
  assert.throws(() => parsePerfData(bytes), (err: unknown) => {
    assert.ok(err instanceof PerfDataError);
    assert.equal(err.code, code);
    assert.equal(err.offset, offset);
    assert.match(err.message, message);
    return true;
  });
}

test('each kind of damage has its own code, message and offset', () => {
  assert.throws(() => parsePerfData('not bytes' as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  throwsCode(new Uint8Array(10), 'ERR_PERFDATA_MAGIC', 0, /too short/);
  let r = region();
  r.view.setUint8(1, 0);
  throwsCode(r.buf, 'ERR_PERFDATA_MAGIC', 0, /not an hsperfdata region/);
  // A refused file's bytes never appear in the message (they could be /etc/shadow's).
  assert.doesNotMatch(String((() => { try { parsePerfData(r.buf); } catch (e) { return (e as Error).message; } return ''; })()), /ca00c0c0/);
  r = region();
  r.view.setUint8(5, 1);
  throwsCode(r.buf, 'ERR_PERFDATA_VERSION', 5, /version 1\.0/);
  r = region();
  r.view.setInt32(24, 6, true);
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', 24, /entry_offset 6/);
  r = region();
  r.view.setInt32(r.first, 4000, true);
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', r.first, /entry_length 4000/);
  r = region();
  r.view.setInt32(r.first, 38, true); // the next entry would start misaligned
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', r.first + 38, /misaligned/);
  r = region();
  r.view.setUint8(r.first + 12, 0x51); // 'Q' is no Java type
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', r.first + 12, /illegal type code 0x51/);
  r = region();
  r.view.setUint8(r.first + 12, 0x49); // 'I': a known type jvmstat does not support as a scalar
  throwsCode(r.buf, 'ERR_PERFDATA_UNSUPPORTED', r.first + 12, /unsupported scalar type 'I' for "t.a"/);
  r = region();
  r.view.setInt32(r.first + 4, 2, true);
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', r.first + 4, /name_offset 2/);
  r = region();
  r.view.setInt32(r.first + 16, 40, true); // past the 32-byte entry
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', r.first + 16, /data_offset 40/);
  r = region();
  r.view.setInt32(r.first + 16, 28, true); // the long would run past the entry
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', r.first + 16, /8-byte value of "t.a"/);
  r = region();
  r.view.setUint8(r.first + 14, 7);
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', r.first + 14, /invalid units 0x7/);
  r = region();
  r.view.setUint8(r.first + 15, 0);
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', r.first + 15, /invalid variability 0x0/);
  const second = 32 + 32;
  r = region();
  r.view.setUint8(second + 15, 2);
  throwsCode(r.buf, 'ERR_PERFDATA_UNSUPPORTED', second + 15, /monotonic string "t.s"/);
  r = region();
  r.view.setUint8(second + 14, 2);
  throwsCode(r.buf, 'ERR_PERFDATA_UNSUPPORTED', second + 14, /byte vector with units bytes/);
  r = region();
  r.view.setInt32(second + 8, 100, true);
  throwsCode(r.buf, 'ERR_PERFDATA_CORRUPT', second + 8, /vector_length 100/);
  r = region();
  r.view.setUint8(second + 12, 0x4a); // a 'J' vector
  throwsCode(r.buf, 'ERR_PERFDATA_UNSUPPORTED', second + 12, /vector type 'J'/);
});

test('what jvmstat tolerates is read the same way', () => {
  // A name with no NUL before the data runs up to the data; any non-zero byte-order byte is little-endian.
  const r = region();
  new Uint8Array(r.buf).fill(0x61 /* a */, 32 + 20 + 3, 32 + 24);
  r.view.setUint8(4, 7);
  const parsed = parsePerfData(r.buf, { pseudoCounters: false });
  assert.equal(parsed.header.byteOrder, 'little');
  assert.equal(parsed.counters[0]!.name, 't.aa');
  // A duplicated name keeps the last entry's value, like jvmstat's map.
  const d = region();
  new Uint8Array(d.buf).set(new TextEncoder().encode('t.a'), 64 + 20);
  const dup = parsePerfData(d.buf, { pseudoCounters: false }).counters;
  assert.deepEqual(dup.map((c) => [c.name, c.value]), [['t.a', 'abc']]);
  // An entry that claims a pseudo-counter's name replaces the pseudo-counter.
  const p = new PerfDataWriter(new ArrayBuffer(1024));
  p.long('sun.perfdata.sizx', { value: 5 });
  new Uint8Array(p.buffer)[32 + 20 + 'sun.perfdata.siz'.length] = 0x65; // e
  const withPseudo = parsePerfData(p.buffer).counters.filter((c) => c.name === 'sun.perfdata.size');
  assert.deepEqual(withPseudo.map((c) => [c.value, c.supported]), [[5, true]]);
});

test('long names and strings are found up to their NUL, and only within their field', () => {
  const w = new PerfDataWriter(new ArrayBuffer(16384));
  const longName = Array.from({ length: 15 }, (_, i) => `segment${i}x`).join('.');
  w.long(longName, { value: 9 });
  w.string('l.s', 'é'.repeat(1500), { maxLength: 4000 });
  const bytes = new Uint8Array(w.buffer);
  const parsed = parsePerfData(bytes, { pseudoCounters: false }).counters;
  assert.deepEqual(parsed.map((c) => [c.name, c.type === 'string' ? c.value.length : c.value]), [[longName, 9], ['l.s', 1500]]);
  // Without its NUL, a string field ends at vector_length even when the next bytes are not zero.
  const entries = locateEntries(bytes);
  const s = entries[1]!;
  bytes.fill(0x41, s.dataOffset, s.dataOffset + s.vectorLength);
  bytes.fill(0x42, s.dataOffset + s.vectorLength, s.offset + s.length);
  const value = parsePerfData(bytes, { pseudoCounters: false }).counters[1]!.value as string;
  assert.equal(value, 'A'.repeat(4000));
});

test('big-endian regions (as SPARC or AIX JVMs write them) parse to the same counters', () => {
  for (const original of originals) {
    const big = toByteOrder(original, 'big');
    assert.equal(readHeader(big).byteOrder, 'big');
    assert.notDeepEqual(big, original);
    const a = parsePerfData(original);
    const b = parsePerfData(big);
    assert.deepEqual(b.counters, a.counters);
    assert.deepEqual({ ...b.header, byteOrder: 'little' }, a.header);
    assert.deepEqual(toByteOrder(big, 'little'), original);
  }
});

test('property: regions of every size up to the cap, with hostile entries anywhere, parse or fail with a reader code', () => {
  const size = fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 4096, max: MAX_REGION_SIZE }), fc.constantFrom(MAX_REGION_SIZE, MAX_REGION_SIZE + 1));
  const entry = fc.record({
    at: fc.nat(), length: fc.oneof(fc.integer({ min: -4, max: 64 }), fc.integer()), nameOffset: fc.integer({ min: -1, max: 40 }),
    vectorLength: fc.oneof(fc.integer({ min: -1, max: 64 }), fc.integer()), type: fc.constantFrom(0x4a, 0x42, 0x49, 0x00),
    units: fc.integer({ min: 0, max: 7 }), variability: fc.integer({ min: 0, max: 4 }), dataOffset: fc.integer({ min: -1, max: 64 }),
    fill: fc.constantFrom(0x00, 0x41, 0xff, 0xed),
  });
  fc.assert(fc.property(size, fc.array(entry, { maxLength: 24 }), fc.boolean(), (n, entries, chain) => {
    const bytes = new Uint8Array(n);
    const v = new DataView(bytes.buffer);
    if (n >= 32) {
      v.setUint32(0, 0xcafec0c0);
      bytes.set([1, 2, 0, 1], 4);
      v.setInt32(8, n, true);
      v.setInt32(24, 32, true);
    }
    let next = 32;
    for (const e of entries) {
      // Either chained from the prologue (the walk reaches them) or anywhere (as noise).
      const at = chain ? next : 32 + ((e.at % Math.max(1, n - 64)) & ~3);
      if (at + 20 > n) break;
      v.setInt32(at, e.length, true);
      v.setInt32(at + 4, e.nameOffset, true);
      v.setInt32(at + 8, e.vectorLength, true);
      bytes.set([e.type, 1, e.units, e.variability], at + 12);
      v.setInt32(at + 16, e.dataOffset, true);
      bytes.fill(e.fill, at + 20, Math.min(n, at + Math.max(20, Math.min(e.length, 4096))));
      if (e.length > 0 && e.length % 4 === 0) next = at + e.length;
    }
    parsesOrFailsCleanly(bytes);
    if (n > MAX_REGION_SIZE) assert.throws(() => parsePerfData(bytes), { code: 'ERR_PERFDATA_LIMIT' });
  }), { numRuns: 60 });
});
