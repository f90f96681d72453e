// shm_rename: plain, SHM_RENAME_NOREPLACE, SHM_RENAME_EXCHANGE, and its ERRORS rows.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { constants as c, existsSync, mkdirSync } from 'node:fs';
import { shmOpen, shmRename, SHM_ANON, SHM_RENAME_NOREPLACE, SHM_RENAME_EXCHANGE, type ShmObject } from '../../src/shm/index.js';
import { uniqueName, cleanup, runFixture, isRoot } from './helpers.js';

after(cleanup);

const CREATE = c.O_RDWR | c.O_CREAT | c.O_EXCL;

function withContent(name: string, text: string): void {
  const o = shmOpen(name, CREATE);
  o.truncate(text.length);
  o.write(Buffer.from(text), 0);
  o.close();
}

function contentOf(name: string): string {
  let o: ShmObject | undefined;
  try {
    o = shmOpen(name, c.O_RDONLY);
    const b = Buffer.alloc(o.size);
    o.read(b, 0);
    return b.toString();
  } finally {
    o?.close();
  }
}

test('a plain rename moves the object and replaces what was at the target', () => {
  const a = uniqueName('a');
  const b = uniqueName('b');
  withContent(a, 'first');
  shmRename(a, b);
  assert.equal(existsSync(`/dev/shm${a}`), false);
  assert.equal(contentOf(b), 'first');
  withContent(a, 'second');
  shmRename(a, b, 0);
  assert.equal(contentOf(b), 'second');
  assert.equal(existsSync(`/dev/shm${a}`), false);
});

test('ERRORS EEXIST: SHM_RENAME_NOREPLACE onto an existing object leaves both untouched', () => {
  const a = uniqueName('a');
  const b = uniqueName('b');
  withContent(a, 'from');
  withContent(b, 'to');
  assert.throws(() => shmRename(a, b, SHM_RENAME_NOREPLACE), {
    code: 'EEXIST', syscall: 'shm_rename', path: a, dest: b, message: `EEXIST: file already exists, shm_rename '${a}' -> '${b}'`,
  });
  assert.equal(contentOf(a), 'from');
  assert.equal(contentOf(b), 'to');
  const fresh = uniqueName('fresh');
  shmRename(a, fresh, SHM_RENAME_NOREPLACE);
  assert.equal(contentOf(fresh), 'from');
});

test('SHM_RENAME_EXCHANGE swaps atomically, and onto a missing target is a plain rename', () => {
  const a = uniqueName('a');
  const b = uniqueName('b');
  withContent(a, 'alpha');
  withContent(b, 'beta');
  const held = shmOpen(a, c.O_RDONLY);
  const ino = held.stat().ino;
  shmRename(a, b, SHM_RENAME_EXCHANGE);
  assert.equal(contentOf(a), 'beta');
  assert.equal(contentOf(b), 'alpha');
  assert.equal(shmOpen(b, c.O_RDONLY).stat().ino, ino);
  held.close();
  const missing = uniqueName('missing');
  shmRename(a, missing, SHM_RENAME_EXCHANGE);
  assert.equal(existsSync(`/dev/shm${a}`), false);
  assert.equal(contentOf(missing), 'beta');
});

test('ERRORS ENOENT: no object at the source (for every flag)', () => {
  const a = uniqueName('a');
  const b = uniqueName('b');
  withContent(b, 'kept');
  for (const flags of [0, SHM_RENAME_NOREPLACE, SHM_RENAME_EXCHANGE]) {
    assert.throws(() => shmRename(a, b, flags), { code: 'ENOENT', syscall: 'shm_rename', path: a, dest: b });
  }
  assert.equal(contentOf(b), 'kept');
  assert.throws(() => shmRename(a, uniqueName('c'), SHM_RENAME_EXCHANGE), { code: 'ENOENT' });
  // A directory in /dev/shm is not an object either.
  const dir = uniqueName('dir');
  mkdirSync(`/dev/shm${dir}`);
  assert.throws(() => shmRename(dir, uniqueName('d')), { code: 'ENOENT', path: dir });
  assert.ok(existsSync(`/dev/shm${dir}`));
});

test('EINVAL: both flags, unknown bits, SHM_ANON as either name, or a bad name', () => {
  const a = uniqueName('a');
  const b = uniqueName('b');
  withContent(a, 'x');
  for (const flags of [3, 4, 8, 1 << 30, -1, 1.5]) {
    assert.throws(() => shmRename(a, b, flags), { code: 'EINVAL', syscall: 'shm_rename' }, `flags ${flags}`);
  }
  assert.throws(() => shmRename(SHM_ANON, b), { code: 'EINVAL', path: 'SHM_ANON' });
  assert.throws(() => shmRename(a, SHM_ANON), { code: 'EINVAL', dest: 'SHM_ANON' });
  assert.throws(() => shmRename(a, 'b'), { code: 'EINVAL' });
  assert.throws(() => shmRename(a, '/b/c'), { code: 'EINVAL' });
  assert.equal(contentOf(a), 'x');
});

test('ERRORS ENAMETOOLONG: either name over 1023 bytes (or 255 after the slash)', () => {
  const a = uniqueName('a');
  withContent(a, 'x');
  assert.throws(() => shmRename(a, '/' + 'y'.repeat(1023)), { code: 'ENAMETOOLONG', syscall: 'shm_rename' });
  assert.throws(() => shmRename('/' + 'y'.repeat(1023), a), { code: 'ENAMETOOLONG' });
  assert.throws(() => shmRename(a, '/' + 'y'.repeat(256)), { code: 'ENAMETOOLONG' });
  assert.equal(contentOf(a), 'x');
});

// EFAULT has no JavaScript form: names are strings, copied whole.

test('ERRORS EACCES: renaming another user\'s object is denied', { skip: !isRoot && 'needs root to act as another user' }, () => {
  const a = uniqueName('a');
  const b = uniqueName('b');
  withContent(a, 'mine');
  const r = runFixture('shm-ops', [JSON.stringify(['rename', a, b])], { uid: 65534, gid: 65534 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { code: 'EACCES', syscall: 'shm_rename', path: a });
  assert.equal(contentOf(a), 'mine');
});
