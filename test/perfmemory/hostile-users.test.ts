/**
 * issue 8, as a hostile local user would try it: real unprivileged users made with useradd
 * (removed afterwards), their files next to root's, and root's readers and writers facing them.
 * Needs root (to create users and act as them); every test says so visibly when it skips.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync, closeSync, copyFileSync, existsSync, linkSync, openSync, readFileSync, readdirSync, writeFileSync,
} from 'node:fs';
import { Worker } from 'node:worker_threads';
import { decodeUtf8AsJava } from '../../src/perfdata/java-utf8.js';
import { MAX_REGION_SIZE, parsePerfData } from '../../src/perfdata/index.js';
import { attach, attachFile, attachListed, createRegion, listProcesses } from '../../src/perfmemory/index.js';
import { FIXTURE_DIR } from '../perfdata/jdk.js';
import { FIXTURES, sleeper, stop, tempBase } from './helpers.js';

interface User { name: string; uid: number; gid: number }

let made = 0;
/** A fresh system user (no home, no shell), deleted when the test ends; undefined (skipped) without root. */
function hostileUser(t: TestContext): User | undefined {
  if (process.geteuid?.() !== 0) {
    t.skip('needs root to create a hostile user with useradd');
    return undefined;
  }
  if (spawnSync('useradd', ['--help'], { stdio: 'ignore' }).error !== undefined) {
    t.skip('useradd is not installed');
    return undefined;
  }
  const name = `pmh${process.pid}x${made++}`;
  const r = spawnSync('useradd', ['-M', '-r', '-s', '/usr/sbin/nologin', name], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  t.after(() => spawnSync('userdel', [name]));
  const id = (flag: string): number => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim());
  return { name, uid: id('-u'), gid: id('-g') };
}

