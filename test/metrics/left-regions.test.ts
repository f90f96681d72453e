/**
 * The SIGKILLed member whose region is cleaned up by a process without perfmem/metrics: that
 * cleanup leaves the region (it cannot save its counts), and the next process with
 * perfmem/metrics folds it into the app's totals and removes it. Nothing is lost, nothing piles up.
 * A sweep or an exit that cannot save a member's counts (its app file unusable) keeps the region.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, linkSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { REGISTER } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-left-'));
process.env.PERFMEM_DIR = dir;
const { AggregatorRegistry, appFileName } = await import('../../src/metrics/index.js');
const { sweepStaleRegions } = await import('../../src/perfmemory/index.js');
const MEMBER = fileURLToPath(new URL('../fixtures/metrics-app-member.js', import.meta.url));
const regionOf = (pid: number): string => join(dir, `hsperfdata_${userInfo().username}`, String(pid));

async function started(args: string[], env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', REGISTER, ...args], {
    env: { ...process.env, PERFMEM_APP: 'api', PERFMEM_METRICS_CHECKPOINT_MS: '600000', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout!, 'data');
  return child;
}

test('a dead member\'s region outlives a cleanup without perfmem/metrics, then is folded and removed', { timeout: 60_000 }, async (t) => {
  const children: ChildProcess[] = [];
  t.after(() => { for (const c of children) c.kill('SIGKILL'); });
  // A counts 5 jobs after its only checkpoint (at its first metric), then is SIGKILLed.
  const a = await started([MEMBER], { JOBS: '5', NODE_APP_INSTANCE: '0' });
  children.push(a);
  a.kill('SIGKILL');
  await once(a, 'exit');
  assert.ok(existsSync(regionOf(a.pid!)));
  // B: perfmem/register only (no perfmem/metrics): its region's creation cleans the directory.
  const b = await started(['-e', 'process.stdout.write("ready\\n"); setInterval(() => {}, 1000)'], {});
  children.push(b);
  await sleep(1500); // past any deferred sweep of B's
  assert.ok(existsSync(regionOf(b.pid!)));
  assert.ok(existsSync(regionOf(a.pid!)), 'B\'s cleanup left the dead member\'s region: it cannot fold it');
  // C: a member with perfmem/metrics: folds A's region into the app file and removes it.
  const c = await started([MEMBER], { JOBS: '2', NODE_APP_INSTANCE: '1' });
  children.push(c);
  assert.equal(existsSync(regionOf(a.pid!)), false, 'C swept it');
  const text = await new AggregatorRegistry().clusterMetrics({ app: 'app:api' });
  assert.match(text, /^jobs_total\{queue="q"\} 7$/m, 'A\'s last jobs are counted');
  c.kill('SIGTERM');
  await once(c, 'exit');
});

test('a dead member\'s region is kept while its counts cannot be saved, and folded once they can', { timeout: 60_000 }, async (t) => {
  const children: ChildProcess[] = [];
  t.after(() => { for (const c of children) c.kill('SIGKILL'); });
  const a = await started([MEMBER], { PERFMEM_APP: 'kept', JOBS: '5', NODE_APP_INSTANCE: '0' });
  children.push(a);
  a.kill('SIGKILL');
  await once(a, 'exit');
  // The app file's lock gets a second link: AppFiles refuses it, so nothing can be folded.
  const lock = join(dir, `perfmem_${userInfo().username}`, `${appFileName('app:kept')}.lock`);
  const extra = `${lock}-extra-link`;
  linkSync(lock, extra);
  try {
    sweepStaleRegions(dir);
    assert.ok(existsSync(regionOf(a.pid!)), 'the sweep kept the region whose counts it could not save');
    assert.match(await new AggregatorRegistry().clusterMetrics({ app: 'app:kept' }), /^jobs_total\{queue="q"\} 5$/m, 'read from the region meanwhile');
  } finally {
    unlinkSync(extra);
  }
  assert.deepEqual(sweepStaleRegions(dir).filter((n) => n === String(a.pid)), [String(a.pid)]);
  assert.equal(existsSync(regionOf(a.pid!)), false);
  assert.match(await new AggregatorRegistry().clusterMetrics({ app: 'app:kept' }), /^jobs_total\{queue="q"\} 5$/m, 'folded, counted once');
});

test('a member whose exit cannot fold its counts leaves its region, folded later', { timeout: 60_000 }, async (t) => {
  const children: ChildProcess[] = [];
  t.after(() => { for (const c of children) c.kill('SIGKILL'); });
  const a = await started([MEMBER], { PERFMEM_APP: 'exiting', JOBS: '3', NODE_APP_INSTANCE: '0' });
  children.push(a);
  const lock = join(dir, `perfmem_${userInfo().username}`, `${appFileName('app:exiting')}.lock`);
  const extra = `${lock}-extra-link`;
  linkSync(lock, extra);
  try {
    a.kill('SIGTERM');
    await once(a, 'exit');
    assert.ok(existsSync(regionOf(a.pid!)), 'its exit kept the region whose counts it could not fold');
    assert.match(await new AggregatorRegistry().clusterMetrics({ app: 'app:exiting' }), /^jobs_total\{queue="q"\} 3$/m);
  } finally {
    unlinkSync(extra);
  }
  sweepStaleRegions(dir);
  assert.equal(existsSync(regionOf(a.pid!)), false);
  assert.match(await new AggregatorRegistry().clusterMetrics({ app: 'app:exiting' }), /^jobs_total\{queue="q"\} 3$/m, 'folded, counted once');
});

test('cleanup', () => {
  rmSync(dir, { recursive: true, force: true });
});
