import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeTerminal } from '../../src/cli/escape.js';
import { escapeControls } from '../../src/cli/escape-controls.js';

test('control characters, DEL, C1 and the backslash become visible escapes', () => {
  assert.equal(escapeTerminal('app.js\n1 node running 99d root /sbin/init'), 'app.js\\n1 node running 99d root /sbin/init');
  assert.equal(escapeTerminal('\x1b]0;pwned\x07x'), '\\x1b]0;pwned\\x07x');
  assert.equal(escapeTerminal('a\\nb'), 'a\\\\nb');
  assert.equal(escapeTerminal('\u009b31m\u202e'), '\\x9b31m\\u202e');
  assert.equal(escapeTerminal('plain ünïcode 日本'), 'plain ünïcode 日本');
});

test('no escaped string contains a character a terminal acts on', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => {
    assert.doesNotMatch(escapeTerminal(s), /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
  }));
});

test('escapeControls escapes as escapeTerminal does, but leaves backslashes alone', () => {
  assert.equal(escapeControls('C:\\Program Files\\app.js'), 'C:\\Program Files\\app.js');
  assert.equal(escapeControls('a\\\x1b[2Jb\n'), 'a\\\\x1b[2Jb\\n');
  const unit = fc.oneof(fc.constantFrom('\\', '\n', '\x1b', '\u009b', '\u202e', '\u2028', 'a', '\u00e9'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }));
  fc.assert(fc.property(fc.string({ unit }), (s) => {
    assert.equal(escapeControls(s), s.split('\\').map(escapeTerminal).join('\\'));
  }), { numRuns: 2000 });
});
