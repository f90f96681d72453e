/** User errors: one line (plus a usage line for bad options), the right exit code, no stack trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { BIN, perfmem, startNode } from './helpers.js';

const noStack = (stderr: string) => assert.doesNotMatch(stderr, /\n\s+at |Error:/, stderr);

test('an unknown pid: "perfmem: process N not found", exit 1, for every command that takes one', async () => {
  for (const args of [['stat', '-gcutil', '2147480001'], ['snap', '2147480001'], ['watch', '2147480001', '-n', '1'],
    ['stat', '-gc', '2147480001', '1s', '3']]) {
    const r = await perfmem(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, 'perfmem: process 2147480001 not found\n');
    assert.equal(r.stdout, '');
  }
});

test('bad options: what was wrong, then the usage line; exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['stat', '-nosuch', '1'], /^perfmem: stat: unknown option -nosuch \(perfmem stat -options lists them\)\n$/],
    [['stat', '-gcutil', '1', '5x'], /^perfmem: stat: bad interval '5x' .*\nusage: perfmem stat -<option>/],
    [['stat', '-gcutil', '-hz', '1'], /^perfmem: stat: illegal -h argument: z\nusage: perfmem stat/],
    [['stat'], /^perfmem: stat: an option is required\nusage: perfmem stat/],
    [['ps', '--nope'], /^perfmem: unknown option '--nope'\nusage: perfmem ps/],
    [['watch', 'abc'], /^perfmem: watch: 'abc' is not a pid\nusage: perfmem watch/],
    [['watch', '-i'], /^perfmem: option -i needs a value\nusage: perfmem watch/],
    [['snap', '1', '2'], /^perfmem: snap: expected one pid or file\nusage: perfmem snap/],
    [['frobnicate'], /^perfmem: unknown command 'frobnicate' \(try: ps, snap, stat, otlp, watch, serve, shm, demo\)\n$/],
  ];
  for (const [args, expected] of cases) {
    const r = await perfmem(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, expected);
    noStack(r.stderr);
  }
});

test('stat -options lists every option, for JVMs and Node', async () => {
  const r = await perfmem(['stat', '-options']);
  assert.equal(r.code, 0);
  const names = r.stdout.trim().split('\n');
  for (const o of ['-class', '-compiler', '-gc', '-gccapacity', '-gcutil', '-gcnew', '-gcold', '-gcmetacapacity', '-heap', '-eventloop', '-cpu', '-handles']) {
    assert.ok(names.includes(o), o);
  }
  assert.deepEqual(names, [...names].sort());
  const verbose = await perfmem(['stat', '-options', '-v']);
  assert.match(verbose.stdout, /^JVM processes:\n/);
  assert.match(verbose.stdout, /\n {6}GCT +total collection time \(s\)\n/);
  assert.match(verbose.stdout, /\nNode processes:\n/);
});

test('a region this user may not read: a clear permission message, exit 1', async (t) => {
  if (process.geteuid?.() !== 0) return t.skip('needs root, to run perfmem as another user');
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
  } catch {
    return t.skip('setpriv not found');
  }
  const node = await startNode(t, "setInterval(() => {}, 1000); console.log('ready');");
  for (const args of [['snap', String(node.pid)], ['stat', '-heap', String(node.pid)], ['watch', String(node.pid), '-n', '1']]) {
    let code = 0;
    let stderr = '';
    try {
      await promisify(execFile)('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args]);
    } catch (err) {
      code = (err as { code: number }).code;
      stderr = (err as { stderr: string }).stderr;
    }
    assert.equal(code, 1, args.join(' '));
    assert.equal(stderr, `perfmem: permission denied: cannot read the counters of ${node.pid} (run as its owner or as root)\n`);
  }
});
