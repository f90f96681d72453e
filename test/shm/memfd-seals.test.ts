// memfd_create and file seals, with the kernel's semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync } from 'node:fs';
import {
  memfdCreate, MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, MFD_NAME_MAX, shmOpen,
  F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_FUTURE_WRITE,
} from '../../src/shm/index.js';
import { constants as c } from 'node:fs';
import { pageSize } from '../../src/sys/index.js';
import { uniqueName, cleanup } from './helpers.js';

test('memfd_create names the object memfd:<name>, starts at 0, and grows on write', () => {
  const o = memfdCreate('perfmem test', MFD_CLOEXEC);
  try {
    assert.equal(readlinkSync(`/proc/self/fd/${o.fd}`), '/memfd:perfmem test (deleted)');
    assert.equal(o.path, null);
    assert.equal(o.size, 0);
    assert.equal(o.write(Buffer.from('abc'), 10), 3);
    assert.equal(o.size, 13);
    const empty = memfdCreate('');
    empty.close();
  } finally {
    o.close();
  }
});

test('memfd_create ERRORS EINVAL: a name over 249 bytes, or unknown flags', () => {
  memfdCreate('n'.repeat(MFD_NAME_MAX)).close();
  assert.throws(() => memfdCreate('n'.repeat(MFD_NAME_MAX + 1)), { code: 'EINVAL', syscall: 'memfd_create' });
  assert.throws(() => memfdCreate('é'.repeat(125)), { code: 'EINVAL' }, '250 bytes');
  for (const flags of [8, 0x10, 1 << 26, MFD_CLOEXEC | 0x100, -1, 0.5]) {
    assert.throws(() => memfdCreate('x', flags), { code: 'EINVAL', syscall: 'memfd_create' }, `flags ${flags}`);
  }
  assert.throws(() => memfdCreate('a\0b'), { code: 'EINVAL' });
});

test('memfd_create ERRORS EBADF: no name (the NULL of C)', () => {
  assert.throws(() => memfdCreate(null as unknown as string), { code: 'EBADF', syscall: 'memfd_create' });
  assert.throws(() => memfdCreate(undefined as unknown as string), { code: 'EBADF' });
  assert.throws(() => memfdCreate(5 as unknown as string), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('MFD_HUGETLB makes a hugetlb object (Linux has them; FreeBSD would say ENOSYS)', () => {
  const o = memfdCreate('huge', MFD_CLOEXEC | MFD_HUGETLB);
  try {
    assert.match(readlinkSync(`/proc/self/fd/${o.fd}`), /^\/memfd:huge/);
    assert.throws(() => o.truncate(pageSize), { code: 'EINVAL', syscall: 'ftruncate' }, 'not a multiple of the huge page');
  } finally {
    o.close();
  }
});

test('without MFD_ALLOW_SEALING getSeals reports F_SEAL_SEAL and addSeals is EPERM; named objects too', () => {
  const o = memfdCreate('unsealable');
  const name = uniqueName();
  const n = shmOpen(name, c.O_RDWR | c.O_CREAT | c.O_EXCL);
  try {
    assert.equal(o.getSeals(), F_SEAL_SEAL);
    assert.throws(() => o.addSeals(F_SEAL_GROW), { code: 'EPERM', syscall: 'fcntl', path: 'memfd:unsealable' });
    assert.equal(n.getSeals(), F_SEAL_SEAL);
    assert.throws(() => n.addSeals(F_SEAL_GROW), { code: 'EPERM', path: name });
  } finally {
    o.close();
    n.close();
    cleanup();
  }
});

test('F_SEAL_SHRINK and F_SEAL_GROW fix the size from one side each', () => {
  const o = memfdCreate('sizes', MFD_ALLOW_SEALING);
  try {
    assert.equal(o.getSeals(), 0);
    o.truncate(2 * pageSize);
    o.addSeals(F_SEAL_SHRINK);
    assert.throws(() => o.truncate(pageSize), { code: 'EPERM', syscall: 'ftruncate' });
    o.truncate(3 * pageSize);
    o.addSeals(F_SEAL_GROW);
    assert.equal(o.getSeals(), F_SEAL_SHRINK | F_SEAL_GROW);
    assert.throws(() => o.truncate(4 * pageSize), { code: 'EPERM' });
    assert.throws(() => o.write(Buffer.from('x'), 3 * pageSize), { code: 'EPERM', syscall: 'pwrite' });
    assert.equal(o.write(Buffer.from('x'), 0), 1, 'writes inside stay allowed');
    assert.equal(o.size, 3 * pageSize);
  } finally {
    o.close();
  }
});

test('F_SEAL_WRITE: EBUSY while a writable mapping exists; then writes and writable mappings are EPERM', () => {
  const o = memfdCreate('write', MFD_ALLOW_SEALING);
  try {
    o.truncate(pageSize);
    const rw = o.map();
    new Uint8Array(rw.buffer)[0] = 1;
    assert.throws(() => o.addSeals(F_SEAL_WRITE), { code: 'EBUSY', syscall: 'fcntl' });
    const ro = o.map({ access: 'read' }); // a private mapping does not count
    rw.unmap(); // the overlay removes the shared writable mapping at once
    o.addSeals(F_SEAL_WRITE);
    assert.throws(() => o.write(Buffer.from('x'), 0), { code: 'EPERM', syscall: 'pwrite' });
    assert.throws(() => o.map(), { code: 'EPERM', syscall: 'mmap' });
    assert.equal(new Uint8Array(ro.buffer)[0], 1);
    const ro2 = o.map({ access: 'read' });
    new Uint8Array(ro2.buffer)[0] = 9; // private copy: no crash, the object keeps 1
    const b = Buffer.alloc(1);
    o.read(b, 0);
    assert.equal(b[0], 1);
    ro.unmap();
    ro2.unmap();
  } finally {
    o.close();
  }
});

test('F_SEAL_FUTURE_WRITE: existing writable mappings keep working, new writes and mappings are EPERM', () => {
  const o = memfdCreate('future', MFD_ALLOW_SEALING);
  try {
    o.truncate(pageSize);
    const rw = o.map();
    o.addSeals(F_SEAL_FUTURE_WRITE);
    new Uint8Array(rw.buffer)[5] = 42;
    const b = Buffer.alloc(1);
    o.read(b, 5);
    assert.equal(b[0], 42);
    assert.throws(() => o.write(Buffer.from('x'), 0), { code: 'EPERM' });
    assert.throws(() => o.map(), { code: 'EPERM', syscall: 'mmap' });
    rw.unmap();
  } finally {
    o.close();
  }
});

test('F_SEAL_SEAL stops any further seal', () => {
  const o = memfdCreate('seal', MFD_ALLOW_SEALING);
  try {
    o.addSeals(F_SEAL_SEAL);
    assert.equal(o.getSeals(), F_SEAL_SEAL);
    assert.throws(() => o.addSeals(F_SEAL_GROW), { code: 'EPERM' });
    assert.throws(() => o.addSeals(1 << 20), { code: 'EINVAL' }, 'unknown seal bits');
  } finally {
    o.close();
  }
});
