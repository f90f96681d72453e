import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { parsePerfData } from '../../src/perfdata/index.js';
import { attach, attachFile } from '../../src/perfmemory/index.js';
import { FIXTURE_DIR } from '../perfdata/jdk.js';
import { deadPid, sleeper, stop, tempBase } from './helpers.js';

const FIXTURE = FIXTURE_DIR + 'cetra3_example';

/** A base directory holding `file` as hsperfdata_<user>/<pid>. */
function place(base: string, user: string, pid: number, file = FIXTURE): string {
  const dir = `${base}/hsperfdata_${user}`;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const path = `${dir}/${pid}`;
  copyFileSync(file, path);
  chmodSync(path, 0o600);
  return path;
}

test('attach reads a live process\'s file into its own buffer and parses it like the reader', async (t) => {
  const { base, remove } = tempBase('attach');
  const child = sleeper();
  t.after(async () => { await stop(child); remove(); });
  const path = place(base, 'root', child.pid);
  const view = attach(child.pid, { dir: base });
  t.after(() => view.detach());
  assert.equal(view.pid, child.pid);
  assert.equal(view.path, path);
  const expected = parsePerfData(readFileSync(FIXTURE));
  assert.deepEqual(view.snapshot(), expected);
  assert.deepEqual(view.counters(), expected.counters);
  assert.deepEqual(view.header, expected.header);
  const cmd = expected.counters.find((c) => c.name === 'sun.rt.javaCommand');
  assert.deepEqual(view.get('sun.rt.javaCommand'), cmd);
  assert.deepEqual(view.get('sun.perfdata.size'), expected.counters.find((c) => c.name === 'sun.perfdata.size'));
  assert.equal(view.get('no.such.counter'), undefined);
  // A value changed in place is seen by get() (fast path: layout unchanged) and by snapshot().
  const bytes = readFileSync(path);
  const hrt = expected.counters.find((c) => c.name === 'sun.os.hrt.frequency');
  assert.ok(hrt !== undefined && hrt.type === 'long');
  const at = bytes.indexOf(Buffer.from('sun.os.hrt.frequency\0'));
  const dataOffset = bytes.readInt32LE(at - 20 + 16) + at - 20;
  bytes.writeBigInt64LE(123456789n, dataOffset);
  writeFileSync(path, bytes);
  assert.equal(view.get('sun.os.hrt.frequency')?.value, 123456789);
  assert.equal(view.snapshot().counters.find((c) => c.name === 'sun.os.hrt.frequency')?.value, 123456789);
  view.detach();
  assert.throws(() => view.snapshot(), { code: 'ERR_DETACHED' });
  view.detach();
});

test('attach finds the owner by scanning hsperfdata_* directories: the newest file wins', async (t) => {
  const { base, remove } = tempBase('owner');
  const child = sleeper();
  t.after(async () => { await stop(child); remove(); });
  const older = place(base, 'older', child.pid);
  const newer = place(base, 'newer', child.pid, FIXTURE_DIR + 'xin_21916');
  // ctime cannot be set directly: make "older" older by touching "newer" later.
  utimesSync(older, new Date(0), new Date(0));
  await new Promise((r) => setTimeout(r, 20));
  utimesSync(newer, new Date(), new Date());
  place(base, 'empty', child.pid);
  writeFileSync(`${base}/hsperfdata_empty/${child.pid}`, ''); // empty files are skipped
  const view = attach(child.pid, { dir: base });
  t.after(() => view.detach());
  assert.equal(view.path, newer);
  const named = attach(child.pid, { dir: base, user: 'older' });
  t.after(() => named.detach());
  assert.equal(named.path, older);
});

