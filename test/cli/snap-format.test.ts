import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { formatSnap, formatSnapLines } from '../../src/cli/snap-format.js';
import { parsePerfData, type CounterInfo } from '../../src/perfdata/index.js';
import { fixtureFiles, haveJdk } from '../perfdata/jdk.js';

const run = promisify(execFile);

function long(name: string, value: number | bigint, supported = true): CounterInfo {
  return { name, type: 'long', units: 'events', variability: 'monotonic', supported, value };
}

test('lines are sorted by UTF-16 code units (Java\'s String.compareTo), not by locale', () => {
  const lines = formatSnapLines([long('b', 1), long('B', 2), long('a.z', 3), long('a_b', 4), long('a.Z', 5), long('a', 6)]);
  assert.deepEqual(lines, ['B=2', 'a=6', 'a.Z=5', 'a.z=3', 'a_b=4', 'b=1']);
});

test('values: longs in decimal (bigints too), strings quoted without escaping; -v adds the words', () => {
  const counters: CounterInfo[] = [
    long('x.big', -(2n ** 63n)),
    { name: 'x.s', type: 'string', units: 'string', variability: 'constant', supported: true, value: 'say "hi"\\n', maxLength: 20 },
    { name: 'x.h', type: 'long', units: 'hertz', variability: 'constant', supported: false, value: 1000 },
  ];
  assert.equal(formatSnap(counters), 'x.big=-9223372036854775808\nx.h=1000\nx.s="say "hi"\\n"\n');
  assert.deepEqual(formatSnapLines(counters, { verbose: true }), [
    'x.big=-9223372036854775808 Events Monotonic Supported',
    'x.h=1000 Hertz Constant Unsupported',
    'x.s="say "hi"\\n" String Constant Supported',
  ]);
  assert.deepEqual(formatSnapLines(counters, { showUnsupported: false }), ['x.big=-9223372036854775808', 'x.s="say "hi"\\n"']);
  assert.equal(formatSnap([]), '');
});

test('filter matches at the start of the name, like jvmstat\'s lookingAt', () => {
  const counters = [long('java.cls.loaded', 1), long('sun.cls.time', 2), long('java.clsx', 3)];
  assert.deepEqual(formatSnapLines(counters, { filter: 'cls' }), []);
  assert.deepEqual(formatSnapLines(counters, { filter: 'java\\.cls\\.' }), ['java.cls.loaded=1']);
  assert.deepEqual(formatSnapLines(counters, { filter: /(sun|java)\.cls/g }), ['java.cls.loaded=1', 'java.clsx=3', 'sun.cls.time=2']);
  const re = /JAVA/i;
  assert.deepEqual(formatSnapLines(counters, { filter: re }), ['java.cls.loaded=1', 'java.clsx=3']);
});

test('filter gives what jstat -snap -name prints for the same pattern', async (t) => {
  if (!haveJdk()) return t.skip('jstat not found');
  const file = fixtureFiles()[0]!;
  const parsed = parsePerfData(readFileSync(file));
  for (const pattern of ['java\\.cls', 'cls', 'sun\\.gc\\.(collector|policy)\\.[01]', 'sun.perfdata', 'java.property.java.vm']) {
    for (const showUnsupported of [true, false]) {
      const args = showUnsupported ? ['-J-Djstat.showUnsupported=true'] : [];
      const { stdout } = await run('jstat', [...args, '-snap', '-v', '-name', pattern, `file://${file}`]);
      assert.equal(formatSnap(parsed.counters, { filter: pattern, verbose: true, showUnsupported }), stdout, `${pattern} ${showUnsupported}`);
    }
  }
});
