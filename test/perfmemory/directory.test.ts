import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { checkDirectory, insecurity, makeUserDirectory, SecureDirectory } from '../../src/perfmemory/directory.js';
import { pidFromFileName, userDirectory } from '../../src/perfmemory/paths.js';
import fc from 'fast-check';
import { tempBase } from './helpers.js';

test('pidFromFileName accepts only what HotSpot filename_to_pid accepts', () => {
  assert.equal(pidFromFileName('1234'), 1234);
  assert.equal(pidFromFileName('0'), 0);
  for (const bad of ['', 'abc', '12a', ' 12', '-1', '+1', '1.5', '99999999999', '12\n']) assert.equal(pidFromFileName(bad), 0, bad);
  fc.assert(fc.property(fc.integer({ min: 1, max: 0x7fffffff }), (pid) => pidFromFileName(String(pid)) === pid));
  fc.assert(fc.property(fc.string(), (s) => {
    const pid = pidFromFileName(s);
    return pid === 0 || (String(pid) === s.replace(/^0+/, '') && /^[0-9]+$/.test(s));
  }));
});

test('userDirectory joins base and user like HotSpot', () => {
  assert.equal(userDirectory('/tmp', 'alice'), '/tmp/hsperfdata_alice');
  assert.equal(userDirectory('/dev/shm/', 'bob'), '/dev/shm/hsperfdata_bob');
});

test('makeUserDirectory creates the directory 0755 and accepts it again', (t) => {
  const { base, remove } = tempBase('dir');
  t.after(remove);
  const dir = userDirectory(base, 'u');
  const old = process.umask(0);
  try {
    makeUserDirectory(dir, 0);
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(dir).mode & 0o7777, 0o755);
  makeUserDirectory(dir, 0);
});

test('a symlink, a file, a group- or other-writable directory, or another owner is refused', (t) => {
  const { base, remove } = tempBase('insecure');
  t.after(remove);
  const real = `${base}/real`;
  mkdirSync(real, { mode: 0o755 });
  chmodSync(real, 0o755);
  const link = `${base}/link`;
  symlinkSync(real, link);
  const file = `${base}/file`;
  writeFileSync(file, '');
  const open = `${base}/open`;
  mkdirSync(open);
  chmodSync(open, 0o777);
  const group = `${base}/group`;
  mkdirSync(group);
  chmodSync(group, 0o775);
  const other = `${base}/other`;
  mkdirSync(other);
  chmodSync(other, 0o755);
  chownSync(other, 4321, 4321);

  checkDirectory(real, 0);
  SecureDirectory.open(real, 0).close();
  const refused = (path: string, euid: number, why: RegExp): void => {
    assert.throws(() => checkDirectory(path, euid), { code: 'ERR_INSECURE_DIRECTORY', message: why });
    assert.throws(() => SecureDirectory.open(path, euid), { code: 'ERR_INSECURE_DIRECTORY', message: why });
    assert.throws(() => makeUserDirectory(path, euid), { code: 'ERR_INSECURE_DIRECTORY' });
  };
  refused(link, 0, /link is a symbolic link/);
  refused(file, 0, /file is not a directory/);
  refused(open, 0, /writable by group or others \(mode 777\)/);
  refused(group, 0, /writable by group or others \(mode 775\)/);
  refused(other, 1234, /owned by uid 4321, not 1234/);
  // A writer running as root is refused too (stricter than HotSpot); a reader as root accepts any owner.
  refused(other, 0, /owned by uid 4321, not 0/);
  checkDirectory(other, 'any');
  SecureDirectory.open(other, 'any').close();
  assert.equal(insecurity(statSync(real), 0), undefined);
});

test('files are reached through the open directory even if its name is swapped for a symlink', (t) => {
  const { base, remove } = tempBase('swap');
  t.after(remove);
  const dir = `${base}/d`;
  mkdirSync(dir, { mode: 0o755 });
  const dirHandle = SecureDirectory.open(dir, 0);
  t.after(() => dirHandle.close());
  renameSync(dir, `${base}/moved`);
  mkdirSync(`${base}/elsewhere`);
  symlinkSync(`${base}/elsewhere`, dir);
  writeFileSync(dirHandle.at('123'), 'x');
  assert.deepEqual(dirHandle.names(), ['123']);
  assert.equal(statSync(`${base}/moved/123`).size, 1);
  assert.throws(() => statSync(`${base}/elsewhere/123`), { code: 'ENOENT' });
});

