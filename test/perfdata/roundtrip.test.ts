import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  PerfDataWriter, parsePerfData, toByteOrder, entryGeometry, counterNameProblem, PROLOGUE_SIZE,
  type CounterInfo, type Units,
} from '../../src/perfdata/index.js';

const segment = fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/);
const name = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('.')).filter((n) => !n.startsWith('sun.perfdata.'));
const units = fc.constantFrom<Units>('none', 'bytes', 'ticks', 'events', 'string', 'hertz');
const longValue = fc.oneof(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), fc.maxSafeInteger(), fc.integer());
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

type Spec =
  | { kind: 'long'; name: string; units: Units; variability: 'constant' | 'monotonic' | 'variable'; value: number | bigint; supported: boolean }
  | { kind: 'string'; name: string; variability: 'constant' | 'variable'; value: string; maxLength: number | undefined; supported: boolean };

const spec: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ kind: fc.constant('long' as const), name, units, variability: fc.constantFrom('constant' as const, 'monotonic' as const, 'variable' as const), value: longValue, supported: fc.boolean() }),
  fc.record({ kind: fc.constant('string' as const), name, variability: fc.constantFrom('constant' as const, 'variable' as const), value: text, maxLength: fc.option(fc.integer({ min: 1, max: 80 }), { nil: undefined }), supported: fc.boolean() }),
);

/** UTF-8 of s cut to at most max bytes without splitting a character (lone surrogates count as U+FFFD). */
function truncatedUtf8(s: string, max: number): string {
  if (s.includes('\0')) s = s.slice(0, s.indexOf('\0')); // C strings end at a NUL
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const isLone = cp >= 0xd800 && cp <= 0xdfff;
    const n = isLone ? 3 : cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + n > max) break;
    bytes += n;
    out += isLone ? '\ufffd' : ch;
  }
  return out;
}

function utf8Length(s: string): number {
  return new TextEncoder().encode(s.includes('\0') ? s.slice(0, s.indexOf('\0')) : s).length;
}

test('round trip: what the writer writes, the reader reads back (values, strings, overflow), in both byte orders', () => {
  fc.assert(fc.property(fc.uniqueArray(spec, { selector: (s) => s.name, maxLength: 40 }), fc.integer({ min: 4, max: 512 }), (specs, size8) => {
    const size = size8 * 8;
    const buf = new ArrayBuffer(size);
    const w = new PerfDataWriter(buf, { clock: () => 42n });
    const expected: CounterInfo[] = [];
    let top = PROLOGUE_SIZE;
    let overflow = 0;
    for (const s of specs) {
      let maxLength = 0;
      if (s.kind === 'long') {
        w.long(s.name, { units: s.units, variability: s.variability, value: s.value, supported: s.supported });
      } else {
        const handle = w.string(s.name, s.value, { variability: s.variability, maxLength: s.maxLength, supported: s.supported });
        maxLength = handle.maxLength;
        assert.equal(handle.get(), truncatedUtf8(s.value, maxLength - 1));
      }
      const g = s.kind === 'long' ? entryGeometry(s.name.length, 8, 0) : entryGeometry(s.name.length, 1, maxLength);
      if (top + g.size >= size) {
        overflow += g.size;
        continue;
      }
      top += g.size;
      if (s.kind === 'long') {
        const v = BigInt(s.value);
        const value = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
        expected.push({ name: s.name, type: 'long', units: s.units, variability: s.variability, supported: s.supported, value });
      } else {
        if (s.maxLength === undefined) {
          const need = utf8Length(s.value) + 1;
          assert.equal(maxLength, s.variability === 'constant' ? Math.min(need, 1025) : Math.max(need, 256));
        }
        expected.push({ name: s.name, type: 'string', units: 'string', variability: s.variability, supported: s.supported, value: truncatedUtf8(s.value, maxLength - 1), maxLength });
      }
    }
    const parsed = parsePerfData(buf, { pseudoCounters: false });
    assert.deepEqual(parsed.counters, expected);
    assert.equal(parsed.header.overflow, overflow);
    assert.equal(w.overflow, overflow);
    assert.equal(parsed.header.numEntries, expected.length);
    assert.equal(parsed.header.used, expected.length === 0 ? 0 : top);
    assert.equal(parsed.header.accessible, expected.length > 0);
    assert.equal(parsed.header.modTimeStamp, expected.length === 0 ? 0n : 42n);
    const big = parsePerfData(toByteOrder(new Uint8Array(buf), 'big'), { pseudoCounters: false });
    assert.deepEqual(big.counters, expected);
  }), { numRuns: 400 });
});

test('names: valid exactly when dotted segments of ASCII letters, digits and _ (and not a pseudo-counter)', () => {
  const oracle = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;
  const anyName = fc.oneof(name, fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }),
    fc.array(fc.constantFrom('a', 'Z', '0', '_', '.', '-', ' ', 'é', '\u0000'), { maxLength: 10 }).map((a) => a.join('')));
  fc.assert(fc.property(anyName, (n) => {
    const valid = oracle.test(n) && !['sun.perfdata.used', 'sun.perfdata.size', 'sun.perfdata.overflow', 'sun.perfdata.timestamp', 'sun.perfdata.majorVersion', 'sun.perfdata.minorVersion'].includes(n);
    assert.equal(counterNameProblem(n) === undefined, valid, n);
    const w = new PerfDataWriter(new ArrayBuffer(256));
    if (valid) w.long(n);
    else assert.throws(() => w.long(n), { code: 'ERR_PERFDATA_NAME' });
  }), { numRuns: 3000 });
});