test('attach errors have stable codes and HotSpot\'s words', async (t) => {
  const { base, remove } = tempBase('errors');
  const child = sleeper();
  t.after(async () => { await stop(child); remove(); });
  const dead = deadPid();
  assert.throws(() => attach(dead, { dir: base }), { code: 'ERR_PROCESS_NOT_FOUND', message: /^Process not found/ });
  assert.throws(() => attach(child.pid, { dir: base }), { code: 'ERR_PROCESS_NOT_FOUND', message: /could not map vmid/ });
  assert.throws(() => attach(child.pid, { access: 'readwrite' }), { code: 'ERR_READ_WRITE_UNSUPPORTED', message: /^Unsupported access mode/ });
  for (const bad of [0, -1, 1.5, 2 ** 40, Number.NaN]) assert.throws(() => attach(bad), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => attach(child.pid, { dir: 'relative' }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => attach(child.pid, { user: '../etc' }), { code: 'ERR_INVALID_ARG_VALUE' });

  // Invalid sizes: not a multiple of the page size.
  const path = place(base, 'size', child.pid);
  writeFileSync(path, Buffer.alloc(5000));
  assert.throws(() => attach(child.pid, { dir: base, user: 'size' }), { code: 'ERR_PERFDATA_SIZE', message: /^Invalid PerfMemory size/ });
});

test('a group/other-writable or symlinked directory and a symlinked or hard-linked file are refused', async (t) => {
  const { base, remove } = tempBase('refuse');
  const child = sleeper();
  t.after(async () => { await stop(child); remove(); });

  place(base, 'open', child.pid);
  chmodSync(`${base}/hsperfdata_open`, 0o777);
  assert.throws(() => attach(child.pid, { dir: base, user: 'open' }), { code: 'ERR_INSECURE_DIRECTORY', message: /writable by group or others/ });
  // Scanning skips the unsafe directory, and says why nothing was found.
  assert.throws(() => attach(child.pid, { dir: base }), { code: 'ERR_INSECURE_DIRECTORY' });
  chmodSync(`${base}/hsperfdata_open`, 0o755);

  const real = `${base}/real`;
  mkdirSync(real, { mode: 0o755 });
  chmodSync(real, 0o755);
  copyFileSync(FIXTURE, `${real}/${child.pid}`);
  symlinkSync(real, `${base}/hsperfdata_link`);
  assert.throws(() => attach(child.pid, { dir: base, user: 'link' }), { code: 'ERR_INSECURE_DIRECTORY', message: /symbolic link/ });

  mkdirSync(`${base}/hsperfdata_filelink`, { mode: 0o755 });
  chmodSync(`${base}/hsperfdata_filelink`, 0o755);
  symlinkSync(`${real}/${child.pid}`, `${base}/hsperfdata_filelink/${child.pid}`);
  assert.throws(() => attach(child.pid, { dir: base, user: 'filelink' }), { code: 'ERR_INSECURE_FILE', message: /symbolic link/ });

  mkdirSync(`${base}/hsperfdata_hard`, { mode: 0o755 });
  chmodSync(`${base}/hsperfdata_hard`, 0o755);
  linkSync(`${real}/${child.pid}`, `${base}/hsperfdata_hard/${child.pid}`);
  assert.throws(() => attach(child.pid, { dir: base, user: 'hard' }), { code: 'ERR_INSECURE_FILE', message: /2 hard links/ });

  // The legitimate one is still found by the scan.
  const ok = attach(child.pid, { dir: base });
  t.after(() => ok.detach());
  assert.equal(ok.path, `${base}/hsperfdata_open/${child.pid}`);
});

test('attachFile reads a saved file of any size, including every real JVM fixture', (t) => {
  for (const name of ['cetra3_example', 'xin_2036', 'xin_15192']) {
    const view = attachFile(FIXTURE_DIR + name);
    t.after(() => view.detach());
    assert.equal(view.pid, undefined);
    assert.deepEqual(view.snapshot(), parsePerfData(readFileSync(FIXTURE_DIR + name)));
  }
  assert.throws(() => attachFile('/nonexistent/file'), { code: 'ERR_PROCESS_NOT_FOUND' });
  assert.throws(() => attachFile('/tmp'), { code: 'ERR_INSECURE_FILE' });
  assert.throws(() => attachFile(''), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('attaching again to a process (its detached descriptor kept) reads the file the path names now, or refuses it', async (t) => {
  const { base, remove } = tempBase('again');
  const child = sleeper();
  t.after(async () => { await stop(child); remove(); });
  const path = place(base, 'root', child.pid);
  const frequency = (): unknown => {
    const view = attach(child.pid, { dir: base, user: 'root' });
    try {
      return view.snapshot().counters.find((c) => c.name === 'sun.os.hrt.frequency')?.value;
    } finally {
      view.detach();
    }
  };
  const original = frequency();
  const rewrite = (value: bigint, bytes = readFileSync(FIXTURE)): Buffer => {
    const at = bytes.indexOf(Buffer.from('sun.os.hrt.frequency\0'));
    bytes.writeBigInt64LE(value, bytes.readInt32LE(at - 20 + 16) + at - 20);
    return bytes;
  };
  // Changed in place with size and mtime as they were (as a mapped writer's stores leave them).
  const { mtime } = statSync(path);
  writeFileSync(path, rewrite(111n));
  utimesSync(path, mtime, mtime);
  assert.equal(frequency(), 111);
  // Rewritten (a new mtime), then replaced by a rename, then hard-linked, then removed.
  writeFileSync(path, rewrite(222n));
  assert.equal(frequency(), 222);
  writeFileSync(`${path}.new`, rewrite(333n));
  renameSync(`${path}.new`, path);
  assert.equal(frequency(), 333);
  linkSync(path, `${base}/hardlink`);
  assert.throws(() => frequency(), { code: 'ERR_INSECURE_FILE', message: /2 hard links/ });
  rmSync(`${base}/hardlink`);
  assert.equal(frequency(), 333);
  rmSync(path);
  assert.throws(() => frequency(), { code: 'ERR_PROCESS_NOT_FOUND' });
  writeFileSync(path, rewrite(444n), { mode: 0o600 });
  assert.equal(frequency(), 444);
  await stop(child);
  assert.throws(() => frequency(), { code: 'ERR_PROCESS_NOT_FOUND', message: /no process/ });
  assert.notEqual(original, 111);
});
