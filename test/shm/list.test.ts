// listObjects(): the regular files of /dev/shm, with their attributes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { constants as c, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { listObjects, shmOpen, shmUnlink } from '../../src/shm/index.js';
import { uniqueName, cleanup } from './helpers.js';

after(cleanup);

test('lists named objects with size, mode, owner and mtime; skips directories and symlinks', () => {
  const name = uniqueName('listed');
  const dir = uniqueName('dir');
  const link = uniqueName('link');
  const o = shmOpen(name, c.O_RDWR | c.O_CREAT | c.O_EXCL, 0o640);
  try {
    o.truncate(12345);
    mkdirSync(`/dev/shm${dir}`);
    symlinkSync(`/dev/shm${name}`, `/dev/shm${link}`);
    const all = listObjects();
    const entry = all.find((e) => e.name === name);
    const st = statSync(`/dev/shm${name}`);
    assert.deepEqual(entry, { name, size: 12345, mode: 0o640 & ~process.umask(), uid: st.uid, gid: st.gid, mtime: st.mtime });
    assert.equal(all.find((e) => e.name === dir), undefined);
    assert.equal(all.find((e) => e.name === link), undefined);
    const names = all.map((e) => e.name);
    assert.deepEqual(names, [...names].sort());
    shmUnlink(name);
    assert.equal(listObjects().find((e) => e.name === name), undefined);
  } finally {
    o.close();
  }
});
