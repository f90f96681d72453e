// Property tests (fast-check) for name and flag validation, checked against the real system.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { constants as c, existsSync } from 'node:fs';
import { shmOpen, shmUnlink, shmRename, memfdCreate, SHM_ANON, MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB } from '../../src/shm/index.js';
import { uniqueName, cleanup } from './helpers.js';

after(cleanup);

const prefix = `perfmem-test-${process.pid}-prop-`;
const ALLOWED = 3 | c.O_CREAT | c.O_EXCL | c.O_TRUNC;

/** A name char: anything but '/' and NUL, multi-byte UTF-8 included. */
const nameChar = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
  fc.constantFrom('-', '_', '.', ' ', 'é', '€', '😀', ':', '\n'),
).filter((s) => !s.includes('/') && !s.includes('\0'));

test('every valid name up to 255 bytes opens exactly /dev/shm/<name>', () => {
  fc.assert(fc.property(fc.array(nameChar, { maxLength: 60 }), (chars) => {
    let tail = chars.join('');
    while (Buffer.byteLength(prefix + tail) > 255) tail = [...tail].slice(0, -1).join('');
    const path = `/${prefix}${tail}`;
    const o = shmOpen(path, c.O_RDWR | c.O_CREAT | c.O_EXCL);
    try {
      assert.ok(existsSync(`/dev/shm${path}`));
      assert.equal(o.stat().ino, shmOpen(path, c.O_RDONLY).stat().ino);
    } finally {
      o.close();
      shmUnlink(path);
    }
    assert.equal(existsSync(`/dev/shm${path}`), false);
  }), { numRuns: 150 });
});

test('a name without a leading slash, or with another slash, is EINVAL and touches nothing', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 80 }), (a, b) => {
    const noSlash = a.replace(/^\/+/, '');
    for (const path of [noSlash, `/${a}/${b}`]) {
      if (Buffer.byteLength(path) > 1023) continue;
      for (const op of [() => shmOpen(path, c.O_RDWR | c.O_CREAT), () => shmUnlink(path), () => shmRename(path, `/${prefix}x`)]) {
        assert.throws(op, (e: { code?: string }) => e.code === 'EINVAL', JSON.stringify(path));
      }
    }
  }), { numRuns: 200 });
});

test('over 1023 bytes is ENAMETOOLONG whatever the name; over 255 after the slash too', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1200 }), fc.integer({ min: 1, max: 900 }), (s, extra) => {
    const long = s.padEnd(1024, 'x');
    assert.throws(() => shmOpen(long, c.O_RDWR | c.O_CREAT), { code: 'ENAMETOOLONG' });
    const tail = 'y'.repeat(255 + Math.min(extra, 767));
    assert.throws(() => shmOpen(`/${tail}`, c.O_RDWR | c.O_CREAT), { code: 'ENAMETOOLONG' });
    assert.throws(() => shmUnlink(`/${tail}`), { code: 'ENAMETOOLONG' });
  }), { numRuns: 100 });
});

test('flags: valid sets open (or EEXIST for O_CREAT|O_EXCL), anything else is EINVAL', () => {
  const path = uniqueName('flags');
  shmOpen(path, c.O_RDWR | c.O_CREAT | c.O_EXCL).close();
  const anyFlags = fc.oneof(
    fc.integer({ min: 0, max: 0x7fffffff }),
    fc.subarray([1, 2, c.O_CREAT, c.O_EXCL, c.O_TRUNC, c.O_APPEND, c.O_NONBLOCK, c.O_DIRECT, c.O_NOFOLLOW, c.O_SYNC, c.O_DSYNC, c.O_NOATIME])
      .map((bits) => bits.reduce((x, y) => x | y, 0)),
  );
  fc.assert(fc.property(anyFlags, (flags) => {
    const valid = (flags & ~ALLOWED) === 0 && (flags & 3) !== 1 && (flags & 3) !== 3;
    const exclusive = (flags & (c.O_CREAT | c.O_EXCL)) === (c.O_CREAT | c.O_EXCL);
    let code = 'ok';
    try {
      shmOpen(path, flags).close();
    } catch (e) {
      code = (e as { code: string }).code;
    }
    assert.equal(code, !valid ? 'EINVAL' : exclusive ? 'EEXIST' : 'ok', `flags 0x${flags.toString(16)}`);
    // SHM_ANON checks the same bits, then refuses only O_RDONLY.
    let anon = 'ok';
    try {
      shmOpen(SHM_ANON, flags).close();
    } catch (e) {
      anon = (e as { code: string }).code;
    }
    assert.equal(anon, !valid || (flags & 3) === 0 ? 'EINVAL' : 'ok');
  }), { numRuns: 300 });
});

test('shm_rename flags: only 0, NOREPLACE and EXCHANGE pass validation', () => {
  fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (flags) => {
    let code = 'ok';
    try {
      shmRename(`/${prefix}missing-a`, `/${prefix}missing-b`, flags);
    } catch (e) {
      code = (e as { code: string }).code;
    }
    assert.equal(code, flags === 0 || flags === 1 || flags === 2 ? 'ENOENT' : 'EINVAL', `flags ${flags}`);
  }), { numRuns: 300 });
});

test('memfd_create: names up to 249 bytes and the three flags work; anything else is EINVAL', () => {
  const known = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB;
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.integer({ min: 0, max: 0x7fffffff }), fc.boolean(), (name, rawFlags, knownOnly) => {
    const flags = knownOnly ? rawFlags & known : rawFlags;
    const valid = Buffer.byteLength(name) <= 249 && !name.includes('\0') && (flags & ~known) === 0;
    let code = 'ok';
    try {
      memfdCreate(name, flags).close();
    } catch (e) {
      code = (e as { code: string }).code;
    }
    assert.equal(code, valid ? 'ok' : 'EINVAL');
  }), { numRuns: 300 });
});