/** Runs `sh -c cmd` as `user`; fails the test when it fails. */
function asUser(user: User, cmd: string): string {
  const r = spawnSync('sh', ['-c', cmd], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
  assert.equal(r.status, 0, `as ${user.name}: ${cmd}: ${r.stderr}`);
  return r.stdout;
}

const builder = new URL('../fixtures/hostile-regions.js', import.meta.url).href;

/** Runs a hostile-regions builder call as `user`, writing its bytes to `path`. */
function buildAsUser(user: User, path: string, call: string): void {
  const code = `import(${JSON.stringify(builder)}).then((m) => require('node:fs').writeFileSync(${JSON.stringify(path)}, ${call}))`;
  const r = spawnSync(process.execPath, ['-e', code], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

/** A base like /tmp (1777) holding the user's own hsperfdata directory, made by the user. */
function hostileBase(t: TestContext, user: User, tag: string): { base: string; dir: string } {
  const { base, remove } = tempBase(tag);
  t.after(remove);
  chmodSync(base, 0o1777);
  const dir = `${base}/hsperfdata_${user.name}`;
  asUser(user, `mkdir -m 755 ${dir}`);
  return { base, dir };
}

interface ReaderResult { code: number | null; signal: string | null; out: { result: unknown; hwmKb: number } | undefined; stderr: string }

/** Runs the hostile-reader fixture (as root) and returns how it ended. */
async function reader(mode: string, target: string): Promise<ReaderResult> {
  const child = spawn(process.execPath, [FIXTURES + 'hostile-reader.js', mode, target], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return { code, signal, out: stdout === '' ? undefined : JSON.parse(stdout) as ReaderResult['out'], stderr };
}

function assertSurvived(r: ReaderResult, what: string): void {
  assert.equal(r.signal, null, `${what}: killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.code, 0, `${what}: exit ${r.code}: ${r.stderr.slice(0, 500)}`);
}

test('a 128 MiB file with one invalid-UTF-8 name: every reader survives with a coded error', async (t) => {
  const user = hostileUser(t);
  if (user === undefined) return;
  const { base, dir } = hostileBase(t, user, 'h-utf8');
  buildAsUser(user, `${dir}/4000001`, 'm.invalidUtf8NameRegion(128 * 1024 * 1024)');
  buildAsUser(user, `${dir}/4000002`, `m.invalidUtf8NameRegion(${MAX_REGION_SIZE})`);

  const list = await reader('list', base);
  assertSurvived(list, 'listProcesses');
  assert.deepEqual((list.out!.result as { pid: number; error: string }[]).map((p) => [p.pid, p.error]),
    // The first is beyond the region limit (refused on fstat); the second's one entry runs past
    // what a listing reads, which ends the listing's look (nothing to show, no error).
    [[4000001, 'ERR_PERFDATA_SIZE'], [4000002, null]]);
  const big = await reader('file', `${dir}/4000001`);
  assertSurvived(big, 'attachFile');
  assert.deepEqual((big.out!.result as { code: string }).code, 'ERR_PERFDATA_SIZE');
  for (const mode of ['file', 'parse']) {
    const r = await reader(mode, `${dir}/4000002`);
    assertSurvived(r, mode);
    assert.equal((r.out!.result as { code: string }).code, 'ERR_PERFDATA_LIMIT');
  }
  // The decoder itself, on 8 MiB of invalid bytes: one U+FFFD per byte, no array, no crash.
  const s = decodeUtf8AsJava(new Uint8Array(MAX_REGION_SIZE).fill(0xff), 0, MAX_REGION_SIZE);
  assert.equal(s.length, MAX_REGION_SIZE);
  assert.equal(s.charCodeAt(MAX_REGION_SIZE - 1), 0xfffd);
});

test('20 sparse maximum-size files, 20 of 256 MiB and a file of minimal entries: listing stays bounded', async (t) => {
  const user = hostileUser(t);
  if (user === undefined) return;
  const { base, dir } = hostileBase(t, user, 'h-sparse');
  const code = `import(${JSON.stringify(builder)}).then((m) => {
    for (let i = 0; i < 20; i++) m.writeSparseRegion('${dir}/' + (4100000 + i), ${MAX_REGION_SIZE});
    for (let i = 0; i < 20; i++) m.writeSparseRegion('${dir}/' + (4200000 + i), 256 * 1024 * 1024);
    require('node:fs').writeFileSync('${dir}/4300000', m.minimalEntriesRegion(${MAX_REGION_SIZE}));
  })`;
  assert.equal(spawnSync(process.execPath, ['-e', code], { uid: user.uid, gid: user.gid }).status, 0);
  const list = await reader('list', base);
  assertSurvived(list, 'listProcesses');
  const rows = list.out!.result as { pid: number; error: string | null }[];
  assert.equal(rows.length, 41);
  assert.ok(rows.filter((r) => r.pid >= 4200000 && r.pid < 4300000).every((r) => r.error === 'ERR_PERFDATA_SIZE'));
  assert.ok(list.out!.hwmKb < 200 * 1024, `peak RSS ${list.out!.hwmKb} KiB`);
  // A full read of the file of minimal entries is bounded too (about 300,000 entries): it finishes.
  const full = await reader('file', `${dir}/4300000`);
  assertSurvived(full, 'attachFile of minimal entries');
  assert.equal(full.out!.result, 1 + 6, 'one name (empty, repeated) plus the pseudo-counters');
});

test('root never writes into an hsperfdata_root another user made first: private memory, one warning', (t) => {
  const user = hostileUser(t);
  if (user === undefined) return;
  const { base, remove } = tempBase('h-rootdir');
  t.after(remove);
  chmodSync(base, 0o1777);
  asUser(user, `mkdir -m 755 ${base}/hsperfdata_root`);
  const warnings: { code: string; message: string }[] = [];
  const region = createRegion({ dir: base, onWarning: (w) => warnings.push(w) });
  t.after(() => region.close());
  assert.equal(region.shared, false);
  assert.deepEqual(warnings.map((w) => w.code), ['PERFMEM_PRIVATE_FALLBACK']);
  assert.match(warnings[0]!.message, new RegExp(`owned by uid ${user.uid}, not 0`));
  assert.deepEqual(readdirSync(`${base}/hsperfdata_root`), [], 'nothing was created in the attacker\'s directory');
  // Regions the attacker puts there are listed as the attacker's, not root's.
  asUser(user, `cp ${FIXTURE_DIR}cetra3_example ${base}/hsperfdata_root/${process.pid}`);
  const [fake] = listProcesses({ dirs: [base], containers: false });
  assert.equal(fake?.user, user.name);
  assert.equal(fake?.uid, user.uid);
});

test('the watchdog\'s way in is the creation descriptor: a directory renamed and replaced by another user changes nothing', async (t) => {
  const user = hostileUser(t);
  if (user === undefined) return;
  const { base, remove } = tempBase('h-rename');
  t.after(remove);
  chmodSync(base, 0o777); // world-writable without the sticky bit: anyone may rename entries
  const region = createRegion({ dir: base });
  t.after(() => region.close());
  assert.equal(region.shared, true);
  const beat = region.long('test.beat');
  const handle = region.threadHandle!;
  // The attacker moves root's directory away and puts one of their own, with a file they can truncate.
  asUser(user, `mv ${base}/hsperfdata_root ${base}/moved && mkdir -m 755 ${base}/hsperfdata_root && ` +
    `head -c ${region.size} /dev/zero > ${base}/hsperfdata_root/${process.pid} && chmod 666 ${base}/hsperfdata_root/${process.pid}`);
  const indexUrl = new URL('../../src/perfmemory/index.js', import.meta.url).href;
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads');
    import(${JSON.stringify(indexUrl)}).then(({ openRegionCounters }) => {
      openRegionCounters(workerData).long('test.beat').set(4242);
      parentPort.postMessage('done');
    });`, { eval: true, workerData: handle });
  // A timer keeps the loop alive while the worker starts (under heavy load a worker's start once
  // left the test runner's loop with nothing to wait on).
  const keepAlive = setTimeout(() => {}, 60_000);
  try {
    await once(worker, 'message');
    await once(worker, 'exit');
  } finally {
    clearTimeout(keepAlive);
  }
  assert.equal(beat.get(), 4242, 'the worker wrote into the region itself');
  assert.ok(readFileSync(`${base}/hsperfdata_root/${process.pid}`).every((b) => b === 0), 'the attacker\'s file was never touched');
  // A descriptor that is no longer the region's file is refused (same check in any thread).
  const { openRegionCounters } = await import('../../src/perfmemory/index.js');
  assert.throws(() => openRegionCounters({ ...handle, ino: handle.ino + 1 }), /was closed/);
});

test('a listed region swapped for a symlink or another file is never followed or read', async (t) => {
  const user = hostileUser(t);
  if (user === undefined) return;
  const { base, dir } = hostileBase(t, user, 'h-swap');
  const secret = `${base}/secret`;
  writeFileSync(secret, 'root:TOPSECRET'.padEnd(4096, 'x'), { mode: 0o600 });
  const owner = sleeper();
  t.after(() => stop(owner));
  const file = `${dir}/${owner.pid}`;
  asUser(user, `cp ${FIXTURE_DIR}cetra3_example ${file} && mkfifo ${dir}/fifo`);
  const [info] = listProcesses({ dirs: [base], containers: false });
  assert.equal(info?.pid, owner.pid);
  // Keep the listed inode allocated: once freed, a new file may get its number, and a dev/ino
  // check cannot tell it from the listed one (such a file still passes every safety rule).
  const pin = openSync(file, 'r');
  t.after(() => closeSync(pin));
  // Swapped for a symlink (to root's secret, to a FIFO): the re-open refuses, without blocking.
  for (const target of [secret, `${dir}/fifo`]) {
    asUser(user, `ln -sfn ${target} ${file}.new && mv -T ${file}.new ${file}`);
    assert.throws(() => attachListed(info!), { code: 'ERR_INSECURE_FILE', message: /symbolic link/ });
    assert.throws(() => attachFile(file), { code: 'ERR_INSECURE_FILE' });
    const relisted = listProcesses({ dirs: [base], containers: false });
    assert.deepEqual(relisted, [], 'a symlink is not listed');
  }
  // Swapped for another regular file: not the file that was listed.
  asUser(user, `cp ${FIXTURE_DIR}xin_2036 ${file}.new && mv -T ${file}.new ${file}`);
  assert.throws(() => attachListed(info!), { code: 'ERR_INSECURE_FILE', message: /no longer the file that was listed/ });

  // Racing: the user swaps file and symlink as fast as it can while root lists 100 times.
  const swapper = spawn('sh', ['-c', `cp ${FIXTURE_DIR}cetra3_example ${file}.real; while :; do ` +
    `ln -sfn ${secret} ${file}.lnk; mv -T ${file}.lnk ${file}; cp ${file}.real ${file}.tmp; mv -T ${file}.tmp ${file}; done`],
  { uid: user.uid, gid: user.gid, stdio: 'ignore', detached: true });
  // Stopped here, not in an after hook: the directory's removal (an earlier hook) must not race it.
  try {
    for (let i = 0; i < 100; i++) {
      for (const p of listProcesses({ dirs: [base], containers: false })) {
        assert.doesNotMatch(`${p.command} ${p.vmArgs} ${p.error ?? ''}`, /TOPSECRET/);
        try {
          attachListed(p).detach();
        } catch (err) {
          assert.match((err as { code: string }).code, /^ERR_/);
          assert.doesNotMatch((err as Error).message, /TOPSECRET/);
        }
      }
    }
  } finally {
    // The whole group: an `mv` in flight must not land after the directory is removed.
    const exited = once(swapper, 'exit');
    try { process.kill(-swapper.pid!, 'SIGKILL'); } catch { /* already gone */ }
    await exited;
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('a hard link to a root-only file is refused by every open, and its content never shows', (t) => {
  const user = hostileUser(t);
  if (user === undefined) return;
  const { base, dir } = hostileBase(t, user, 'h-link');
  const secret = `${base}/shadow`;
  writeFileSync(secret, 'root:$6$TOPSECRET:19000:0:99999:7:::\n'.padEnd(4096, '\n'), { mode: 0o600 });
  const owner = sleeper();
  t.after(() => stop(owner));
  // fs.protected_hardlinks stops the user making this link; root makes it, as on a system without that protection.
  const link = `${dir}/${owner.pid}`;
  linkSync(secret, link);
  assert.throws(() => attachFile(link), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_INSECURE_FILE');
    assert.match(err.message, /has 2 hard links/);
    assert.doesNotMatch(err.message, /root|TOPSECRET|726f6f74/);
    return true;
  });
  assert.throws(() => attach(owner.pid, { dir: base }), { code: 'ERR_INSECURE_FILE' });
  assert.deepEqual(listProcesses({ dirs: [base], containers: false }), []);
  // A single-link copy is read, and refused for its magic without quoting a byte of it.
  copyFileSync(secret, `${base}/copy`);
  assert.throws(() => attachFile(`${base}/copy`).snapshot(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'ERR_PERFDATA_MAGIC');
    assert.doesNotMatch(err.message, /root|TOPSECRET|726f6f74/);
    return true;
  });
});

test('escape sequences in javaCommand and names: exact in the data, inert in every message', (t) => {
  const user = hostileUser(t);
  if (user === undefined) return;
  const { base, dir } = hostileBase(t, user, 'h-escape');
  const owner = sleeper();
  t.after(() => stop(owner));
  const forged = 'app.js\n1     node  running  99d  root  /sbin/init\x1b]0;pwned\x07\x1b[8m';
  buildAsUser(user, `${dir}/${owner.pid}`,
    `m.stringRegion([{ name: 'sun.rt.javaCommand', value: ${JSON.stringify(forged)} }, { name: 'java.property.java.vm.name', value: 'Node.js' }], 4096)`);
  const [p] = listProcesses({ dirs: [base], containers: false });
  assert.equal(p?.command, forged, 'the data keeps the exact value (--json shows it JSON-escaped)');
  // A name with escapes in an entry the reader refuses: the message escapes it.
  const bad = `${dir}/${owner.pid + 1}`;
  buildAsUser(user, bad, `m.stringRegion([{ name: 'x\\x1b]0;pwned\\x07\\xc2\\x9b2J', value: 'v' }], 4096)`);
  const bytes = new Uint8Array(readFileSync(bad));
  bytes[32 + 15] = 2; // a monotonic string: unsupported, named in the message
  try {
    parsePerfData(bytes);
    assert.fail('expected an error');
  } catch (err) {
    assert.equal((err as { code: string }).code, 'ERR_PERFDATA_UNSUPPORTED');
    assert.doesNotMatch((err as Error).message, /[\x00-\x1f\x7f-\x9f]/);
    assert.match((err as Error).message, /\\u001b\]0;pwned\\u0007\\u009b2J/);
  }
});

test('pid reuse forced through ns_last_pid: attach says stale, naming the start-time mismatch; listing agrees', async (t) => {
  if (process.geteuid?.() !== 0) return t.skip('needs root to set /proc/sys/kernel/ns_last_pid');
  const { base, remove } = tempBase('h-reuse');
  t.after(remove);
  const writer = spawn(process.execPath, [FIXTURES + 'region-child.js', 'wait'], { env: { ...process.env, PERFMEM_DIR: base }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(writer.stdout!.setEncoding('utf8'), 'data')) as [string];
  assert.match(line, /^ready /);
  const pid = writer.pid!;
  await stop(writer); // SIGKILL: the file stays behind
  assert.ok(existsSync(`${base}/hsperfdata_root/${pid}`));
  let reuser: ReturnType<typeof sleeper> | undefined;
  for (let attempt = 0; attempt < 50 && reuser === undefined; attempt++) {
    try {
      writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    } catch (err) {
      return t.skip(`cannot write ns_last_pid here: ${(err as Error).message}`);
    }
    const child = sleeper();
    if (child.pid === pid) reuser = child;
    else await stop(child);
  }
  if (reuser === undefined) return t.skip('another process kept taking the pid first');
  t.after(() => stop(reuser!));
  const view = attach(pid, { dir: base });
  t.after(() => view.detach());
  const judged = view.staleness();
  assert.equal(judged.state, 'stale');
  assert.equal(view.stale, true);
  assert.match(judged.reason!, new RegExp(`pid ${pid} was reused: the running process started .* after boot, the region's writer .* after boot`));
  const [listed] = listProcesses({ dirs: [base], containers: false });
  assert.equal(listed?.state, 'stale');
  assert.equal(listed?.staleReason, judged.reason);
  // The owner's own pid is alive; a saved file has no process to judge.
  const own = attachFile(`${base}/hsperfdata_root/${pid}`);
  assert.equal(own.staleness().state, 'unknown');
  own.detach();
});
