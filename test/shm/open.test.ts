// shm_open(2) and shm_unlink(2): one test per ERRORS row of FreeBSD's manual (mapped to what
// Linux can produce) and one per flag behaviour.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { constants as c, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync, chownSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { constants as os } from 'node:os';
import { shmOpen, shmUnlink, SHM_ANON, memfdCreate, F_SEAL_SEAL, ShmObject } from '../../src/shm/index.js';
import { pageSize } from '../../src/sys/index.js';
import { uniqueName, cleanup, runFixture, isRoot } from './helpers.js';

after(cleanup);

const RW = c.O_RDWR;
const CREATE = c.O_RDWR | c.O_CREAT | c.O_EXCL;

test('ERRORS EINVAL: a flag other than O_RDONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC', () => {
  const name = uniqueName();
  for (const flags of [c.O_WRONLY, c.O_WRONLY | c.O_RDWR, RW | c.O_APPEND, RW | c.O_DIRECT, RW | c.O_NONBLOCK, RW | c.O_NOFOLLOW,
    RW | c.O_SYNC, RW | c.O_CREAT | c.O_DIRECTORY, RW | c.O_NOCTTY, c.O_RDONLY | 0x40000000, -1]) {
    assert.throws(() => shmOpen(name, flags | c.O_CREAT), { code: 'EINVAL', errno: -os.errno.EINVAL, syscall: 'shm_open', path: name }, `flags ${flags}`);
  }
  assert.equal(existsSync(`/dev/shm${name}`), false, 'nothing was created');
  assert.throws(() => shmOpen(name, 2.5), { code: 'EINVAL' });
  assert.throws(() => shmOpen(name, '2' as unknown as number), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('ERRORS EINVAL: O_RDONLY with SHM_ANON; other flags are ignored for SHM_ANON', () => {
  assert.throws(() => shmOpen(SHM_ANON, c.O_RDONLY), { code: 'EINVAL', syscall: 'shm_open', path: 'SHM_ANON' });
  assert.throws(() => shmOpen(SHM_ANON, c.O_RDONLY | c.O_CREAT), { code: 'EINVAL' });
  assert.throws(() => shmOpen(SHM_ANON, c.O_RDWR | c.O_APPEND), { code: 'EINVAL', path: 'SHM_ANON' }, 'flags are checked for SHM_ANON too');
  const o = shmOpen(SHM_ANON, RW | c.O_CREAT | c.O_EXCL | c.O_TRUNC);
  try {
    assert.equal(o.path, null);
    assert.equal(o.size, 0);
  } finally {
    o.close();
  }
});

test('ERRORS EINVAL: the path does not begin with a slash, holds another slash, or names nothing', () => {
  for (const path of ['x', '', 'x/', 'dev/shm/x', '//x', '/a/b', '/x/', '/', '/.', '/..', '/a\0b']) {
    assert.throws(() => shmOpen(path, CREATE), { code: 'EINVAL', syscall: 'shm_open', path }, JSON.stringify(path));
  }
});

test('ERRORS EFAULT has no JavaScript form: a path that is not a string is a TypeError', () => {
  // A JS string is always copied in whole, so no pointer can lie outside the address space.
  for (const path of [undefined, null, 42, {}, Symbol('x')]) {
    assert.throws(() => shmOpen(path as unknown as string, CREATE), { code: 'ERR_INVALID_ARG_TYPE' });
  }
});

test('ERRORS ENAMETOOLONG: over 1023 bytes in all, or over 255 after the slash', () => {
  const limit = '/' + 'n'.repeat(255);
  assert.throws(() => shmOpen('/' + 'n'.repeat(1023), CREATE), { code: 'ENAMETOOLONG', syscall: 'shm_open' });
  assert.throws(() => shmOpen('n'.repeat(1024), CREATE), { code: 'ENAMETOOLONG' }, 'length is checked before the slash');
  assert.throws(() => shmOpen('/' + 'n'.repeat(256), CREATE), { code: 'ENAMETOOLONG' });
  assert.throws(() => shmOpen('/' + 'é'.repeat(128), CREATE), { code: 'ENAMETOOLONG' }, '256 bytes of UTF-8');
  // 255 is fine (clean it up whether or not the test gets that far).
  const name = `/perfmem-test-${process.pid}-`.padEnd(256, 'n');
  assert.equal(name.length, limit.length);
  try {
    shmOpen(name, CREATE).close();
    assert.ok(existsSync(`/dev/shm${name}`));
  } finally {
    shmUnlink(name);
  }
});

test('ERRORS ENOENT: no O_CREAT and no such object', () => {
  const name = uniqueName();
  assert.throws(() => shmOpen(name, RW), {
    code: 'ENOENT', errno: -os.errno.ENOENT, syscall: 'shm_open', path: name,
    message: `ENOENT: no such file or directory, shm_open '${name}'`,
  });
  assert.throws(() => shmOpen(name, c.O_RDONLY), { code: 'ENOENT' });
});

test('ERRORS EEXIST: O_CREAT and O_EXCL on an existing object; O_CREAT alone opens it', () => {
  const name = uniqueName();
  const a = shmOpen(name, CREATE);
  try {
    a.truncate(100);
    assert.throws(() => shmOpen(name, CREATE), { code: 'EEXIST', syscall: 'shm_open', path: name, message: `EEXIST: file already exists, shm_open '${name}'` });
    const b = shmOpen(name, RW | c.O_CREAT, 0o666);
    assert.equal(b.stat().ino, a.stat().ino);
    assert.equal(b.size, 100);
    b.close();
  } finally {
    a.close();
  }
});

test('ERRORS EACCES: permissions for reading, or reading and writing, are denied', { skip: !isRoot && 'needs root to act as another user' }, () => {
  const secret = uniqueName('secret');
  const readable = uniqueName('readable');
  shmOpen(secret, CREATE, 0o600).close();
  shmOpen(readable, CREATE, 0o644).close();
  const r = runFixture('shm-ops', [
    JSON.stringify(['open', secret, c.O_RDONLY]),
    JSON.stringify(['open', readable, c.O_RDONLY]),
    JSON.stringify(['open', readable, c.O_RDWR]),
  ], { uid: 65534, gid: 65534 });
  assert.equal(r.status, 0, r.stderr);
  const [a, b, d] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(a, { code: 'EACCES', syscall: 'shm_open', path: secret });
  assert.deepEqual(b, { ok: true });
  assert.deepEqual(d, { code: 'EACCES', syscall: 'shm_open', path: readable });
});

test('ERRORS EMFILE: the descriptor limit is reached (shm_open, SHM_ANON and memfd alike)', () => {
  const name = uniqueName('emfile');
  const r = runFixture('shm-ops', [JSON.stringify(['exhaust', name])], { shell: 'ulimit -n 64' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
  assert.ok((out.opened as unknown as number) > 10);
  assert.deepEqual(out.shm_open, { code: 'EMFILE', syscall: 'shm_open', path: name });
  assert.deepEqual(out.anon, { code: 'EMFILE', syscall: 'memfd_create', path: 'SHM_ANON' });
  assert.equal(out.memfd!.code, 'EMFILE');
  assert.equal(existsSync(`/dev/shm${name}`), false);
});

// ENFILE (the system-wide file table is full) cannot be produced safely: it would starve every
// process on the machine, and root is exempt. ECAPMODE: Linux has no capability mode.

test('a new object has size 0 and the mode given, less the umask', () => {
  const old = process.umask(0o027);
  try {
    const name = uniqueName();
    const o = shmOpen(name, CREATE, 0o666);
    const s = o.stat();
    o.close();
    assert.equal(s.size, 0);
    assert.equal(s.mode, 0o640);
    assert.equal(s.uid, process.getuid!());
    assert.equal(s.nlink, 1);
    assert.equal(statSync(`/dev/shm${name}`).mode & 0o777, 0o640);
    const other = uniqueName();
    shmOpen(other, CREATE, 0o4755).close(); // only permission bits: no setuid
    assert.equal(statSync(`/dev/shm${other}`).mode & 0o7777, 0o750);
    const dflt = uniqueName();
    shmOpen(dflt, CREATE).close();
    assert.equal(statSync(`/dev/shm${dflt}`).mode & 0o777, 0o600);
  } finally {
    process.umask(old);
  }
});

test('O_TRUNC empties an object opened O_RDWR and is ignored with O_RDONLY (FreeBSD)', () => {
  const name = uniqueName();
  const o = shmOpen(name, CREATE);
  try {
    o.truncate(pageSize);
    shmOpen(name, c.O_RDONLY | c.O_TRUNC).close();
    assert.equal(o.size, pageSize);
    shmOpen(name, c.O_RDWR | c.O_TRUNC).close();
    assert.equal(o.size, 0);
  } finally {
    o.close();
  }
});

test('the descriptor is close-on-exec (fdinfo flags), and is not inherited by a child', () => {
  const name = uniqueName();
  const o = shmOpen(name, CREATE);
  const anon = shmOpen(SHM_ANON, RW);
  const inheritable = memfdCreate('inheritable', 0);
  try {
    const flagsOf = (fd: number) => parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
    const O_CLOEXEC = 0o2000000;
    assert.ok(flagsOf(o.fd) & O_CLOEXEC);
    assert.ok(flagsOf(anon.fd) & O_CLOEXEC);
    assert.equal(flagsOf(inheritable.fd) & O_CLOEXEC, 0, 'control: memfd without MFD_CLOEXEC');
    assert.equal(flagsOf(o.fd) & c.O_NONBLOCK, 0, 'no O_NONBLOCK left behind');
    // The child lists the descriptors it inherited across execve.
    const seen = execFileSync('/bin/sh', ['-c', 'ls /proc/$$/fd'], { encoding: 'utf8' }).split('\n');
    assert.ok(!seen.includes(String(o.fd)));
    assert.ok(!seen.includes(String(anon.fd)));
    assert.ok(seen.includes(String(inheritable.fd)));
  } finally {
    o.close();
    anon.close();
    inheritable.close();
  }
});

test('a symlink is never followed, and only regular files are objects', () => {
  const target = uniqueName('target');
  const link = uniqueName('link');
  const fifo = uniqueName('fifo');
  const dir = uniqueName('dir');
  shmOpen(target, CREATE).close();
  symlinkSync(`/dev/shm${target}`, `/dev/shm${link}`);
  assert.throws(() => shmOpen(link, RW), { code: 'ELOOP', syscall: 'shm_open', path: link });
  assert.throws(() => shmOpen(link, RW | c.O_CREAT), { code: 'ELOOP' });
  assert.throws(() => shmOpen(link, RW | c.O_CREAT | c.O_EXCL), { code: 'EEXIST' });
  spawnSync('mkfifo', [`/dev/shm${fifo}`]);
  // Would block forever if opened without O_NONBLOCK.
  assert.throws(() => shmOpen(fifo, c.O_RDONLY), { code: 'EINVAL', path: fifo });
  mkdirSync(`/dev/shm${dir}`);
  assert.throws(() => shmOpen(dir, c.O_RDONLY), { code: 'EINVAL', path: dir });
  assert.throws(() => shmOpen(dir, RW), { code: 'EISDIR', path: dir });
  // Neither can be unlinked as an object, and the link's target is never touched.
  for (const name of [link, fifo, dir]) assert.throws(() => shmUnlink(name), { code: 'ENOENT', syscall: 'shm_unlink', path: name });
  assert.ok(existsSync(`/dev/shm${link}`) && existsSync(`/dev/shm${dir}`) && existsSync(`/dev/shm${target}`));
});

test('read/write are pread/pwrite, and a write never grows a shm_open object', () => {
  for (const make of [() => shmOpen(uniqueName(), CREATE), () => shmOpen(SHM_ANON, RW)]) {
    const o = make();
    try {
      assert.equal(o.write(Buffer.from('hello'), 0), 0, 'size 0: nothing fits');
      assert.equal(o.size, 0);
      o.truncate(8);
      assert.equal(o.write(Buffer.from('hello world'), 3), 5, 'short write up to the end');
      assert.equal(o.write(Buffer.from('x'), 8), 0);
      assert.equal(o.write(Buffer.from('x'), 100), 0);
      assert.equal(o.size, 8);
      const buf = Buffer.alloc(16);
      assert.equal(o.read(buf, 0), 8);
      assert.equal(buf.subarray(0, 8).toString('latin1'), '\0\0\0hello');
      assert.equal(o.read(buf, 8), 0);
      assert.equal(o.write(new Uint16Array([0x4241]), 1), 2, 'any ArrayBufferView');
      assert.equal(o.read(buf.subarray(0, 3), 0), 3);
      assert.equal(buf.subarray(0, 3).toString('latin1'), '\0AB');
      assert.throws(() => o.read(buf, -1), { code: 'ERR_OUT_OF_RANGE' });
      assert.throws(() => o.truncate(-1), { code: 'EINVAL', syscall: 'ftruncate' });
    } finally {
      o.close();
    }
  }
});

test('SHM_ANON objects are unnamed and neither take seals nor appear in /dev/shm', () => {
  const before = new Set(execFileSync('ls', ['/dev/shm'], { encoding: 'utf8' }).split('\n'));
  const o = shmOpen(SHM_ANON, RW);
  try {
    const after = execFileSync('ls', ['/dev/shm'], { encoding: 'utf8' }).split('\n').filter((n) => !before.has(n) && !n.startsWith(`perfmem-test-`));
    assert.deepEqual(after, []);
    assert.equal(o.getSeals(), F_SEAL_SEAL);
    assert.throws(() => o.addSeals(2), { code: 'EPERM', syscall: 'fcntl' });
    assert.throws(() => shmUnlink(SHM_ANON), { code: 'EINVAL', syscall: 'shm_unlink' });
  } finally {
    o.close();
  }
});

test('ShmObject: stat, close is idempotent, a closed object reports EBADF, dispose closes', () => {
  const name = uniqueName();
  const o = shmOpen(name, CREATE);
  assert.ok(o instanceof ShmObject);
  const s = o.stat();
  assert.deepEqual(Object.keys(s).sort(), ['atime', 'ctime', 'gid', 'ino', 'mode', 'mtime', 'nlink', 'size', 'uid']);
  assert.ok(s.mtime instanceof Date);
  o.truncate(pageSize);
  const m = o.map();
  o.close();
  o.close();
  assert.equal(o.fd, -1);
  assert.equal(o.closed, true);
  assert.throws(() => o.size, { code: 'EBADF', syscall: 'fstat', path: name });
  assert.throws(() => o.truncate(1), { code: 'EBADF', syscall: 'ftruncate' });
  assert.throws(() => o.map(), { code: 'EBADF', syscall: 'mmap' });
  new Uint8Array(m.buffer)[0] = 1; // the mapping outlives the descriptor
  m.unmap();
  const d = shmOpen(name, RW);
  d[Symbol.dispose]();
  assert.equal(d.closed, true);
  assert.throws(() => new (ShmObject as unknown as new (k: symbol, fd: number) => ShmObject)(Symbol('x'), 0), TypeError);
});

test('shm_unlink removes the name; open descriptors and mappings keep the object', () => {
  const name = uniqueName();
  const o = shmOpen(name, CREATE);
  try {
    o.truncate(pageSize);
    const m = o.map();
    new Uint8Array(m.buffer)[1] = 7;
    shmUnlink(name);
    assert.equal(existsSync(`/dev/shm${name}`), false);
    assert.throws(() => shmOpen(name, RW), { code: 'ENOENT' });
    assert.equal(o.stat().nlink, 0);
    const b = Buffer.alloc(2);
    o.read(b, 0);
    assert.equal(b[1], 7);
    m.unmap();
  } finally {
    o.close();
  }
});

test('shm_unlink ERRORS: ENOENT, ENAMETOOLONG, EINVAL', () => {
  const name = uniqueName();
  assert.throws(() => shmUnlink(name), { code: 'ENOENT', syscall: 'shm_unlink', path: name, message: `ENOENT: no such file or directory, shm_unlink '${name}'` });
  assert.throws(() => shmUnlink('/' + 'x'.repeat(1100)), { code: 'ENAMETOOLONG', syscall: 'shm_unlink' });
  assert.throws(() => shmUnlink('/' + 'x'.repeat(256)), { code: 'ENAMETOOLONG' });
  assert.throws(() => shmUnlink('x'), { code: 'EINVAL', syscall: 'shm_unlink' });
});

test('shm_unlink ERRORS EACCES: it requires write permission to the object', { skip: !isRoot && 'needs root to act as another user' }, () => {
  const roots = uniqueName('roots');
  const own = uniqueName('own');
  shmOpen(roots, CREATE, 0o666).close();
  // An object nobody owns but may not write (FreeBSD refuses; plain Linux would allow it).
  writeFileSync(`/dev/shm${own}`, '');
  chownSync(`/dev/shm${own}`, 65534, 65534);
  execFileSync('chmod', ['0400', `/dev/shm${own}`]);
  const r = runFixture('shm-ops', [JSON.stringify(['unlink', roots]), JSON.stringify(['unlink', own])], { uid: 65534, gid: 65534 });
  assert.equal(r.status, 0, r.stderr);
  const [a, b] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(a, { code: 'EACCES', syscall: 'shm_unlink', path: roots });
  assert.deepEqual(b, { code: 'EACCES', syscall: 'shm_unlink', path: own });
  assert.ok(existsSync(`/dev/shm${roots}`) && existsSync(`/dev/shm${own}`));
});
