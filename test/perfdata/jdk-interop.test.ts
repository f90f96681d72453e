import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerfDataWriter, parsePerfData, toByteOrder, type CounterInfo } from '../../src/perfdata/index.js';
import { formatSnap } from '../../src/cli/snap-format.js';
import { haveJdk, jstatSnap } from './jdk.js';

function writeDemoRegion(): ArrayBuffer {
  const buf = new ArrayBuffer(8192);
  const w = new PerfDataWriter(buf);
  w.long('perfmem.test.zero');
  w.long('perfmem.test.events', { units: 'events', variability: 'monotonic', value: 12345 }).inc();
  w.long('perfmem.test.bytes', { units: 'bytes', variability: 'variable', value: -(2n ** 63n) });
  w.long('perfmem.test.max', { units: 'ticks', variability: 'constant', value: 2n ** 63n - 1n });
  w.long('perfmem.test.hertz', { units: 'hertz', variability: 'constant', value: 1_000_000_000 });
  w.long('perfmem.test.hidden', { units: 'none', variability: 'variable', value: 7, supported: false });
  w.long('perfmem.test.2', { value: 2 ** 40 });
  w.string('perfmem.test.constant', 'a constant with "quotes" and = signs');
  w.string('perfmem.test.utf8', 'héllo wörld 😀 – ünïcode');
  w.string('perfmem.test.variable', 'a value longer than its room', { variability: 'variable', maxLength: 12 });
  w.string('perfmem.test.empty', '', { variability: 'variable', maxLength: 1 });
  w.string('perfmem.test.cut', 'ab€', { variability: 'variable', maxLength: 5 });
  return buf;
}

test('jstat -snap reads a region written by perfmem, in both byte orders, exactly as perfmem reads it', async (t) => {
  if (!haveJdk()) return t.skip('jstat not found');
  const little = new Uint8Array(writeDemoRegion());
  const files: [string, Uint8Array][] = [
    [join(tmpdir(), `perfmem-perfdata-le-${process.pid}`), little],
    [join(tmpdir(), `perfmem-perfdata-be-${process.pid}`), toByteOrder(little, 'big')],
  ];
  try {
    for (const [path, bytes] of files) {
      writeFileSync(path, bytes);
      const parsed = parsePerfData(bytes);
      const [verbose, plain] = await Promise.all([jstatSnap(`file://${path}`, true), jstatSnap(`file://${path}`, false)]);
      assert.equal(formatSnap(parsed.counters, { verbose: true }), verbose);
      assert.equal(formatSnap(parsed.counters), plain);
      assert.match(plain, /^perfmem\.test\.bytes=-9223372036854775808$/m);
      assert.match(plain, /^perfmem\.test\.max=9223372036854775807$/m);
      assert.match(plain, /^perfmem\.test\.utf8="héllo wörld 😀 – ünïcode"$/m);
      assert.match(plain, /^perfmem\.test\.variable="a value lon"$/m);
      assert.match(plain, /^perfmem\.test\.cut="ab"$/m);
      assert.match(verbose, /^perfmem\.test\.hidden=7 None Variable Unsupported$/m);
    }
  } finally {
    for (const [path] of files) rmSync(path, { force: true });
  }
});

/** One `jstat -snap -v` line: name=value Units Variability Supported. */
interface SnapLine { name: string; value: string; units: string; variability: string; support: string }

function parseSnapLines(text: string): Map<string, SnapLine> {
  const out = new Map<string, SnapLine>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([^=]+)=(.*) (\w+) (\w+) (\w+)$/s.exec(line);
    assert.ok(m, `a jstat -v line: ${line}`);
    out.set(m[1]!, { name: m[1]!, value: m[2]!, units: m[3]!, variability: m[4]!, support: m[5]! });
  }
  return out;
}

function cap(word: string): string {
  return word[0]!.toUpperCase() + word.slice(1);
}

test('a live JDK 17 JVM: names, types, units, variability, support and constant values as jstat -snap -v prints them', async (t) => {
  if (!haveJdk()) return t.skip('java not found');
  const source = fileURLToPath(new URL('../../../test/fixtures/PerfdataSleeper.java', import.meta.url));
  const child = spawn('java', ['-XX:+UsePerfData', '-Xmx64m', source, '60000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [first] = await once(child.stdout, 'data') as [Buffer];
    assert.match(first.toString(), /ready/);
    const file = `/tmp/hsperfdata_${userInfo().username}/${child.pid}`;
    assert.ok(existsSync(file), `${file} exists`);
    const before = parsePerfData(readFileSync(file));
    const snap = parseSnapLines(await jstatSnap(String(child.pid), true));
    const after = parsePerfData(readFileSync(file));
    const byName = (cs: CounterInfo[]): Map<string, CounterInfo> => new Map(cs.map((c) => [c.name, c]));
    const a = byName(before.counters);
    const b = byName(after.counters);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), 'the JVM is idle: no counters appear between reads');
    assert.deepEqual([...a.keys()].sort(), [...snap.keys()].sort());
    assert.ok(a.size > 150, `${a.size} counters`);
    for (const [name, mine] of a) {
      const theirs = snap.get(name)!;
      assert.equal(cap(mine.units), theirs.units, `${name} units`);
      assert.equal(cap(mine.variability), theirs.variability, `${name} variability`);
      assert.equal(mine.supported ? 'Supported' : 'Unsupported', theirs.support, `${name} support`);
      if (mine.type === 'string') {
        assert.match(theirs.value, /^".*"$/s, `${name} is a string`);
        if (mine.variability === 'constant') assert.equal(`"${mine.value}"`, theirs.value, `${name} constant value`);
      } else {
        assert.match(theirs.value, /^-?\d+$/, `${name} is a long`);
        const later = b.get(name)!.value as number | bigint;
        if (mine.variability === 'constant') assert.equal(String(mine.value), theirs.value, `${name} constant value`);
        else if (mine.variability === 'monotonic') {
          assert.ok(BigInt(mine.value) <= BigInt(theirs.value) && BigInt(theirs.value) <= BigInt(later), `${name}: ${mine.value} <= ${theirs.value} <= ${later}`);
        }
      }
    }
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit').catch(() => undefined);
  }
});
