import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerfDataWriter, locateEntries, parsePerfData, toByteOrder, type CounterInfo } from '../../src/perfdata/index.js';
import { formatSnap } from '../../src/cli/snap-format.js';
import { haveJdk, jstatSnap } from './jdk.js';
import { reencode } from './reencode.js';
import { execFileSync } from 'node:child_process';

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

test('golden: a JDK 17 region (-XX:+PerfDataSaveToFile) re-encodes to identical bytes with the writer', (t) => {
  if (!haveJdk()) return t.skip('java not found');
  const path = join(tmpdir(), `perfmem-perfdata-jdk17-${process.pid}`);
  try {
    execFileSync('java', ['-XX:+UsePerfData', '-XX:+PerfDataSaveToFile', `-XX:PerfDataSaveFile=${path}`, '-version'], { stdio: 'ignore' });
    const bytes = new Uint8Array(readFileSync(path));
    const header = parsePerfData(bytes).header;
    assert.equal(header.overflow, 0);
    assert.ok(header.numEntries > 150, `${header.numEntries} entries`);
    assert.deepEqual(reencode(bytes), bytes);
  } finally {
    rmSync(path, { force: true });
  }
});

/** Bytes that exercise every branch of a UTF-8 decoder: leads, continuations, overlongs, surrogates, truncations. */
function hostileBytes(random: () => number, n: number): number[] {
  const interesting = [0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xf7, 0xf8, 0xff, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0x41];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    out.push(r % 3 === 0 ? interesting[(r >>> 4) % interesting.length]! : r % 3 === 1 ? 0x80 | ((r >>> 4) & 0x3f) : 1 + ((r >>> 4) % 255));
  }
  return out;
}

test('malformed UTF-8 in names and strings decodes to what jstat prints (Java\'s replacement rules)', async (t) => {
  if (!haveJdk()) return t.skip('jstat not found');
  let seed = process.pid;
  const random = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 4;
  const w = new PerfDataWriter(new ArrayBuffer(65536));
  for (let i = 0; i < 400; i++) w.string(`u.s${i}`, 'x', { maxLength: 1 + (i % 24) });
  for (let i = 0; i < 60; i++) w.long(`u.n${i}.xxxxxxxxxxxx`, { value: i });
  const bytes = new Uint8Array(w.buffer);
  for (const e of locateEntries(bytes)) {
    if (e.type === 'string') bytes.set(hostileBytes(random, e.vectorLength), e.dataOffset);
    else bytes.set(hostileBytes(random, 12), e.offset + 20 + e.name.length - 12);
  }
  const path = join(tmpdir(), `perfmem-perfdata-utf8-${process.pid}`);
  try {
    writeFileSync(path, bytes);
    const parsed = parsePerfData(bytes);
    assert.ok(parsed.counters.some((c) => c.type === 'string' && c.value.includes('\ufffd')));
    assert.equal(formatSnap(parsed.counters), await jstatSnap(`file://${path}`, false));
  } finally {
    rmSync(path, { force: true });
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
