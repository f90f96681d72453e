import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeString, Latin1Text } from '../../src/perfdata/reader.js';

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
