import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeTopFrame, formatStack, parseStack } from '../../src/runtime/stack-format.js';

test('frames survive a format and parse, within the byte budget, whole lines only', () => {
  const frame = fc.record({
    functionName: fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, ' ')),
    // A URL holding " (" cannot be told from a function name's end: V8's URLs never do.
    url: fc.string({ maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, ' ').replaceAll(' (', '_(')),
    line: fc.nat(100000), column: fc.nat(1000),
  });
  fc.assert(fc.property(fc.array(frame, { maxLength: 20 }), fc.integer({ min: 0, max: 2000 }), (frames, budget) => {
    const text = formatStack(frames, budget);
    assert.ok(Buffer.byteLength(text) <= budget);
    const back = parseStack(text);
    const expected = frames.slice(0, back.length).map((f) => ({ ...f, functionName: f.functionName || '<anonymous>' }));
    assert.deepEqual(back, expected);
  }));
});

test('the top frame names the function and the file', () => {
  const frames = parseStack('handleRequest (file:///srv/app.js:18:5)\nmain (file:///srv/app.js:40:1)');
  assert.equal(describeTopFrame(frames), 'handleRequest (app.js:18)');
  assert.equal(describeTopFrame([]), undefined);
});
