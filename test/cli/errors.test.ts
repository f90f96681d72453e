/** User errors: one line (plus a usage line for bad options), the right exit code, no stack trace. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, REGISTER, REPO, perfmem, startNode } from './helpers.js';

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
    [['ps', '--nope'], /^perfmem: ps: unknown option '--nope'\nusage: perfmem ps/],
    [['snap', '1', '--filter'], /^perfmem: snap: option --filter needs a value\nusage: perfmem snap/],
    [['stat', '-gcutil', '1', '1s', '-x'], /^perfmem: stat: option -x must come before the pid or file\nusage: perfmem stat/],
    [['register-path', 'x'], /^perfmem: register-path: unexpected argument 'x'\nusage: perfmem register-path/],
    [['watch', 'abc'], /^perfmem: watch: 'abc' is not a pid\nusage: perfmem watch/],
    [['watch', '-i'], /^perfmem: option -i needs a value\nusage: perfmem watch/],
    [['snap', '1', '2'], /^perfmem: snap: expected one pid or file\nusage: perfmem snap/],
    // Every command is offered (the list grows with the commands: only its shape is fixed here).
    [['frobnicate'], /^perfmem: unknown command 'frobnicate' \(try: ps, snap, stat(, [a-z-]+)+\)\n$/],
    // A hostile argument reaches the terminal inert.
    [['ps', '--x\u001b]0;pwned\u0007'], /^perfmem: ps: unknown option '--x\\x1b\]0;pwned\\x07'\n/],
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

const COMMANDS = ['ps', 'snap', 'stat', 'watch', 'serve', 'shm', 'demo', 'register-path'];

test('help: `perfmem <command> --help` and `perfmem help <command>` say what each option does, with examples', async () => {
  for (const command of COMMANDS) {
    const viaFlag = await perfmem([command, '--help']);
    const viaHelp = await perfmem(['help', command]);
    assert.equal(viaFlag.code, 0, command);
    assert.equal(viaHelp.stdout, viaFlag.stdout, command);
    assert.match(viaFlag.stdout, new RegExp(`^usage: perfmem ${command}`), command);
    assert.match(viaFlag.stdout, /\nexamples?:\n/i, `${command} has examples`);
    assert.match(viaFlag.stdout, /\n(options|commands):\n/, `${command} explains its options`);
  }
  const top = await perfmem(['help']);
  assert.equal(top.code, 0);
  for (const command of COMMANDS) assert.match(top.stdout, new RegExp(`\n  ${command} +\\S`));
  const none = await perfmem([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^usage: perfmem <command>/);
});

test('version: `perfmem version`, --version and -V print the package version', async () => {
  const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  for (const args of [['version'], ['--version'], ['-V']]) {
    const r = await perfmem(args);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${version}\n`);
  }
});

test('a live process that publishes no region: says it runs uninstrumented and how to instrument it', async (t) => {
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => { sleeper.kill('SIGKILL'); });
  for (const args of [['snap', String(sleeper.pid)], ['stat', '-cpu', String(sleeper.pid)]]) {
    const r = await perfmem(args);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^perfmem: process ${sleeper.pid} is running but publishes no perfdata region: .*register-path.*\n$`));
    noStack(r.stderr);
  }
});

test('snap: leading zeros are still a pid; --filter that matches nothing says so, exit 1; -i ignores case', async (t) => {
  const node = await startNode(t, "setInterval(() => {}, 1000); console.log('ready');");
  const padded = await perfmem(['snap', `000${node.pid}`, '--filter', 'perfmem\\.kind']);
  assert.equal(padded.code, 0, padded.stderr);
  assert.equal(padded.stdout, 'perfmem.kind="node"\n');
  const none = await perfmem(['snap', String(node.pid), '--filter', 'NODE\\.']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^perfmem: snap: no counter of \d+ matches --filter 'NODE\\\.' \(a case-sensitive regular expression .*-i ignores case\)\n$/);
  const folded = await perfmem(['snap', String(node.pid), '--filter', 'PERFMEM\\.KIND', '-i']);
  assert.equal(folded.code, 0, folded.stderr);
  assert.equal(folded.stdout, 'perfmem.kind="node"\n');
});

test('snap and stat of a directory or a device: "not a regular file", exit 1, nothing read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-notfile-'));
  try {
    for (const path of [dir, '/dev/null']) {
      for (const args of [['snap', path], ['stat', '-gcutil', path]]) {
        const r = await perfmem(args);
        assert.equal(r.code, 1, args.join(' '));
        assert.equal(r.stderr, `perfmem: ${path}: not a regular file (give a pid or a region file)\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file that is not a region: said so, without showing its bytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-notregion-'));
  try {
    const file = join(dir, 'secret');
    writeFileSync(file, 'root:x:0:0:secret\n'.repeat(300));
    for (const args of [['snap', file], ['stat', '-gcutil', file]]) {
      const r = await perfmem(args);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `perfmem: ${file}: not a perfdata region (it does not start with the hsperfdata magic number)\n`);
      assert.doesNotMatch(r.stderr, /726f6f74|root/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('escape sequences in a region (command, arguments, string counters; names are refused by the writer) are inert in ps, snap and stat', { timeout: 60_000 }, async (t) => {
  const evil = 'x\n    1 node running 99d root /sbin/init\u001b]0;pwned\u0007\u001b[2J';
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-evil-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'evil.mjs');
  writeFileSync(script, `
import { currentRegion } from ${JSON.stringify(new URL('../../src/perfmemory/index.js', import.meta.url).href)};
const r = currentRegion();
r.string('app.evil', ${JSON.stringify(evil)}, { variability: 'constant' });
(r.counter('sun.gc.lastCause')).set(${JSON.stringify(evil)});
setInterval(() => {}, 1000);
console.log('ready');
`);
  const child = spawn(process.execPath, ['--import', REGISTER, script, evil], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => { child.kill('SIGKILL'); });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
  const outputs = [
    await perfmem(['ps', '-lmv']),
    await perfmem(['snap', String(child.pid)]),
    await perfmem(['snap', String(child.pid), '-v']),
    await perfmem(['stat', '-gccause', String(child.pid)]),
  ];
  for (const r of outputs) {
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/, 'no control character but the line ends');
  }
  const psLine = outputs[0]!.stdout.split('\n').filter((l) => l.includes('evil.mjs'));
  assert.equal(psLine.length, 1, 'one row: no forged row');
  assert.match(psLine[0]!, /x\\n {4}1 node running 99d root \/sbin\/init\\x1b\]0;pwned\\x07\\x1b\[2J/);
  assert.match(outputs[1]!.stdout, /(^|\n)app\.evil="x\\n {4}1 node running 99d root \/sbin\/init\\x1b\]0;pwned\\x07\\x1b\[2J"\n/);
  // --json keeps the exact values.
  const json = JSON.parse((await perfmem(['snap', String(child.pid), '--json'])).stdout) as { name: string; value: unknown }[];
  assert.equal(json.find((c) => c.name === 'app.evil')?.value, evil);
  const rows = JSON.parse((await perfmem(['ps', '--json'])).stdout) as { pid: number; command: string }[];
  assert.ok(rows.find((r) => r.pid === child.pid)!.command.endsWith(evil));
});

test('ps -q --json: the pids as a JSON array', async () => {
  const r = await perfmem(['ps', '-q', '--json']);
  assert.equal(r.code, 0);
  const pids = JSON.parse(r.stdout) as unknown[];
  assert.ok(pids.every((p) => typeof p === 'number'));
  const plain = (await perfmem(['ps', '-q'])).stdout.trim().split('\n').filter(Boolean).map(Number);
  assert.ok(pids.length > 0 === plain.length > 0);
});

test('register-path: an absolute path that instruments node from a directory where perfmem does not resolve', { timeout: 60_000 }, async (t) => {
  const elsewhere = mkdtempSync(join(tmpdir(), 'perfmem-elsewhere-'));
  t.after(() => rmSync(elsewhere, { recursive: true, force: true }));
  const r = await perfmem(['register-path']);
  assert.equal(r.code, 0);
  const path = r.stdout.trimEnd();
  assert.ok(path.startsWith('/'), path);
  const run = (nodeOptions: string) => promisify(execFile)(process.execPath,
    ['-e', "setTimeout(() => console.log(require('node:fs').existsSync(`${process.env.PERFMEM_DIR}/hsperfdata_${require('node:os').userInfo().username}/${process.pid}`)), 300)"],
    { cwd: elsewhere, env: { ...process.env, NODE_OPTIONS: nodeOptions, PERFMEM_DIR: elsewhere } });
  const ok = await run(`--import ${path}`);
  assert.equal(ok.stdout, 'true\n', 'the process published its region');
  // The bare specifier the README used to give fails there: the reason for register-path.
  await assert.rejects(run('--import perfmem/register'), /ERR_MODULE_NOT_FOUND/);
  // The package's hook: an app that imports perfmem itself shares the hook's modules and its one region.
  assert.ok(path.endsWith('/dist/src/runtime/register-require.cjs'), path);
  const shared = await promisify(execFile)(process.execPath, ['-e', "import('perfmem').then((m) => console.log(m.createRegion().shared, m.currentRegion() === m.createRegion()))"],
    { cwd: REPO, env: { ...process.env, NODE_OPTIONS: `--import ${path}`, PERFMEM_DIR: elsewhere } });
  assert.equal(shared.stdout, 'true true\n', 'one region, shared, for the hook and the app');
  assert.equal(shared.stderr, '');
  const json = JSON.parse((await perfmem(['register-path', '--json'])).stdout) as { path: string; url: string; nodeOptions: string };
  assert.equal(json.path, path);
  assert.equal(json.nodeOptions, `--import ${path}`);
  assert.match((await perfmem(['register-path', '--url'])).stdout, /^file:\/\/\//);
});
