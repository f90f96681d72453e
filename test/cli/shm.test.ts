// `perfmem shm ...`, run as a user would: node bin/perfmem.js in a child process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { constants as c, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { shmOpen } from '../../src/shm/index.js';
import { parseSize, parseMode, objectName, modeString, hexdumpLines } from '../../src/cli/shm.js';
import { HexDumper } from '../../src/cli/hexdump.js';
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
  assertUserError(perfmem('create', '-s', '12q', '/x'), /^perfmem: shm create: bad size '12q'/);
  assertUserError(perfmem('create', '-m', '999', '/x'), /^perfmem: shm create: bad mode '999'/);
  // Beyond the nine permission bits: refused, not silently dropped.
  assertUserError(perfmem('create', '-m', '7777', '/x'), /bad mode '7777': only the permission bits 0 to 777/);
  assertUserError(perfmem('create', '-m', '1600', '/x'), /bad mode '1600'/);
  // A value that starts with '-' was given: it is bad, not missing.
  assertUserError(perfmem('create', '-m', '-1', '/x'), /^perfmem: shm create: bad value '-1' for -m \(octal/);
  assertUserError(perfmem('create', '-s', '-5', '/x'), /^perfmem: shm create: bad value '-5' for -s \(bytes/);
  assertUserError(perfmem('create', '--size', '-5', '/x'), /bad value '-5' for --size \(bytes/);
  assertUserError(perfmem('create', '-m'), /^perfmem: shm create: option '-m' needs a value/);
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
        assert.throws(() => parseSize(`${n}${suffix}`), /bad size/);
      } else {
        assert.equal(parseSize(`${n}${suffix}`), expected);
      }
    }));
  fc.assert(fc.property(fc.string(), (s) => {
    if (/^\d+[kmgt]?$/i.test(s)) return;
    assert.throws(() => parseSize(s), /bad size/);
  }));
});

test('parseMode takes 1 to 4 octal digits up to 0777 (no setuid, setgid, sticky); modeString renders the nine bits', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0o7777 }), (mode) => {
    if (mode > 0o777) {
      assert.throws(() => parseMode(mode.toString(8)), /bad mode '[0-7]+': only the permission bits 0 to 777/);
      return;
    }
    assert.equal(parseMode(mode.toString(8)), mode);
    assert.equal(parseMode(mode.toString(8).padStart(4, '0')), mode);
    const s = modeString(mode);
    assert.match(s, /^[r-][w-][x-][r-][w-][x-][r-][w-][x-]$/);
    assert.equal([...s].reduce((acc, ch) => acc * 2 + (ch === '-' ? 0 : 1), 0), mode & 0o777);
  }));
  fc.assert(fc.property(fc.string(), (s) => {
    if (/^[0-7]{1,4}$/.test(s)) return;
    assert.throws(() => parseMode(s), /bad mode/);
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

/** HexDumper's bytes as text, fed in the given chunk sizes. */
function fastDump(bytes: Uint8Array, cuts: number[]): string {
  const parts: string[] = [];
  const d = new HexDumper((b) => parts.push(Buffer.from(b).toString('latin1')), 256);
  let at = 0;
  for (const cut of cuts) {
    const n = Math.min(bytes.length - at, cut * 16);
    if (n <= 0) break;
    d.push(bytes.subarray(at, at + n), at);
    at += n;
  }
  if (at < bytes.length) d.push(bytes.subarray(at), at);
  d.end(bytes.length);
  return parts.join('');
}

test('HexDumper (the fast dump) prints what hexdumpLines does, however the input is cut', () => {
  const withRepeats = fc.array(fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.constant(new Uint8Array(16))), { maxLength: 40 })
    .chain((rows) => fc.uint8Array({ maxLength: 15 }).map((tail) => Uint8Array.from([...rows.flatMap((r) => [...r]), ...tail])));
  fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 600 }), withRepeats), fc.array(fc.integer({ min: 1, max: 8 }), { maxLength: 50 }), (bytes, cuts) => {
    const lines = hexdumpLines(bytes, 0, { previous: '', starred: false });
    const expected = bytes.length === 0 ? '' : [...lines, bytes.length.toString(16).padStart(8, '0')].join('\n') + '\n';
    assert.equal(fastDump(bytes, cuts), expected);
  }));
});

