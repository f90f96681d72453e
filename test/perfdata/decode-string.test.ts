import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeString, findEntries, Latin1Text, locateEntries, readHeader } from '../../src/perfdata/reader.js';
import { PerfDataWriter } from '../../src/perfdata/writer.js';

// decodeString has two ways to find a string's end and its non-ASCII bytes: a loop over the
// bytes, and (given the region's latin1 text, as a walk over the entries has) a native string
// search. Both must give the same string for any bytes, any range.
const bytesWithNuls = fc.array(fc.oneof(
  fc.constant(0), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0xc3, 0xa9, 0xe2, 0x82, 0xac),
), { maxLength: 300 });

test('the latin1 text search decodes as the byte loop, for any bytes and range', () => {
  fc.assert(fc.property(bytesWithNuls, fc.nat(), fc.nat(), (array, a, b) => {
    const bytes = Buffer.from(array);
    const start = array.length === 0 ? 0 : a % (array.length + 1);
    const end = start + (array.length - start === 0 ? 0 : b % (array.length - start + 1));
    assert.equal(decodeString(bytes, start, end, new Latin1Text(bytes)), decodeString(bytes, start, end));
  }), { numRuns: 2000 });
});

test('a name runs to its first NUL, within its range only', () => {
  const bytes = Buffer.from('node.heartbeat\0junk\0sun.rt.\u00e9t\u00e9\0', 'utf8');
  const text = new Latin1Text(bytes);
  assert.equal(decodeString(bytes, 0, bytes.length, text), 'node.heartbeat');
  assert.equal(decodeString(bytes, 5, 9, text), 'hear');
  const at = bytes.indexOf('sun');
  assert.equal(decodeString(bytes, at, bytes.length, text), 'sun.rt.\u00e9t\u00e9');
  // Malformed UTF-8 is decoded as Java decodes it, not as latin1.
  const bad = Buffer.from([0x61, 0xc3, 0x28, 0]);
  assert.equal(decodeString(bad, 0, bad.length, new Latin1Text(bad)), decodeString(bad, 0, bad.length));
  assert.notEqual(decodeString(bad, 0, bad.length, new Latin1Text(bad)), bad.toString('latin1', 0, 3));
});

// A listing's walk (findEntries with ASCII names wanted) compares names read as latin1, without
// decoding them: it must find exactly the entries a full decode finds, whatever bytes the names hold.
test('findEntries finds what a full decode finds, for names of any bytes', () => {
  const SEGMENT = 10;
  fc.assert(fc.property(
    fc.array(fc.array(fc.oneof(fc.integer({ min: 0x61, max: 0x63 }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0)),
      { minLength: SEGMENT, maxLength: SEGMENT }), { minLength: 1, maxLength: 12 }),
    fc.array(fc.stringMatching(/^n\.[abc]{1,10}$/), { maxLength: 4 }),
    fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    (names, extra, unterminated) => {
      const buf = new ArrayBuffer(8192);
      const w = new PerfDataWriter(buf);
      names.forEach((_, i) => w.long(`n.${'a'.repeat(SEGMENT - 1)}${'abcdefghijkl'[i]}`, { value: i }));
      const bytes = new Uint8Array(buf);
      // Overwrite each name's last SEGMENT bytes (after "n.") with the generated ones.
      const located = locateEntries(bytes);
      const view = new DataView(buf);
      located.forEach((e, i) => {
        const nameStart = e.offset + view.getInt32(e.offset + 4, true);
        // Some names fill their whole field, without a NUL: the name then runs to the data.
        if (unterminated[i]) bytes.fill(0x62, nameStart, e.offset + view.getInt32(e.offset + 16, true));
        bytes.set(names[i]!, nameStart + 2);
      });
      const decoded = locateEntries(bytes).map((e) => e.name);
      const ascii = decoded.filter((n) => /^[\x00-\x7f]*$/.test(n));
      for (const wanted of [new Set([...ascii.slice(0, 3), ...extra]), new Set([...decoded.slice(-2), ...extra])]) {
        const found = [...findEntries(bytes, wanted, readHeader(bytes)).keys()].sort();
        assert.deepEqual(found, [...new Set(decoded.filter((n) => wanted.has(n)))].sort());
      }
    },
  ), { numRuns: 3000 });
});
