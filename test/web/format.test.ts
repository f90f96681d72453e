import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DASH, formatBytes, formatCounterValue, formatDuration, formatMs, formatPercent, formatRate, formatRuntime, truncate } from '../../src/web/format.js';

test('formatters: units and the dash for unknown', () => {
  assert.equal(formatBytes(null), DASH);
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(150 * 2 ** 20), '150 MiB');
  assert.equal(formatPercent(0.1234), '12.3%');
  assert.equal(formatPercent(2.5), '250%');
  assert.equal(formatMs(0.42), '0.42 ms');
  assert.equal(formatMs(12.34), '12.3 ms');
  assert.equal(formatMs(1234), '1.23 s');
  assert.equal(formatDuration(3725), '1h 2m');
  assert.equal(formatDuration(59.9), '59s');
  assert.equal(formatDuration(90061), '1d 1h');
  assert.equal(formatRate(0), '0/s');
  assert.equal(formatRate(0.25), '0.25/s');
  assert.equal(formatRuntime('node', 'v20.20.2'), 'Node 20.20.2');
  assert.equal(formatRuntime('jvm', '17.0.15+6-Debian-1deb12u1'), 'JVM 17.0.15');
  assert.equal(formatCounterValue(1234567), '1,234,567');
  assert.equal(formatCounterValue('<b>x</b>'), '<b>x</b>');
  assert.equal(truncate('abcdef', 4), 'abc…');
});

test('formatters never throw and always give a short string', () => {
  const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constant(null), fc.constant(undefined));
  fc.assert(fc.property(anyNumber, (n) => {
    for (const f of [formatBytes, formatPercent, formatMs, formatDuration, formatRate]) {
      const s = f(n as number | null);
      assert.equal(typeof s, 'string');
      assert.ok(s.length > 0 && s.length < 40, `${f.name}(${String(n)}) = ${s}`);
    }
  }));
  fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 100 }), (s, max) => {
    const t = truncate(s, max);
    assert.ok(t.length <= Math.max(max, 1));
  }));
});
