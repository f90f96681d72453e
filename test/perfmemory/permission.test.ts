/**
 * Attach as an unprivileged user (uid 65534 through spawn's uid option): a process it may not
 * signal, and a region file it may not read, give ERR_PERFDATA_ACCESS with HotSpot's words.
 * Needs root to switch users; skipped visibly otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync } from 'node:fs';
import { FIXTURE_DIR } from '../perfdata/jdk.js';
import { stop, tempBase } from './helpers.js';

const NOBODY = 65534;
const indexUrl = new URL('../../src/index.js', import.meta.url).href;

/** Runs attach(pid, options) as uid 65534 and returns the error code it met (or 'ok'). */
function attachAsNobody(pid: number, options: object): string {
  const code = `import(${JSON.stringify(indexUrl)}).then(({ attach }) => {
    try { attach(${pid}, ${JSON.stringify(options)}).detach(); console.log('ok'); }
    catch (e) { console.log(e.code + ' ' + e.message); }
  });`;
  const r = spawnSync(process.execPath, ['-e', code], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
  return (r.stdout || r.stderr).trim();
}

test('permission denied: a process this user may not signal, a file it may not read', async (t) => {
  if (process.geteuid?.() !== 0) return t.skip('needs root to run a child as another user');
  const { base, remove } = tempBase('perm');
  t.after(remove);
  chmodSync(base, 0o755);
  // A root process: kill(pid, 0) fails with EPERM for nobody.
  assert.match(attachAsNobody(process.pid, { dir: base }), /^ERR_PERFDATA_ACCESS Operation not permitted/);

  // nobody's own process, whose region file (in nobody's safe directory) root made 0600.
  const target = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { uid: NOBODY, gid: NOBODY, stdio: 'ignore' });
  t.after(() => stop(target));
  const dir = `${base}/hsperfdata_nobody`;
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  chownSync(dir, NOBODY, NOBODY);
  copyFileSync(FIXTURE_DIR + 'cetra3_example', `${dir}/${target.pid}`);
  chmodSync(`${dir}/${target.pid}`, 0o600);
  assert.match(attachAsNobody(target.pid!, { dir: base }), /^ERR_PERFDATA_ACCESS Permission denied/);
  chownSync(`${dir}/${target.pid}`, NOBODY, NOBODY);
  assert.equal(attachAsNobody(target.pid!, { dir: base }), 'ok');
  // A directory owned by someone else is not safe for nobody (HotSpot's owner rule).
  chownSync(dir, 0, 0);
  assert.match(attachAsNobody(target.pid!, { dir: base }), /^ERR_INSECURE_DIRECTORY .* owned by uid 0, not 65534/);
});

test('listProcesses lists another user\'s region it cannot read, with the reason', (t) => {
  if (process.geteuid?.() !== 0) return t.skip('needs root to run a child as another user');
  const { base, remove } = tempBase('perm-list');
  t.after(remove);
  chmodSync(base, 0o755);
  const dir = `${base}/hsperfdata_root`;
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  copyFileSync(FIXTURE_DIR + 'cetra3_example', `${dir}/${process.pid}`);
  chmodSync(`${dir}/${process.pid}`, 0o600);
  const code = `import(${JSON.stringify(indexUrl)}).then(({ listProcesses }) => {
    console.log(JSON.stringify(listProcesses({ dirs: [${JSON.stringify(base)}], containers: false })));
  });`;
  const r = spawnSync(process.execPath, ['-e', code], { uid: NOBODY, gid: NOBODY, encoding: 'utf8' });
  const [entry, ...rest] = JSON.parse(r.stdout) as Array<{ pid: number; user: string; kind: string; state: string; error?: string }>;
  assert.deepEqual(rest, []);
  assert.deepEqual([entry?.pid, entry?.user, entry?.kind, entry?.state, entry?.error], [process.pid, 'root', 'other', 'alive', 'ERR_PERFDATA_ACCESS']);
});
