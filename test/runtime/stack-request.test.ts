/**
 * The request channel's watchdog side: only well-formed request files for this pid, opened
 * without following links, regular with one link, owned by the watchdog's user or root, in a
 * directory that passes the safety rules for its owner, are served.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { isRequestFor, pendingRequests, requestDirectories } from '../../src/runtime/stack-request.js';

const asRoot = process.geteuid?.() === 0;

test('request names: <pid>.stack-request, optionally .<requester pid>; nothing else', () => {
  assert.equal(isRequestFor('42.stack-request', 42), true);
  assert.equal(isRequestFor('42.stack-request.9001', 42), true);
  for (const name of ['42', '420.stack-request', '42.stack-request.', '42.stack-request.x', '42.stack-request.1/2', '4.stack-request', '42.stack-requests']) {
    assert.equal(isRequestFor(name, 42), false, name);
  }
  fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 0x7fffffff }), (name, pid) => {
    if (isRequestFor(name, pid)) assert.match(name, new RegExp(`^${pid}\\.stack-request(\\.[0-9]{1,10})?$`));
  }));
});

test('the watchdog serves its own user\'s directory and root\'s, next to the region', () => {
  assert.deepEqual(requestDirectories('/tmp/hsperfdata_app/123', 1000), [
    { path: '/tmp/hsperfdata_app', owner: 1000 }, { path: '/tmp/hsperfdata_root', owner: 0 },
  ]);
  assert.deepEqual(requestDirectories('/dev/shm/hsperfdata_root/9', 0), [{ path: '/dev/shm/hsperfdata_root', owner: 0 }]);
});

test('only safe request files are served', { skip: asRoot ? false : 'needs root to chown files to other users' }, () => {
  const base = mkdtempSync(join(tmpdir(), 'perfmem-stack-request-'));
  try {
    const dir = join(base, 'hsperfdata_app');
    mkdirSync(dir, 0o755);
    chownSync(dir, 1000, 1000);
    const d = { path: dir, owner: 1000 };
    const file = (name: string, uid: number): void => { writeFileSync(join(dir, name), ''); chownSync(join(dir, name), uid, uid); };
    file('7.stack-request.1', 1000); // the watchdog's user: served
    file('7.stack-request.2', 0); // root: served
    file('7.stack-request.3', 4242); // anybody else: not
    file('8.stack-request.4', 1000); // another pid: not
    file('7.stack-request.5', 1000);
    linkSync(join(dir, '7.stack-request.5'), join(dir, 'hardlink')); // two links: not
    symlinkSync(join(dir, '7.stack-request.1'), join(dir, '7.stack-request.6')); // a symlink: not
    mkdirSync(join(dir, '7.stack-request.7')); // a directory: not
    const served = pendingRequests(d, 7, 1000).map((k) => k.split(':')[0]!.slice(dir.length + 1)).sort();
    assert.deepEqual(served, ['7.stack-request.1', '7.stack-request.2']);
    // Keys are stable while the file lives, so each request is served once.
    assert.deepEqual(pendingRequests(d, 7, 1000), pendingRequests(d, 7, 1000));

    // A directory others can write to, or owned by someone else, is not served at all.
    chmodSync(dir, 0o777);
    assert.deepEqual(pendingRequests(d, 7, 1000), []);
    chmodSync(dir, 0o755);
    chownSync(dir, 4242, 4242);
    assert.deepEqual(pendingRequests(d, 7, 1000), []);
    assert.deepEqual(pendingRequests({ path: join(base, 'missing'), owner: 1000 }, 7, 1000), []);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
