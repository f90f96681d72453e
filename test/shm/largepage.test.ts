// Large pages: getPageSizes, shmCreateLargepage on hugetlb memory, largepageConfig.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { constants as c, existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import {
  getPageSizes, shmCreateLargepage, largepageConfig, shmOpen, shmUnlink, listObjects, SHM_ANON,
  SHM_LARGEPAGE_ALLOC_DEFAULT, SHM_LARGEPAGE_ALLOC_NOWAIT, SHM_LARGEPAGE_ALLOC_HARD, memfdCreate,
} from '../../src/shm/index.js';
import { hugetlbfsMounts } from '../../src/shm/pagesizes.js';
import { pageSize } from '../../src/sys/index.js';
import { uniqueName, cleanup, isRoot, runFixture } from './helpers.js';

after(cleanup);

const sizes = getPageSizes();
const huge = sizes[1];
const noHuge = huge === undefined && 'this kernel offers no huge pages';
const hugeDir = (size: number) => `/sys/kernel/mm/hugepages/hugepages-${size / 1024}kB`;
const readCount = (size: number, file: string) => Number(readFileSync(`${hugeDir(size)}/${file}`, 'utf8'));

test('getPageSizes: the base page first, then the kernel\'s huge page sizes, ascending', () => {
  assert.equal(sizes[0], pageSize);
  const fromSys = readdirSync('/sys/kernel/mm/hugepages').map((d) => Number(/(\d+)kB/.exec(d)![1]) * 1024).sort((a, b) => a - b);
  assert.deepEqual(sizes.slice(1), fromSys);
  for (let i = 1; i < sizes.length; i++) assert.ok(sizes[i]! > sizes[i - 1]!);
});

test('shmCreateLargepage EINVAL: psind 0 or past the end, a bad policy, O_RDONLY with SHM_ANON', { skip: noHuge }, () => {
  for (const psind of [0, -1, sizes.length, 1.5]) {
    assert.throws(() => shmCreateLargepage(SHM_ANON, c.O_RDWR, psind, SHM_LARGEPAGE_ALLOC_DEFAULT), { code: 'EINVAL', syscall: 'shm_create_largepage' });
  }
  for (const policy of [-1, 3, 0.5]) {
    assert.throws(() => shmCreateLargepage(SHM_ANON, c.O_RDWR, 1, policy), { code: 'EINVAL' });
  }
  assert.throws(() => shmCreateLargepage(SHM_ANON, c.O_RDONLY, 1, 0), { code: 'EINVAL' });
  assert.throws(() => shmCreateLargepage(SHM_ANON, c.O_RDWR | c.O_APPEND, 1, 0), { code: 'EINVAL' });
  assert.throws(() => shmCreateLargepage('nope', c.O_RDWR, 1, 0), { code: 'EINVAL' });
});

test('a size that is not a multiple of the large page is EINVAL', { skip: noHuge }, () => {
  const o = shmCreateLargepage(SHM_ANON, c.O_RDWR, 1, SHM_LARGEPAGE_ALLOC_NOWAIT);
  try {
    for (const size of [1, pageSize, huge! + pageSize, huge! / 2]) {
      assert.throws(() => o.truncate(size), { code: 'EINVAL', syscall: 'ftruncate', path: 'SHM_ANON' });
    }
    assert.equal(o.size, 0);
  } finally {
    o.close();
  }
});

test('with no huge page to give, setting the size fails with ENOMEM and leaves it as it was', { skip: noHuge }, (t) => {
  if (readCount(huge!, 'nr_overcommit_hugepages') > 0) return t.skip('surplus huge pages are allowed here');
  const want = (readCount(huge!, 'free_hugepages') + 1) * huge!;
  for (const policy of [SHM_LARGEPAGE_ALLOC_DEFAULT, SHM_LARGEPAGE_ALLOC_NOWAIT, SHM_LARGEPAGE_ALLOC_HARD]) {
    const o = shmCreateLargepage(SHM_ANON, c.O_RDWR, 1, policy);
    try {
      assert.throws(() => o.truncate(want), {
        code: 'ENOMEM', syscall: 'ftruncate', message: "ENOMEM: not enough memory, ftruncate 'SHM_ANON'",
      });
      assert.equal(o.size, 0);
      assert.throws(() => o.map({ length: huge! }), { code: 'ERR_SHM_MAP_RANGE' }, 'nothing to touch, so nothing to SIGBUS');
    } finally {
      o.close();
    }
  }
});

test('largepageConfig: ENOTTY on a normal object; get, and set the policy of a large-page one', { skip: noHuge }, () => {
  const normal = shmOpen(SHM_ANON, c.O_RDWR);
  const memfd = memfdCreate('plain');
  const o = shmCreateLargepage(SHM_ANON, c.O_RDWR, 1, SHM_LARGEPAGE_ALLOC_HARD);
  try {
    assert.throws(() => largepageConfig(normal), { code: 'ENOTTY', syscall: 'ioctl' });
    assert.throws(() => largepageConfig(memfd, { allocPolicy: 1 }), { code: 'ENOTTY' });
    assert.deepEqual(largepageConfig(o), { psind: 1, allocPolicy: SHM_LARGEPAGE_ALLOC_HARD });
    assert.deepEqual(largepageConfig(o, { allocPolicy: SHM_LARGEPAGE_ALLOC_NOWAIT }), { psind: 1, allocPolicy: SHM_LARGEPAGE_ALLOC_NOWAIT });
    assert.deepEqual(largepageConfig(o), { psind: 1, allocPolicy: SHM_LARGEPAGE_ALLOC_NOWAIT });
    assert.throws(() => largepageConfig(o, { allocPolicy: 7 }), { code: 'EINVAL' });
    if (sizes.length > 2) assert.throws(() => largepageConfig(o, { psind: 2 }), { code: 'EINVAL' });
    o.close();
    assert.throws(() => largepageConfig(o), { code: 'EBADF' });
  } finally {
    normal.close();
    memfd.close();
    o.close();
  }
});

