/** `perfmem snap` against the JDK's `jstat -J-Djstat.showUnsupported=true -snap`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureFiles } from '../perfdata/jdk.js';
import { haveJdk, perfmem, startJvm, tool } from './helpers.js';

const SNAP = ['-J-Djstat.showUnsupported=true', '-snap'];

test('snap prints exactly what jstat -snap prints for every fixture file (and with -v)', { timeout: 120_000 }, async (t) => {
  if (!haveJdk()) return t.skip('jstat not found');
  for (const file of fixtureFiles()) {
    for (const verbose of [false, true]) {
      const extra = verbose ? ['-v'] : [];
      const ours = await perfmem(['snap', file, ...extra]);
      const theirs = await tool('jstat', [...SNAP, ...extra, `file://${file}`]);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(ours.stdout, theirs.stdout, `${file}${verbose ? ' -v' : ''}`);
    }
  }
});

test('snap --filter keeps the counters whose names match from the start, as jstat -name does', async () => {
  const [file] = fixtureFiles();
  const all = (await perfmem(['snap', file!])).stdout.split('\n').filter(Boolean);
  const gc = await perfmem(['snap', file!, '--filter', 'sun\\.gc\\.collector']);
  assert.equal(gc.code, 0);
  const lines = gc.stdout.split('\n').filter(Boolean);
  assert.ok(lines.length > 0);
  assert.deepEqual(lines, all.filter((l) => l.startsWith('sun.gc.collector')));
  // Anchored at the start: "gc" alone matches nothing (every name starts with java/sun/...).
  assert.equal((await perfmem(['snap', file!, '--filter', 'gc'])).stdout, '');
});

test('snap --json gives every counter with its type, units, variability and value', async () => {
  const [file] = fixtureFiles();
  const text = (await perfmem(['snap', file!])).stdout.split('\n').filter(Boolean);
  const json = JSON.parse((await perfmem(['snap', file!, '--json'])).stdout) as { name: string; type: string; units: string; variability: string; value: unknown }[];
  assert.equal(json.length, text.length);
  for (const [i, c] of json.entries()) {
    const line = c.type === 'string' ? `${c.name}="${String(c.value)}"` : `${c.name}=${String(c.value)}`;
    assert.equal(line, text[i]);
    assert.match(c.units, /^(none|bytes|ticks|events|string|hertz)$/);
    assert.match(c.variability, /^(constant|monotonic|variable)$/);
  }
});

test('snap of a live JVM: the same counters as jstat -snap, constants equal', { timeout: 60_000 }, async (t) => {
  if (!haveJdk()) return t.skip('java/jstat not found');
  const jvm = await startJvm(t);
  const ours = await perfmem(['snap', String(jvm.pid), '-v']);
  const theirs = await tool('jstat', [...SNAP, '-v', String(jvm.pid)]);
  assert.equal(ours.code, 0, ours.stderr);
  const parse = (s: string) => new Map(s.split('\n').filter(Boolean).map((l) => {
    const eq = l.indexOf('=');
    return [l.slice(0, eq), l.slice(eq + 1)] as const;
  }));
  const a = parse(ours.stdout);
  const b = parse(theirs.stdout);
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, v] of a) {
    // "value units variability support": values of constants must match; the rest may move.
    if (/ Constant (Supported|Unsupported)$/.test(v)) assert.equal(v, b.get(name), name);
    else assert.equal(v.replace(/^.* (\w+ \w+ \w+)$/, '$1'), b.get(name)!.replace(/^.* (\w+ \w+ \w+)$/, '$1'), name);
  }
});

test('snap: an unknown pid, a missing file and a bad regex are one-line errors', async () => {
  const gone = await perfmem(['snap', '2147480000']);
  assert.equal(gone.code, 1);
  assert.equal(gone.stderr, 'perfmem: process 2147480000 not found\n');
  const missing = await perfmem(['snap', '/nonexistent/file']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^perfmem: no such process or file: \/nonexistent\/file\n$/);
  const [file] = fixtureFiles();
  const bad = await perfmem(['snap', file!, '--filter', '(']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^perfmem: snap: bad --filter/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  const usage = await perfmem(['snap']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /usage: perfmem snap/);
});
