import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeUtf8AsJava } from '../../src/perfdata/java-utf8.js';

const decode = (bytes: number[]): string => decodeUtf8AsJava(Uint8Array.from(bytes), 0, bytes.length);

test('valid UTF-8 decodes exactly as the WHATWG decoder does', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
    const bytes = new TextEncoder().encode(s);
    // ignoreBOM: a leading U+FEFF is a character to Java, not a byte-order mark to drop.
    assert.equal(decodeUtf8AsJava(bytes, 0, bytes.length), new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes));
  }), { numRuns: 2000 });
});

test('malformed runs become one U+FFFD each, by Java\'s rules', () => {
  const R = '\ufffd';
  assert.equal(decode([0xed, 0xa0, 0x80]), R, 'an encoded surrogate is one run (WHATWG: three)');
  assert.equal(decode([0xed, 0xb4, 0xd4, 0x74]), `${R}${R}t`, 'lead + valid second byte + bad third: two bytes in the run');
  assert.equal(decode([0xe0, 0x80, 0x80]), `${R}${R}${R}`, 'overlong E0: the lead alone');
  assert.equal(decode([0xc0, 0xaf]), `${R}${R}`);
  assert.equal(decode([0xf0, 0x9f, 0x98, 0x41]), `${R}A`, 'F0 9F 98 then a non-continuation: three bytes in the run');
  assert.equal(decode([0xf0, 0x9f, 0x41, 0x41]), `${R}AA`);
  assert.equal(decode([0xf5, 0x80, 0x80, 0x80]), `${R}${R}${R}${R}`, 'beyond U+10FFFF: the lead alone');
  assert.equal(decode([0xf4, 0x90, 0x80, 0x80]), `${R}${R}${R}${R}`);
  assert.equal(decode([0x41, 0xe2, 0x82]), `A${R}`, 'cut short at the end: one U+FFFD for the rest');
  assert.equal(decode([0x41, 0xe2, 0x41]), `A${R}A`, 'a bad second byte is not swallowed');
  assert.equal(decode([0xf0, 0x9f, 0x98]), R);
  assert.equal(decode([0xf0, 0x9f, 0x41]), `${R}A`);
  assert.equal(decode([0xc3]), R);
  assert.equal(decode([0xc3, 0x41]), `${R}A`);
  assert.equal(decode([0xff, 0xfe, 0x80]), `${R}${R}${R}`);
  assert.equal(decode([0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]), '€😀');
});