test('a named large-page object without a hugetlbfs mount is a clear ERR_SHM_NO_HUGETLBFS', { skip: noHuge }, (t) => {
  if (hugetlbfsMounts().some((m) => m.pageSize === huge)) return t.skip('a hugetlbfs mount exists here');
  const name = uniqueName('lp');
  assert.throws(() => shmCreateLargepage(name, c.O_RDWR, 1, 0), (e: Error & { code?: string }) =>
    e.code === 'ERR_SHM_NO_HUGETLBFS' && e.message.includes(name) && e.message.includes('hugetlbfs'));
  assert.equal(existsSync(`/dev/shm${name}`), false);
});

/** Reserves `count` huge pages for the test body and restores the old pool size afterwards. */
async function withReservedPages(t: { skip(msg: string): void }, count: number, body: () => void | Promise<void>): Promise<void> {
  const file = `${hugeDir(huge!)}/nr_hugepages`;
  const old = readFileSync(file, 'utf8').trim();
  try {
    writeFileSync(file, String(Number(old) + count));
    if (readCount(huge!, 'free_hugepages') < count) return t.skip('the kernel would not reserve huge pages');
    await body();
  } finally {
    writeFileSync(file, old);
  }
}

test('with reserved huge pages: the object is allocated, mapped, shared and sized in huge pages', { skip: (noHuge || (!isRoot && 'needs root to reserve huge pages')) }, async (t) => {
  await withReservedPages(t, 2, () => {
    const o = shmCreateLargepage(SHM_ANON, c.O_RDWR, 1, SHM_LARGEPAGE_ALLOC_DEFAULT);
    try {
      const free = readCount(huge!, 'free_hugepages');
      o.truncate(huge!);
      assert.equal(o.size, huge);
      assert.equal(readCount(huge!, 'free_hugepages'), free - 1, 'allocated at truncate, not at first touch');
      const a = o.map();
      const b = o.map({ offset: huge! - 8, length: 8 });
      new Uint32Array(a.buffer)[a.byteLength / 4 - 1] = 0xfeedface;
      assert.equal(new Uint32Array(b.buffer)[1], 0xfeedface);
      a.unmap();
      b.unmap();
      // hugetlbfs has no write(2): write() goes through a mapping, and never grows the object.
      assert.equal(o.write(Buffer.from('tail!'), huge! - 3), 3);
      const back = Buffer.alloc(8);
      assert.equal(o.read(back, huge! - 8), 8);
      assert.equal(back.subarray(4).toString('latin1'), '\xcetai');
      assert.throws(() => o.truncate(2 * huge! + huge!), { code: 'ENOMEM' });
      assert.equal(o.size, huge);
    } finally {
      o.close();
    }
  });
});

test('with reserved pages and a hugetlbfs mount: a named large-page object can be reopened, listed and unlinked', {
  skip: (noHuge || (!isRoot && 'needs root to mount hugetlbfs')),
}, async (t) => {
  const dir = mkdtempSync('/tmp/perfmem-hugetlbfs-');
  const mount = spawnSync('mount', ['-t', 'hugetlbfs', '-o', `pagesize=${huge! / 1024}K`, 'none', dir], { encoding: 'utf8' });
  try {
    if (mount.status !== 0) return t.skip(`mount refused: ${mount.stderr.trim()}`);
    await withReservedPages(t, 1, () => {
      const name = `/perfmem-test-${process.pid}-named-lp`;
      const o = shmCreateLargepage(name, c.O_RDWR, 1, SHM_LARGEPAGE_ALLOC_NOWAIT, 0o640);
      try {
        o.truncate(huge!);
        o.write(Buffer.from('large'), 0);
        assert.ok(existsSync(`${dir}${name}`));
        const again = shmOpen(name, c.O_RDWR);
        const b = Buffer.alloc(5);
        again.read(b, 0);
        assert.equal(b.toString(), 'large');
        assert.deepEqual(largepageConfig(again), { psind: 1, allocPolicy: SHM_LARGEPAGE_ALLOC_DEFAULT });
        again.close();
        const listed = listObjects().find((e) => e.name === name);
        assert.equal(listed?.size, huge);
        assert.equal(listed?.mode, 0o640 & ~process.umask());
      } finally {
        o.close();
        shmUnlink(name);
      }
      assert.equal(existsSync(`${dir}${name}`), false);
    });
  } finally {
    if (mount.status === 0) spawnSync('umount', [dir]);
    rmdirSync(dir);
  }
});

test('ERRORS ENOTTY: a kernel without huge pages (hidden in a private mount namespace)', { skip: !isRoot && 'needs root for a mount namespace' }, (t) => {
  // The kernel's own answer, not a fake: /sys/kernel/mm/hugepages is covered by an empty tmpfs
  // in a namespace of the child's own, so it sees what a kernel without hugetlb shows.
  const r = runFixture('shm-ops', [JSON.stringify(['pagesizes']), JSON.stringify(['largepage', 'SHM_ANON', c.O_RDWR, 1, 0])], {
    wrap: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /sys/kernel/mm/hugepages && exec "$@"', 'sh'],
  });
  if (r.status !== 0) return t.skip(`no private mount namespace here: ${r.stderr.trim()}`);
  const [sizes, created] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(sizes, { sizes: [pageSize] });
  assert.deepEqual(created, { code: 'ENOTTY', syscall: 'shm_create_largepage', path: 'SHM_ANON' });
});
