/**
 * `perfmem stat` on live JVMs, against the JDK's own jstat on the same process. Counters of a
 * sleeping JVM hold still, but a JIT compile or a class load can land between two reads: each
 * comparison takes perfmem, jstat, perfmem again, and only judges a moment where perfmem's two
 * reads agree (the counters did not move around jstat's read).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, haveJdk, inParallel, perfmem, startJvm, tool } from './helpers.js';

const OPTIONS = ['gcutil', 'gc', 'class', 'compiler', 'gccapacity', 'gcnew', 'gcold', 'gcmetacapacity', 'gcnewcapacity', 'gcoldcapacity', 'gccause'];

/**
 * perfmem's and jstat's output at one moment. Usually the first pair agrees; when it does not,
 * perfmem reads again after jstat and the pair counts only if perfmem's two reads agree.
 */
async function quiescentPair(args: string[]): Promise<{ ours: string; theirs: string }> {
  let before = await perfmem(['stat', ...args]);
  let last = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    const jstat = await tool('jstat', args);
    assert.equal(before.code, 0, before.stderr);
    assert.equal(jstat.code, 0, jstat.stderr);
    if (before.stdout === jstat.stdout) return { ours: before.stdout, theirs: jstat.stdout };
    const after = await perfmem(['stat', ...args]);
    if (before.stdout === after.stdout) return { ours: before.stdout, theirs: jstat.stdout };
    last = `${before.stdout}\n${after.stdout}`;
    before = after;
  }
  throw new Error(`counters never held still:\n${last}`);
}

// Every option on the default collector (G1); the heap-shape options again on Serial, whose
// survivor spaces and tenuring counters G1 does not have.
const CASES = [['G1', [], OPTIONS], ['Serial', ['-XX:+UseSerialGC'], ['gcutil', 'gc', 'gccapacity', 'gcnew', 'gcnewcapacity']]] as const;

for (const [gcName, jvmArgs, options] of CASES) {
  test(`stat prints what jstat prints, column for column, on a ${gcName} JVM`, { timeout: 120_000 }, async (t) => {
    if (!haveJdk()) return t.skip('java/jstat not found');
    const jvm = await startJvm(t, [...jvmArgs]);
    await inParallel(options, 3, async (option) => {
      const { ours, theirs } = await quiescentPair([`-${option}`, String(jvm.pid)]);
      assert.equal(ours, theirs, `-${option} differs from jstat`);
      assert.equal(ours.split('\n').length, 3, `-${option}: a header and one row`);
    });
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
  const stat = spawn(process.execPath, [BIN, 'stat', '-gc', String(jvm.pid), '100ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => stat.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  stat.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  stat.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => stat.once('exit', (code) => resolve(code)));
  while (stdout.split('\n').length < 4) await new Promise((r) => setTimeout(r, 20)); // a header and 2 rows
  await jvm.stop();
  assert.equal(await exited, 0, stderr);
  assert.equal(stderr, '');
  const lines = stdout.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a complete line');
  assert.ok(lines.length >= 3, stdout);
  for (const l of lines) assert.equal(l.length, lines[0]!.length, 'every row is complete');
});
