/**
 * `perfmem stat` on live JVMs, against the JDK's own jstat on the same process. Counters of a
 * sleeping JVM hold still, but a JIT compile or a class load can land between two reads: each
 * comparison takes perfmem, jstat, perfmem again, and only judges a moment where perfmem's two
 * reads agree (the counters did not move around jstat's read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haveJdk, perfmem, startJvm, tool } from './helpers.js';

const OPTIONS = ['gcutil', 'gc', 'class', 'compiler', 'gccapacity', 'gcnew', 'gcold', 'gcmetacapacity', 'gcnewcapacity', 'gcoldcapacity', 'gccause'];

async function quiescentPair(args: string[]): Promise<{ ours: string; theirs: string }> {
  let last = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = await perfmem(['stat', ...args]);
    const jstat = await tool('jstat', args);
    const after = await perfmem(['stat', ...args]);
    assert.equal(before.code, 0, before.stderr);
    assert.equal(jstat.code, 0, jstat.stderr);
    if (before.stdout === after.stdout) return { ours: before.stdout, theirs: jstat.stdout };
    last = `${before.stdout}\n${after.stdout}`;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`counters never held still:\n${last}`);
}

for (const [gcName, jvmArgs] of [['G1', []], ['Serial', ['-XX:+UseSerialGC']]] as const) {
  test(`stat prints what jstat prints, column for column, on a ${gcName} JVM`, { timeout: 120_000 }, async (t) => {
    if (!haveJdk()) return t.skip('java/jstat not found');
    const jvm = await startJvm(t, [...jvmArgs]);
    for (const option of OPTIONS) {
      const { ours, theirs } = await quiescentPair([`-${option}`, String(jvm.pid)]);
      assert.equal(ours, theirs, `-${option} differs from jstat`);
      assert.equal(ours.split('\n').length, 3, `-${option}: a header and one row`);
    }
  });
}

test('stat -t: the timestamp column is seconds since JVM start, like jstat\'s', { timeout: 60_000 }, async (t) => {
  if (!haveJdk()) return t.skip('java/jstat not found');
  const jvm = await startJvm(t);
  const ours = await perfmem(['stat', '-gcutil', '-t', String(jvm.pid)]);
  const theirs = await tool('jstat', ['-gcutil', '-t', String(jvm.pid)]);
  const [oursHeader, oursRow] = ours.stdout.split('\n');
  const [theirsHeader, theirsRow] = theirs.stdout.split('\n');
  assert.equal(oursHeader, theirsHeader);
  assert.match(oursHeader!, /^Timestamp {8}/);
  const ourTime = Number(oursRow!.slice(0, 15));
  const theirTime = Number(theirsRow!.slice(0, 15));
  assert.ok(Math.abs(ourTime - theirTime) < 3, `${ourTime} vs ${theirTime}`);
  assert.equal(oursRow!.slice(15), theirsRow!.slice(15));
});

test('stat -h<n> repeats the header where jstat does, and <interval> <count> takes count rows', { timeout: 60_000 }, async (t) => {
  if (!haveJdk()) return t.skip('java/jstat not found');
  const jvm = await startJvm(t);
  const args = ['-gcutil', '-h2', String(jvm.pid), '20ms', '5'];
  const ours = await perfmem(['stat', ...args]);
  const theirs = await tool('jstat', args);
  const headers = (s: string) => s.trimEnd().split('\n').map((l) => l.startsWith('  S0') ? 'H' : 'r').join('');
  assert.equal(headers(ours.stdout), 'HrrHrrHr');
  assert.equal(headers(ours.stdout), headers(theirs.stdout));
});

test('stat ends cleanly when the process exits mid-run', { timeout: 60_000 }, async (t) => {
  if (!haveJdk()) return t.skip('java/jstat not found');
  const jvm = await startJvm(t);
  const run = perfmem(['stat', '-gc', String(jvm.pid), '100ms']);
  await new Promise((r) => setTimeout(r, 700));
  await jvm.stop();
  const result = await run;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const lines = result.stdout.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a complete line');
  assert.ok(lines.length >= 3, result.stdout);
  for (const l of lines) assert.equal(l.length, lines[0]!.length, 'every row is complete');
});
