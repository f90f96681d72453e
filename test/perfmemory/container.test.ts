/**
 * A region inside a container: a process in its own mount and pid namespaces, with its own /tmp,
 * is found through /proc/<pid>/root/tmp and reported under its host pid. Needs unshare(1) and
 * root; skipped visibly otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attach, listProcesses } from '../../src/index.js';
import { FIXTURES, stop } from './helpers.js';

function canUnshare(): boolean {
  const r = spawnSync('unshare', ['--mount', '--pid', '--fork', '--mount-proc', 'sh', '-c', 'mount -t tmpfs tmpfs /tmp'], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * A shell command, for inside a new mount namespace, that gives it an empty /tmp of its own and
 * then runs the region-child fixture. The repository may itself live under /tmp (a CI clone
 * often does), so it is first bind-mounted onto a directory outside /tmp, and the fixture runs
 * from there.
 */
function privateTmpThenRunChild(t: { after(fn: () => void): void }): string {
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  const mountPoint = mkdtempSync('/dev/shm/perfmem-test-repo-');
  t.after(() => { try { rmdirSync(mountPoint); } catch { /* still a mount point in a namespace being torn down */ } });
  const fixture = `${mountPoint}/${FIXTURES.slice(repo.length)}region-child.js`;
  return `mount --bind "${repo}" "${mountPoint}" && mount -t tmpfs tmpfs /tmp && exec "${process.execPath}" "${fixture}" wait`;
}

/** The host pid of the first process whose parent is `ppid`. */
function childOf(ppid: number): number | undefined {
  const r = spawnSync('pgrep', ['-P', String(ppid)], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split('\n')[0]);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

test('a region in a container is listed and attached under its host pid', async (t) => {
  if (process.geteuid?.() !== 0 || !canUnshare()) return t.skip('needs root and unshare(1) for namespaces');
  const env = { ...process.env };
  delete env.PERFMEM_DIR;
  const container = spawn('unshare', ['--mount', '--pid', '--fork', '--mount-proc', '--kill-child=SIGKILL', 'sh', '-c',
    privateTmpThenRunChild(t)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => stop(container));
  const [line] = (await once(container.stdout.setEncoding('utf8'), 'data')) as [string];
  assert.equal(line, 'ready /tmp/hsperfdata_root/1\n', 'pid 1 in its own namespace, in its own /tmp');
  const hostPid = childOf(container.pid!);
  assert.ok(hostPid !== undefined);
  assert.match(readFileSync(`/proc/${hostPid}/status`, 'latin1'), new RegExp(`NSpid:\\s+${hostPid}\\s+1\\n`));

  const listed = listProcesses().find((p) => p.pid === hostPid);
  assert.ok(listed !== undefined, 'found through /proc/<pid>/root/tmp');
  assert.deepEqual([listed.namespacePid, listed.kind, listed.state, listed.path],
    [1, 'node', 'alive', `/proc/${listed.path.split('/')[2]}/root/tmp/hsperfdata_root/1`]);

  const view = attach(hostPid);
  t.after(() => view.detach());
  assert.equal(view.get('app.requests')?.value, 42);
  assert.equal(view.path, `/proc/${hostPid}/root/tmp/hsperfdata_root/1`);
});

test('a process with a /tmp of its own (mount namespace only, like PrivateTmp) is found through /proc/<pid>/root/tmp', async (t) => {
  if (process.geteuid?.() !== 0 || !canUnshare()) return t.skip('needs root and unshare(1) for namespaces');
  const env = { ...process.env };
  delete env.PERFMEM_DIR;
  const child = spawn('unshare', ['--mount', 'sh', '-c', privateTmpThenRunChild(t)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => stop(child));
  const [line] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
  // unshare execs sh, which execs node: the same pid throughout, in our pid namespace.
  assert.equal(line, `ready /tmp/hsperfdata_root/${child.pid}\n`);
  assert.equal(existsSync(`/tmp/hsperfdata_root/${child.pid}`), false, 'not in our /tmp');
  const view = attach(child.pid!);
  t.after(() => view.detach());
  assert.equal(view.path, `/proc/${child.pid}/root/tmp/hsperfdata_root/${child.pid}`);
  assert.equal(view.get('app.requests')?.value, 42);
  const listed = listProcesses().find((p) => p.pid === child.pid);
  assert.deepEqual([listed?.kind, listed?.state], ['node', 'alive']);
});
