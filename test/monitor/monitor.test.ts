/**
 * The monitor on real processes: an instrumented Node app (running, blocked, a cluster
 * worker, gone), a real JVM, a stale region and a hostile one, each in its own directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createMonitor } from '../../src/monitor/index.js';
import type { HostSample } from '../../src/monitor/types.js';
import { REGISTER, haveJdk, startJvm } from '../cli/helpers.js';
import { startApp } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(take: () => HostSample, ok: (s: HostSample) => boolean, timeoutMs = 15_000): Promise<HostSample> {
  const end = Date.now() + timeoutMs;
  let s = take();
  while (!ok(s)) {
    if (Date.now() > end) throw new Error(`never matched: ${JSON.stringify(s.processes.map((p) => [p.pid, p.state, p.blockedMs, p.counters.size]))}`);
    await sleep(100);
    s = take();
  }
  return s;
}

test('monitor: a Node app running, blocked (the block grows), its cluster worker in its app, then gone', { timeout: 90_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-monitor-'));
  const app = await startApp(dir);
  t.after(() => { app.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  const monitor = createMonitor({ dirs: [dir], discoveryIntervalMs: 0, historyLength: 5 });
  t.after(() => monitor.close());
  let s = await until(() => monitor.sample(), (x) => x.processes.some((p) => p.pid === app.pid && p.gauges.heapUsedBytes !== null));
  await sleep(1200);
  s = monitor.sample();
  const p = s.processes.find((x) => x.pid === app.pid)!;
  assert.equal(p.runtime, 'node');
  assert.equal(p.state, 'running');
  assert.equal(p.app, 'runtime-app.js', 'its own app (perfmem/metrics\' appOf rule), named after its script');
  assert.equal(p.user, userInfo().username);
  assert.equal(p.ppid, process.pid);
  assert.match(p.runtimeVersion, /^v\d+\./);
  assert.ok(p.startTimeMs > Date.now() - 120_000 && p.startTimeMs <= Date.now());
  assert.ok(p.rates.cpu !== null && p.rates.cpu >= 0, 'CPU over the interval');
  assert.ok(p.gauges.rssBytes! > 1 << 20 && p.gauges.threads! >= 1 && p.proc !== undefined);
  assert.ok(p.counters.size > 50);
  assert.equal(s.seq, monitor.latest()!.seq);

  // A cluster worker joins the primary's app.
  app.send('fork');
  const worker = Number((await app.waitFor(/^forked \d+/)).split(' ')[1]);
  s = await until(() => monitor.sample(), (x) => x.processes.some((q) => q.pid === worker && q.state === 'running'));
  assert.equal(s.processes.find((q) => q.pid === worker)!.app, 'runtime-app.js');
  assert.deepEqual(monitor.apps().find((a) => a.app === 'runtime-app.js')?.pids.sort(), [app.pid, worker].sort());

  // Blocked: the state says so, for longer at each sample, with the block in the delay figures.
  app.send('block 6000');
  await app.waitFor(/^blocking/);
  s = await until(() => monitor.sample(), (x) => x.processes.find((q) => q.pid === app.pid)!.state === 'blocked');
  const first = s.processes.find((q) => q.pid === app.pid)!;
  await sleep(700);
  const second = monitor.sample().processes.find((q) => q.pid === app.pid)!;
  assert.equal(second.state, 'blocked');
  assert.ok(second.blockedMs > first.blockedMs, `${second.blockedMs} > ${first.blockedMs}`);
  assert.ok(second.rates.loopDelayMaxMs === null || second.rates.loopDelayMaxMs >= second.blockedMs - 1);
  assert.ok(second.gauges.rssBytes !== null, 'gauges stay known while blocked');
  await app.waitFor(/^block-done/);
  await until(() => monitor.sample(), (x) => x.processes.find((q) => q.pid === app.pid)!.state === 'running');
  assert.ok(monitor.history(app.pid).length <= 5 && monitor.history(app.pid).some((h) => h.state === 'blocked'));

  app.child.kill('SIGKILL');
  await new Promise((r) => app.child.once('exit', r));
  s = await until(() => monitor.sample(), (x) => x.processes.find((q) => q.pid === app.pid)?.state === 'gone');
  assert.deepEqual(s.processes.find((q) => q.pid === app.pid)!.rates.cpu, null);
});

test('monitor: a stale region and a hostile one are shown as such and never break a sample', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-monitor-'));
  const app = await startApp(dir);
  const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
  const reused = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => { app.child.kill('SIGKILL'); sleeper.kill('SIGKILL'); reused.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  const userDir = join(dir, `hsperfdata_${userInfo().username}`);
  mkdirSync(userDir, { recursive: true, mode: 0o700 });
  // A copy of a live region under a pid nobody has: its writer is gone.
  await sleep(300);
  copyFileSync(join(userDir, String(app.pid)), join(userDir, '4194000'));
  // The same region under the pid of a live process that is not its writer: a reused pid.
  copyFileSync(join(userDir, String(app.pid)), join(userDir, String(reused.pid)));
  // Random bytes under the pid of a live process of ours: a region that is not one.
  const junk = Buffer.alloc(32768);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 2654435761) >>> 24;
  junk.writeUInt32BE(0xcafec0c0, 0);
  writeFileSync(join(userDir, String(sleeper.pid)), junk, { mode: 0o600 });
  const monitor = createMonitor({ dirs: [dir], discoveryIntervalMs: 0 });
  t.after(() => monitor.close());
  const s = monitor.sample();
  assert.equal(s.processes.find((p) => p.pid === 4194000)?.state, 'stale');
  assert.equal(s.processes.find((p) => p.pid === reused.pid)?.state, 'stale', 'a pid now owned by another process');
  assert.equal(s.processes.find((p) => p.pid === app.pid)?.state, 'running');
  const junkRow = s.processes.find((p) => p.pid === sleeper.pid);
  assert.ok(junkRow === undefined || junkRow.counters.size === 0, 'a hostile region yields no figures');
  for (let i = 0; i < 3; i++) monitor.sample();
});

test('monitor: a real JVM, with heap, threads and GC from its hsperfdata', { timeout: 60_000 }, async (t) => {
  if (!haveJdk()) return t.skip('java not found');
  const jvm = await startJvm(t);
  const monitor = createMonitor({ dirs: ['/tmp'], pids: [jvm.pid], containers: false });
  t.after(() => monitor.close());
  monitor.sample();
  await sleep(600);
  const p = monitor.sample().processes.find((x) => x.pid === jvm.pid)!;
  assert.equal(p.runtime, 'jvm');
  assert.equal(p.state, 'running');
  assert.equal(p.app, 'PerfmemSubject', 'a JVM\'s app is named after its main class');
  assert.match(p.runtimeVersion, /^\d+/);
  assert.ok(p.gauges.heapUsedBytes! > 0 && p.gauges.heapTotalBytes! >= p.gauges.heapUsedBytes!);
  assert.ok(p.gauges.threads! > 5);
  assert.ok(p.rates.gcPerSecond !== null && p.rates.gcPerSecond >= 0);
  assert.equal(p.loopHistogram, undefined);
});

test('monitor: a blocked loop says where it is stuck when the watchdog published its stack', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-monitor-'));
  const script = join(dir, 'stuck.mjs');
  // A block far longer than the test needs (it ends when the stack is seen, then kills the child):
  // on a loaded machine the watchdog's start and first capture can take seconds.
  writeFileSync(script, 'function spinUniquelyNamed() { const end = Date.now() + 40000; while (Date.now() < end); }\nsetTimeout(spinUniquelyNamed, 1000);\nsetInterval(() => {}, 1000);\n');
  const child = spawn(process.execPath, ['--import', REGISTER, script], { stdio: 'ignore', env: { ...process.env, PERFMEM_DIR: dir, PERFMEM_WATCHDOG: '1' } });
  t.after(() => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  const monitor = createMonitor({ dirs: [dir], discoveryIntervalMs: 0 });
  t.after(() => monitor.close());
  const s = await until(() => monitor.sample(), (x) => x.processes.some((p) => p.pid === child.pid && p.blockedIn !== undefined), 35_000);
  const p = s.processes.find((x) => x.pid === child.pid)!;
  assert.equal(p.state, 'blocked');
  assert.equal(p.blockedIn, 'spinUniquelyNamed (stuck.mjs:1)');
  assert.equal(p.stack!.frames[0]!.functionName, 'spinUniquelyNamed');
  assert.ok(p.stack!.takenAtMs > Date.now() - 20_000 && p.stack!.takenAtMs <= Date.now());
  assert.ok(p.rates.loopDelayMaxMs === null || p.rates.loopDelayMaxMs >= p.blockedMs - 1);
});
