import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { cleanupStaleFiles } from '../../src/perfmemory/cleanup.js';
import { SecureDirectory } from '../../src/perfmemory/directory.js';
import { deadPid, FIXTURES, sleeper, stop, tempBase } from './helpers.js';

// Node has no mkfifo(3); a FIFO named after a dead pid must not block the cleanup's open.
function mkfifo(path: string): boolean {
  return spawnSync('mkfifo', [path], { stdio: 'ignore' }).status === 0;
}

test('stale cleanup removes dead pids and non-pid names, keeps live and flock-held files', async (t) => {
  const { base, remove } = tempBase('cleanup');
  t.after(remove);
  const dir = `${base}/hsperfdata_test`;
  mkdirSync(dir, { mode: 0o755 });
  const live = sleeper();
  t.after(() => stop(live));
  const dead = deadPid();
  const deadLocked = deadPid();
  const deadFifo = deadPid();
  writeFileSync(`${dir}/${live.pid}`, 'live');
  writeFileSync(`${dir}/${dead}`, 'dead');
  writeFileSync(`${dir}/${deadLocked}`, 'dead but locked');
  writeFileSync(`${dir}/${process.pid}`, 'a previous owner of our own pid');
  writeFileSync(`${dir}/not-a-pid`, 'junk');
  writeFileSync(`${dir}/0123x`, 'junk');
  symlinkSync('/etc/passwd', `${dir}/link`);
  const haveFifo = mkfifo(`${dir}/${deadFifo}`);

  // A live process holds a flock on a file whose name is a dead pid: a process in another pid
  // namespace sharing this directory looks exactly like that.
  const holder = spawn(process.execPath, [FIXTURES + 'flock-holder.js', `${dir}/${deadLocked}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => stop(holder));
  await once(holder.stdout!, 'data');

  const handle = SecureDirectory.open(dir, 0);
  let removed: string[];
  try {
    removed = cleanupStaleFiles(handle);
  } finally {
    handle.close();
  }
  const expectRemoved = [String(dead), String(process.pid), 'not-a-pid', '0123x', 'link'];
  if (haveFifo) expectRemoved.push(String(deadFifo));
  assert.deepEqual(removed.sort(), expectRemoved.sort());
  assert.deepEqual(readdirSync(dir).sort(), [String(live.pid), String(deadLocked)].sort());
  assert.ok(existsSync('/etc/passwd'), 'a symlink is removed, never its target');
});