test('HexDumper.zeros: a skipped hole prints as one zero row and a star', () => {
  const parts: string[] = [];
  const d = new HexDumper((b) => parts.push(Buffer.from(b).toString('latin1')));
  d.zeros(0, 1 << 30);
  d.end(1 << 30);
  assert.equal(parts.join(''), '00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n40000000\n');
});

test('dump matches util-linux hexdump -C byte for byte, sparse objects included', (t) => {
  if (spawnSync('hexdump', ['--version']).status !== 0) return t.skip('hexdump (bsdextrautils) not installed');
  for (const [size, fill] of [[0, 0], [5, 5], [100_000, 100_000], [3 << 20, 4096], [(3 << 20) + 7, 0]] as const) {
    const a = uniqueName('cli-hex');
    const o = shmOpen(a, c.O_RDWR | c.O_CREAT | c.O_EXCL);
    try {
      o.truncate(size);
      const data = new Uint8Array(fill);
      for (let i = 0; i < fill; i++) data[i] = (i * 7919) % 251 < 120 ? 0 : (i * 31) & 255;
      if (fill > 0) o.write(data, size > fill ? 1 << 20 : 0);
      const ours = spawnSync(process.execPath, [bin, 'shm', 'dump', a], { encoding: 'latin1', maxBuffer: 1 << 26 });
      const theirs = spawnSync('hexdump', ['-C', `/dev/shm${a}`], { encoding: 'latin1', maxBuffer: 1 << 26 });
      assert.equal(ours.status, 0, ours.stderr);
      assert.equal(ours.stdout, theirs.stdout, `size ${size}`);
    } finally {
      o.close();
    }
  }
});

test('dump of a 1 TiB sparse object into a pipe that closes: ends at once, with the holes skipped', () => {
  const a = uniqueName('cli-sparse');
  const o = shmOpen(a, c.O_RDWR | c.O_CREAT | c.O_EXCL);
  try {
    o.truncate(2 ** 40);
    o.write(Buffer.from('needle'), 2 ** 39);
    // The whole dump: 3 lines and 2 stars, not 2^36 formatted rows (a timeout of 60 s would stop a spin).
    const whole = spawnSync(process.execPath, [bin, 'shm', 'dump', a], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(whole.status, 0, whole.stderr);
    assert.deepEqual(whole.stdout.split('\n').filter((l) => l === '*').length, 2);
    assert.match(whole.stdout, /\n8000000000  6e 65 65 64 6c 65 00 00 .*\|needle\.\.\.\.\.\.\.\.\.\.\|\n/);
    assert.match(whole.stdout, /\n10000000000\n$/);
    // Into `head -1`: the reader goes away; perfmem ends quietly, status 0, nothing on stderr.
    const piped = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" shm dump ${a} | head -c 10`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stdout, '00000000  ');
    assert.equal(piped.stderr, '');
  } finally {
    o.close();
  }
});

test('dump of random data into head stops at the closed pipe (EPIPE), quietly', () => {
  const a = uniqueName('cli-rand');
  const o = shmOpen(a, c.O_RDWR | c.O_CREAT | c.O_EXCL);
  try {
    o.truncate(8 << 20);
    const chunk = new Uint8Array(1 << 20);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
    for (let at = 0; at < 8 << 20; at += chunk.length) o.write(chunk, at);
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" shm dump ${a} | head -n 2; echo "status:\${PIPESTATUS:-x}"`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.split('\n').length, 4);
  } finally {
    o.close();
  }
});
