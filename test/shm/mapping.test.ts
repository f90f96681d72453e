import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { openSync, closeSync, ftruncateSync, unlinkSync, writeSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { mapFd, ShmError } from '../../src/shm/index.js';
import { pageSize } from '../../src/sys/index.js';

let serial = 0;
function tempObject(size: number, flags = constants.O_RDWR): { fd: number; path: string; done(): void } {
  const path = `/dev/shm/perfmem-map-test-${process.pid}-${serial++}`;
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
  ftruncateSync(fd, size);
  let useFd = fd;
  if (flags !== constants.O_RDWR) {
    useFd = openSync(path, flags);
    closeSync(fd);
  }
  return { fd: useFd, path, done: () => { closeSync(useFd); unlinkSync(path); } };
}

test('two readwrite mappings of one file see each other at once, at any offset', () => {
  const o = tempObject(3 * pageSize);
  try {
    const a = mapFd(o.fd, { length: 3 * pageSize, path: o.path });
    const b = mapFd(o.fd, { offset: pageSize + 8, length: 16, path: o.path });
    assert.equal(b.byteLength, 16);
    assert.equal(b.buffer.byteLength, 16);
    assert.equal(b.offset, pageSize + 8);
    new Uint8Array(a.buffer)[pageSize + 9] = 0xab;
    assert.equal(new Uint8Array(b.buffer)[1], 0xab);
    new Uint8Array(b.buffer)[15] = 0xcd;
    assert.equal(new Uint8Array(a.buffer)[pageSize + 23], 0xcd);
    a.unmap();
    b.unmap();
  } finally {
    o.done();
  }
});

test("a 'read' mapping follows the object but keeps its own stores private", () => {
  const o = tempObject(pageSize);
  try {
    const rw = mapFd(o.fd, { length: pageSize });
    const ro = mapFd(o.fd, { length: pageSize, access: 'read' });
    const w = new Uint8Array(rw.buffer);
    const r = new Uint8Array(ro.buffer);
    w[100] = 5;
    assert.equal(r[100], 5);
    r[100] = 9; // must not crash, must not reach the object
    assert.equal(w[100], 5);
    assert.equal(r[100], 9);
    rw.unmap();
    ro.unmap();
  } finally {
    o.done();
  }
});

test("a read-only descriptor maps with access 'read', and 'readwrite' fails with EACCES", () => {
  const o = tempObject(pageSize, constants.O_RDONLY);
  try {
    const m = mapFd(o.fd, { length: pageSize, access: 'read', path: '/ro' });
    assert.equal(m.access, 'read');
    m.unmap();
    assert.throws(() => mapFd(o.fd, { length: pageSize, path: '/ro' }), { code: 'EACCES', syscall: 'mmap', path: '/ro' });
  } finally {
    o.done();
  }
});

test('a range past the current size is refused with ERR_SHM_MAP_RANGE, not mapped', () => {
  const o = tempObject(pageSize + 10);
  try {
    assert.throws(() => mapFd(o.fd, { length: pageSize + 11, path: '/x' }),
      (e: unknown) => e instanceof ShmError && e.code === 'ERR_SHM_MAP_RANGE' && /'\/x'/.test(e.message) && /4106 bytes/.test(e.message.replace(String(pageSize + 10), '4106')));
    assert.throws(() => mapFd(o.fd, { offset: 11, length: pageSize }), { code: 'ERR_SHM_MAP_RANGE' });
    // The last partial page is fine: it lies within the size.
    const m = mapFd(o.fd, { offset: pageSize, length: 10 });
    new Uint8Array(m.buffer)[9] = 1;
    m.unmap();
    assert.throws(() => mapFd(o.fd, { length: 0 }), { code: 'EINVAL', syscall: 'mmap' });
    assert.throws(() => mapFd(o.fd, { length: -1 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => mapFd(o.fd, { length: 1.5 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => mapFd(o.fd, { length: 8, offset: -4096 }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => mapFd(o.fd, { length: 8, access: 'write' as 'read' }), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => mapFd(987654, { length: 8 }), { code: 'EBADF' });
  } finally {
    o.done();
  }
});

test('unmap() cuts the view off from the object; the bytes stay in the object', () => {
  const o = tempObject(pageSize);
  try {
    const m = mapFd(o.fd, { length: pageSize });
    const v = new Int32Array(m.buffer);
    Atomics.add(v, 3, 41);
    assert.equal(m.mapped, true);
    m.unmap();
    assert.equal(m.mapped, false);
    assert.equal(v[3], 0);
    v[3] = 1;
    m.unmap(); // idempotent
    writeSync(o.fd, Buffer.from([9]), 0, 1, 0);
    assert.equal(v[0], 0, 'a detached view no longer follows the object');
    const again = mapFd(o.fd, { length: pageSize });
    assert.equal(new Int32Array(again.buffer)[3], 41);
    again[Symbol.dispose]();
    assert.equal(again.mapped, false);
  } finally {
    o.done();
  }
});

test('views used after unmap() and GC-released mappings never crash a process', () => {
  const script = fileURLToPath(new URL('../fixtures/unmap-guarantee.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', script, `/dev/shm/perfmem-unmap-${process.pid}`], { encoding: 'utf8' });
  assert.equal(r.signal, null, `child died of ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { checks: number; before: number; after: number };
  assert.equal(out.checks, 1);
  // 1000 live shared mappings (and the overlays of 1000 unmapped ones) show in /proc/self/maps
  // while held; once unreachable, the GC must have munmapped them.
  assert.ok(out.before > 1000, `only ${out.before} lines in /proc/self/maps while 2000 mappings were held`);
  assert.ok(out.after < out.before - 900, `${out.after} lines in /proc/self/maps after GC (${out.before} before)`);
});

test('mapping without unmapping in a synchronous loop stops at a coded limit instead of aborting', () => {
  const script = fileURLToPath(new URL('../fixtures/mapping-limit.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8' });
  assert.equal(r.signal, null, `child died of ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { made: number; code: string; limit: number; again: boolean };
  assert.equal(out.code, 'ERR_SHM_MAPPING_LIMIT');
  assert.equal(out.made, out.limit);
  assert.equal(out.again, true, 'collected mappings no longer count');
});

test('property: any in-range (offset, length) maps exactly those bytes; any other range is refused', () => {
  const size = 3 * pageSize + 123;
  const o = tempObject(size);
  try {
    const pattern = Buffer.alloc(size);
    for (let i = 0; i < size; i++) pattern[i] = (i * 7 + (i >> 8)) & 255;
    writeSync(o.fd, pattern, 0, size, 0);
    fc.assert(fc.property(fc.integer({ min: 0, max: size + pageSize }), fc.integer({ min: 0, max: size + pageSize }), fc.boolean(), (offset, length, read) => {
      const access = read ? 'read' as const : 'readwrite' as const;
      if (length === 0) {
        assert.throws(() => mapFd(o.fd, { offset, length, access }), { code: 'EINVAL' });
      } else if (offset + length > size) {
        assert.throws(() => mapFd(o.fd, { offset, length, access }), { code: 'ERR_SHM_MAP_RANGE' });
      } else {
        const m = mapFd(o.fd, { offset, length, access });
        try {
          assert.equal(m.buffer.byteLength, length);
          assert.ok(Buffer.from(m.buffer).equals(pattern.subarray(offset, offset + length)));
        } finally {
          m.unmap();
        }
      }
    }), { numRuns: 300 });
  } finally {
    o.done();
  }
});
