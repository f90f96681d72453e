// `perfmem shm ...`, run as a user would: node bin/perfmem.js in a child process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { constants as c, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { shmOpen } from '../../src/shm/index.js';
import { parseSize, parseMode, objectName, modeString, hexdumpLines } from '../../src/cli/shm.js';
import { uniqueName, cleanup } from '../shm/helpers.js';

after(cleanup);

const bin = fileURLToPath(new URL('../../../bin/perfmem.js', import.meta.url));
function perfmem(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, 'shm', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user error: exactly one line `perfmem: ...` on stderr, nothing on stdout, non-zero exit. */
function assertUserError(r: ReturnType<typeof perfmem>, pattern: RegExp, status = 2): void {
  assert.equal(r.status, status, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^perfmem: /);
  assert.match(lines[0]!, pattern);
}

test('create with mode and size, stat, truncate and rm act on the real objects', () => {
  const a = uniqueName('cli-a');
  const b = uniqueName('cli-b').slice(1); // the slash may be left out
  let r = perfmem('create', '-m', '640', '-s', '3k', a, b);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(`/dev/shm${a}`).size, 3072);
  assert.equal(statSync(`/dev/shm${a}`).mode & 0o777, 0o640 & ~process.umask());
  assert.equal(statSync(`/dev/shm/${b}`).size, 3072);
  r = perfmem('truncate', '-s', '1m', a, b);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(statSync(`/dev/shm${a}`).size, 1 << 20);
  r = perfmem('stat', a);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^path\\t${a}$`, 'm'));
  assert.match(r.stdout, /^size\t1048576$/m);
  assert.match(r.stdout, /^mode\trw-r-----/m);
  assert.match(r.stdout, new RegExp(`^inode\\t${statSync(`/dev/shm${a}`).ino}$`, 'm'));
  r = perfmem('stat', '--json', a, b);
  const json = JSON.parse(r.stdout) as { name: string; size: number; mode: string }[];
  assert.deepEqual(json.map((e) => [e.name, e.size, e.mode]), [[a, 1 << 20, '0640'], [`/${b}`, 1 << 20, '0640']]);
  r = perfmem('rm', a, b);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(existsSync(`/dev/shm${a}`), false);
  assert.equal(existsSync(`/dev/shm/${b}`), false);
});

test('ls lists names; -l shows mode, owner, group, size; --json the same as data', () => {
  const a = uniqueName('cli-ls');
  const o = shmOpen(a, c.O_RDWR | c.O_CREAT | c.O_EXCL, 0o600);
  try {
    o.truncate(4321);
    let r = perfmem('ls');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.split('\n').includes(a));
    r = perfmem('ls', '-l');
    const line = r.stdout.split('\n').find((l) => l.endsWith(` ${a}`));
    assert.match(line ?? '', /^rw------- \S+\s+\S+\s+4321 \d{4}-\d\d-\d\d \d\d:\d\d /);
    r = perfmem('ls', '--json');
    const entry = (JSON.parse(r.stdout) as { name: string; size: number; mode: string; uid: number }[]).find((e) => e.name === a);
    assert.deepEqual({ size: entry?.size, mode: entry?.mode, uid: entry?.uid }, { size: 4321, mode: '0600', uid: process.getuid!() });
  } finally {
    o.close();
  }
});

test('dump prints a hex dump like hexdump -C, repeats folded into *', () => {
  const a = uniqueName('cli-dump');
  const o = shmOpen(a, c.O_RDWR | c.O_CREAT | c.O_EXCL);
  try {
    o.truncate(80);
    o.write(Buffer.from('hello, shared world'), 0);
    const r = perfmem('dump', a);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n'), [
      '00000000  68 65 6c 6c 6f 2c 20 73  68 61 72 65 64 20 77 6f  |hello, shared wo|',
      '00000010  72 6c 64 00 00 00 00 00  00 00 00 00 00 00 00 00  |rld.............|',
      '00000020  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|',
      '*',
      '00000050',
      '',
    ]);
  } finally {
    o.close();
  }
});

test('user errors print one line and exit non-zero', () => {
  assertUserError(perfmem('frobnicate'), /unknown command 'frobnicate'/);
  assertUserError(perfmem('ls', '--bad'), /unknown option '--bad'/);
  assertUserError(perfmem('create', '-s', '12q', '/x'), /invalid size '12q'/);
  assertUserError(perfmem('create', '-m', '999', '/x'), /invalid mode '999'/);
  assertUserError(perfmem('truncate', '/x'), /size is required/);
  assertUserError(perfmem('truncate', '-s'), /'-s' needs a value/);
  assertUserError(perfmem('rm'), /no object named/);
  assertUserError(perfmem('dump', '/a', '/b'), /one name only/);
  const missing = uniqueName('missing');
  assertUserError(perfmem('stat', missing), new RegExp(`ENOENT: no such file or directory, shm_open '${missing}'`), 1);
  assertUserError(perfmem('rm', missing), /ENOENT.*shm_unlink/, 1);
  assertUserError(perfmem('create', '/a/b'), /EINVAL: invalid argument, shm_open '\/a\/b'/, 1);
});

test('one failing name does not stop the others (exit 1)', () => {
  const a = uniqueName('cli-one');
  const missing = uniqueName('cli-missing');
  perfmem('create', a);
  const r = perfmem('rm', missing, a);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.equal(existsSync(`/dev/shm${a}`), false);
});

test('--help prints the usage and exits 0', () => {
  const r = perfmem('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: perfmem shm/);
  assert.equal(perfmem('ls', '-h').status, 0);
});

test('parseSize: digits with an optional k/m/g/t suffix (powers of 1024); nothing else', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(['', 1], ['k', 2 ** 10], ['K', 2 ** 10], ['m', 2 ** 20], ['G', 2 ** 30], ['t', 2 ** 40]),
    (n, [suffix, scale]) => {
      const expected = n * (scale as number);
      if (!Number.isSafeInteger(expected)) {
        assert.throws(() => parseSize(`${n}${suffix}`), /invalid size/);
      } else {
        assert.equal(parseSize(`${n}${suffix}`), expected);
      }
    }));
  fc.assert(fc.property(fc.string(), (s) => {
    if (/^\d+[kmgt]?$/i.test(s)) return;
    assert.throws(() => parseSize(s), /invalid size/);
  }));
});

test('parseMode takes 1 to 4 octal digits; modeString renders the nine bits', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0o7777 }), (mode) => {
    assert.equal(parseMode(mode.toString(8)), mode);
    assert.equal(parseMode(mode.toString(8).padStart(4, '0')), mode);
    const s = modeString(mode);
    assert.match(s, /^[r-][w-][x-][r-][w-][x-][r-][w-][x-]$/);
    assert.equal([...s].reduce((acc, ch) => acc * 2 + (ch === '-' ? 0 : 1), 0), mode & 0o777);
  }));
  fc.assert(fc.property(fc.string(), (s) => {
    if (/^[0-7]{1,4}$/.test(s)) return;
    assert.throws(() => parseMode(s), /invalid mode/);
  }));
  assert.equal(objectName('x'), '/x');
  assert.equal(objectName('/x'), '/x');
});

test('hexdumpLines: every byte appears once, in order, 16 to a line, repeated lines as *', () => {
  const withRepeats = fc.array(fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.constant(new Uint8Array(16))), { maxLength: 12 })
    .chain((rows) => fc.uint8Array({ maxLength: 15 }).map((tail) => Uint8Array.from([...rows.flatMap((r) => [...r]), ...tail])));
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), withRepeats), (bytes) => {
    const back: number[] = [];
    let starred = false;
    const refill = (upTo: number) => {
      const last = back.slice(-16);
      while (starred && back.length < upTo) back.push(...last);
      starred = false;
    };
    for (const line of hexdumpLines(bytes, 0, { previous: '', starred: false })) {
      if (line === '*') {
        assert.equal(starred, false, 'never two stars in a row');
        starred = true;
        continue;
      }
      const offset = parseInt(line.slice(0, 8), 16);
      refill(offset);
      assert.equal(offset, back.length);
      back.push(...line.slice(10, 59).trim().split(/\s+/).filter(Boolean).map((h) => parseInt(h, 16)));
      assert.equal(line.slice(61, -1).length, Math.min(16, bytes.length - offset), 'one ASCII column per byte');
    }
    refill(bytes.length);
    assert.deepEqual(back, [...bytes]);
  }));
});
