import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, ftruncateSync, unlinkSync, constants } from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as sys from '../../src/sys/index.js';

test('pageSize and clockTicks come from sysconf', () => {
  assert.ok(sys.pageSize >= 4096 && (sys.pageSize & (sys.pageSize - 1)) === 0);
  assert.ok(sys.clockTicks > 0);
});

test('mmap shares memory through a file, and a failure is a Node-shaped SystemError', () => {
  const path = `/dev/shm/perfmem-sys-test-${process.pid}`;
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    ftruncateSync(fd, sys.pageSize);
    const a = sys.mmap(0, sys.pageSize, sys.PROT_READ | sys.PROT_WRITE, sys.MAP_SHARED, fd, 0);
    const b = sys.mmap(0, sys.pageSize, sys.PROT_READ, sys.MAP_SHARED, fd, 0);
    new Uint32Array(sys.view(a, sys.pageSize))[3] = 0xdeadbeef;
    assert.equal(new Uint32Array(sys.view(b, sys.pageSize))[3], 0xdeadbeef);
    sys.mmapAnonymousOver(a, sys.pageSize);
    assert.equal(new Uint32Array(sys.view(a, sys.pageSize))[3], 0);
    sys.munmap(a, sys.pageSize);
    sys.munmap(b, sys.pageSize);
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
  assert.throws(() => sys.mmap(0, 4096, sys.PROT_READ, sys.MAP_SHARED, 12345, 0, '/nope'), {
    code: 'EBADF', errno: -osConstants.errno.EBADF, syscall: 'mmap', path: '/nope',
    message: "EBADF: bad file descriptor, mmap '/nope'",
  });
});

test('flock reports a conflicting lock held through another open file description', () => {
  const path = `/dev/shm/perfmem-flock-test-${process.pid}`;
  const fd1 = openSync(path, 'w');
  const fd2 = openSync(path, 'r');
  try {
    assert.equal(sys.flock(fd1, sys.LOCK_EX | sys.LOCK_NB), true);
    assert.equal(sys.flock(fd2, sys.LOCK_EX | sys.LOCK_NB), false);
    sys.flock(fd1, sys.LOCK_UN);
    assert.equal(sys.flock(fd2, sys.LOCK_EX | sys.LOCK_NB), true);
  } finally {
    closeSync(fd1);
    closeSync(fd2);
    unlinkSync(path);
  }
});

test('koffi loads through its prebuilt addon (the cheap path), or through the package when that is not found', async () => {
  const { spawnSync } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const sysModule = fileURLToPath(new URL('../../src/sys/index.js', import.meta.url));
  // A fresh process: which loader ran is decided on the first libc call.
  const script = `import(${JSON.stringify(sysModule)}).then((s) => {
    const before = s.koffiLoader() ?? null;
    s.flock(0, s.LOCK_UN);
    process.stdout.write(JSON.stringify({ before, after: s.koffiLoader() }));
  });`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // This install (npm, glibc or musl Linux) has the layout the fast path knows.
  assert.deepEqual(JSON.parse(r.stdout), { before: null, after: 'prebuilt' });
  // And the prebuilt addon is the one koffi itself would load: same version, same functions.
  const koffi = (await import('koffi')).default as unknown as Record<string, unknown>;
  sys.flock(0, sys.LOCK_UN);
  assert.equal(sys.koffiLoader(), 'prebuilt');
  assert.equal(typeof koffi.view, 'function');
});
