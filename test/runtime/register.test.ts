import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { attach } from '../../src/perfmemory/index.js';
import { loopStatus } from '../../src/runtime/index.js';
import { histogramDelta, readLoopHistogram } from '../../src/runtime/loop-histogram.js';
import type { CounterInfo } from '../../src/perfdata/types.js';
import { AppProcess, APP, REGISTER, exists, tempBase } from './app-process.js';

const PERIOD = '100';

function read(pid: number, dir: string): Map<string, CounterInfo> {
  const view = attach(pid, { dir });
  try {
    return new Map(view.counters().map((c) => [c.name, c] as const));
  } finally {
    view.detach();
  }
}
const num = (m: Map<string, CounterInfo>, name: string): number => {
  const c = m.get(name);
  assert.ok(c !== undefined && c.type === 'long', `missing long counter ${name}`);
  return Number(c.value);
};

/** Polls until `check` stops throwing (the sampler publishes every PERIOD ms). */
async function eventually<T>(check: () => T, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (Date.now() > end) throw error;
      await sleep(50);
    }
  }
}

test('a preloaded app publishes its identity and runtime counters', async () => {
  const base = tempBase();
  const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: PERIOD }, args: ['--flag', 'x'] });
  try {
    const c = read(app.pid, base.dir);
    assert.equal(num(c, 'node.pid'), app.pid);
    assert.equal(num(c, 'node.ppid'), process.pid);
    assert.equal(c.get('sun.rt.javaCommand')?.value, `${APP} --flag x`);
    assert.equal(c.get('node.version')?.value, process.version);
    assert.equal(num(c, 'node.sample.period'), 100e6);
    assert.ok(num(c, 'node.memory.rss') > 10e6);
    await eventually(() => assert.ok(num(read(app.pid, base.dir), 'node.sample.count') >= 3));
    assert.equal(app.stdout, `ready ${app.pid}\n`);
    assert.equal(app.stderr, '', 'register prints nothing unless PERFMEM_DEBUG');
  } finally {
    app.kill();
    await app.exited;
    base.remove();
  }
});

test('the package entry `--import perfmem/register` works (self-reference from the package root)', () => {
  const base = tempBase();
  try {
    const repo = fileURLToPath(new URL('../../../', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'perfmem/register', '-e',
      'const fs = require("node:fs"); process.stdout.write(String(fs.existsSync(process.argv[1] + "/" + process.pid)))', base.regionPath(0).replace(/\/0$/, '')],
    { cwd: repo, encoding: 'utf8', env: { ...process.env, PERFMEM_DIR: base.dir } });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'true');
    assert.equal(r.status, 0);
  } finally {
    base.remove();
  }
});

test('start(options): bad options warn once each and fall back; a second call returns the first handle; stop() stops sampling', () => {
  const base = tempBase();
  try {
    const script = fileURLToPath(new URL('../fixtures/runtime-start.js', import.meta.url));
    const r = spawnSync(process.execPath, [script, JSON.stringify({ periodMs: 'often', size: -1, dir: base.dir, watchdog: 'yes' })],
      { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { started: boolean; same: boolean; config: { periodMs: number; watchdog: boolean; region: object };
      path: string; countAfterStop: number; countLater: number };
    assert.equal(out.started, true);
    assert.equal(out.same, true);
    assert.deepEqual(out.config, { disabled: false, periodMs: 1000, debug: false, watchdog: false, delayResolutionMs: 100, stackAfterMs: 1000, region: { dir: base.dir } });
    assert.equal(out.path, base.regionPath(r.pid!));
    assert.equal(out.countLater, out.countAfterStop);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('PERFMEM_BAD_CONFIG'));
    assert.equal(warnings.length, 3, r.stderr);
    assert.match(r.stderr, /option periodMs="often" is not a whole number/);
    assert.match(r.stderr, /option size=-1 is not a size in bytes/);
    assert.match(r.stderr, /option watchdog="yes" is not a boolean/);
    assert.equal(exists(base.regionPath(r.pid!)), false, 'removed at exit');
  } finally {
    base.remove();
  }
});

test('GC counters rise after global.gc() under --expose-gc, in node.gc.* and sun.gc.collector.1', async () => {
  const base = tempBase();
  const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: PERIOD }, nodeArgs: ['--expose-gc'] });
  try {
    const before = read(app.pid, base.dir);
    await app.request('gc', /^gc-done$/);
    const after = await eventually(() => {
      const c = read(app.pid, base.dir);
      assert.ok(num(c, 'node.gc.major.count') >= num(before, 'node.gc.major.count') + 3);
      return c;
    });
    assert.ok(num(after, 'node.gc.major.time') > num(before, 'node.gc.major.time'));
    assert.equal(num(after, 'sun.gc.collector.1.invocations'), num(after, 'node.gc.major.count'));
    assert.equal(num(after, 'sun.gc.collector.1.time'), num(after, 'node.gc.major.time'));
    assert.ok(num(after, 'node.gc.last.duration') > 0);
  } finally {
    app.kill();
    await app.exited;
    base.remove();
  }
});

test('heap, CPU, the event-loop delay histogram and active time change under load', async () => {
  const base = tempBase();
  const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: '300' } });
  try {
    await sleep(700);
    const idle = read(app.pid, base.dir);
    await app.request('alloc 40', /^alloc-done$/);
    await app.request('block 400', /^block-done /);
    await sleep(700); // the next samples record the block
    const loaded = read(app.pid, base.dir);
    const delta = histogramDelta(readLoopHistogram((n) => loaded.get(n))!, readLoopHistogram((n) => idle.get(n))!);
    assert.ok(delta.maxNs >= 380e6, `delay max ${delta.maxNs}`);
    const dActive = num(loaded, 'node.eventLoop.active') - num(idle, 'node.eventLoop.active');
    const dIdle = num(loaded, 'node.eventLoop.idle') - num(idle, 'node.eventLoop.idle');
    assert.ok(dActive / (dActive + dIdle) > 0.3, `utilization ${dActive / (dActive + dIdle)}`);
    assert.ok(num(loaded, 'node.heap.usedHeapSize') > num(idle, 'node.heap.usedHeapSize') + 30e6);
    assert.ok(num(loaded, 'node.eventLoop.active') - num(idle, 'node.eventLoop.active') >= 400e6);
    // CPU time is less than the wall time when the machine is busy with other work.
    const cpu = (c: Map<string, CounterInfo>) => num(c, 'node.cpu.user') + num(c, 'node.cpu.system');
    assert.ok(cpu(loaded) - cpu(idle) >= 100e6, `cpu ${cpu(loaded) - cpu(idle)}`);
    assert.ok(num(loaded, 'sun.gc.generation.1.space.0.used') > num(idle, 'sun.gc.generation.1.space.0.used'));
  } finally {
    app.kill();
    await app.exited;
    base.remove();
  }
});

test('a reader sees a busy-looping process as blocked, and running again afterwards', async () => {
  const base = tempBase();
  const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: PERIOD } });
  try {
    await sleep(250);
    assert.equal(loopStatus(read(app.pid, base.dir), process.hrtime.bigint()).state, 'running');
    await app.request('block 2000', /^blocking /);
    await sleep(900);
    const status = loopStatus(read(app.pid, base.dir), process.hrtime.bigint());
    assert.equal(status.state, 'blocked');
    assert.ok(status.blockedForMs >= 600, `blocked for ${status.blockedForMs} ms`);
    await app.line(/^block-done /);
    await eventually(() => assert.equal(loopStatus(read(app.pid, base.dir), process.hrtime.bigint()).state, 'running'));
  } finally {
    app.kill();
    await app.exited;
    base.remove();
  }
});

test('the watchdog thread publishes CPU, RSS and the loop age while the main thread is blocked', async () => {
  const base = tempBase();
  const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: PERIOD, PERFMEM_WATCHDOG: '1' } });
  try {
    await eventually(() => assert.ok(num(read(app.pid, base.dir), 'node.watchdog.heartbeat') > 0));
    await app.request('block 1500', /^blocking /);
    await sleep(300);
    const first = read(app.pid, base.dir);
    await sleep(500);
    const second = read(app.pid, base.dir);
    // The main loop is stuck: its heartbeat does not move; the watchdog's does.
    assert.equal(num(second, 'node.heartbeat'), num(first, 'node.heartbeat'));
    assert.ok(num(second, 'node.watchdog.heartbeat') > num(first, 'node.watchdog.heartbeat'));
    assert.ok(num(second, 'node.watchdog.loopAge') >= 600e6, `loop age ${num(second, 'node.watchdog.loopAge')}`);
    assert.ok(num(second, 'node.watchdog.cpu.user') > num(first, 'node.watchdog.cpu.user'));
    assert.ok(num(second, 'node.watchdog.rss') > 10e6);
    await app.line(/^block-done /);
    await eventually(() => assert.ok(num(read(app.pid, base.dir), 'node.watchdog.loopAge') < 500e6));
    assert.ok(num(read(app.pid, base.dir), 'node.watchdog.maxLoopAge') >= 1000e6);
  } finally {
    app.kill();
    await app.exited;
    base.remove();
  }
});

test('the region is removed on every exit path, and the exit is unchanged', async (t) => {
  const cases: { name: string; act: (app: AppProcess) => void; code: number | null; signal: NodeJS.Signals | null }[] = [
    { name: 'normal exit (stdin closed, nothing left to do)', act: (app) => app.child.stdin!.end(), code: 0, signal: null },
    { name: 'process.exit(3)', act: (app) => app.send('exit 3'), code: 3, signal: null },
    { name: 'SIGTERM', act: (app) => app.child.kill('SIGTERM'), code: null, signal: 'SIGTERM' },
    { name: 'uncaught exception', act: (app) => app.send('throw'), code: 1, signal: null },
  ];
  for (const c of cases) {
    await t.test(c.name, async () => {
      const base = tempBase();
      const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: PERIOD, PERFMEM_WATCHDOG: '1' } });
      try {
        assert.ok(exists(base.regionPath(app.pid)));
        c.act(app);
        const end = await Promise.race([app.exited, sleep(5000).then(() => 'timeout' as const)]);
        assert.notEqual(end, 'timeout', 'the process must not be kept alive');
        assert.deepEqual(end, { code: c.code, signal: c.signal });
        assert.equal(exists(base.regionPath(app.pid)), false);
      } finally {
        app.kill();
        await app.exited;
        base.remove();
      }
    });
  }
});

test('PERFMEM_EXIT_SIGNALS=0: SIGTERM ends a blocked instrumented process at once, as it ends bare Node (the region file is left for the stale-file cleanup)', async () => {
  const base = tempBase();
  // Blocks for 60 s once its region exists; perfmem's own SIGTERM listener could only run after that.
  const child = spawn(process.execPath, ['--import', REGISTER, '-e',
    'process.stdout.write("ready\\n"); const end = Date.now() + 60000; while (Date.now() < end);'], {
    env: { ...process.env, PERFMEM_DIR: base.dir, PERFMEM_EXIT_SIGNALS: '0' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await once(child.stdout!, 'data');
    assert.ok(exists(base.regionPath(child.pid!)));
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const end = await Promise.race([exited, sleep(10_000).then(() => 'still running' as const)]);
    assert.deepEqual(end, [null, 'SIGTERM']);
    assert.ok(exists(base.regionPath(child.pid!)), 'left, as a SIGKILLed process\'s');
  } finally {
    child.kill('SIGKILL');
    base.remove();
  }
});

test('an uncaught exception prints the same stderr with and without perfmem', () => {
  const run = (preload: string[]) => spawnSync(process.execPath, [...preload, APP], { input: 'throw\n', encoding: 'utf8' });
  const base = tempBase();
  try {
    const plain = run([]);
    const withPerfmem = spawnSync(process.execPath, ['--import', REGISTER, APP], {
      input: 'throw\n', encoding: 'utf8', env: { ...process.env, PERFMEM_DIR: base.dir },
    });
    assert.equal(withPerfmem.status, plain.status);
    const normalise = (s: string, pid: number | undefined) => s.replaceAll(`ready ${pid}`, 'ready PID');
    assert.equal(normalise(withPerfmem.stdout, withPerfmem.pid), normalise(plain.stdout, plain.pid));
    assert.equal(withPerfmem.stderr, plain.stderr);
    assert.match(plain.stderr, /fixture failure on purpose/);
  } finally {
    base.remove();
  }
});

test('a child process gets its own region carrying its parent pid (NODE_OPTIONS inheritance)', async () => {
  const base = tempBase();
  const app = await AppProcess.start({
    register: false,
    env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: PERIOD, NODE_OPTIONS: `--import ${REGISTER}` },
  });
  try {
    const [, childPid] = await app.request('spawn', /^child (\d+)$/);
    const child = Number(childPid);
    // The region appears before the runtime's counters are in it: wait for those.
    const c = await eventually(() => {
      const counters = read(child, base.dir);
      assert.equal(num(counters, 'node.pid'), child);
      return counters;
    });
    assert.equal(num(c, 'node.ppid'), app.pid);
    assert.equal(num(read(app.pid, base.dir), 'node.pid'), app.pid);
  } finally {
    app.send('exit 0');
    await Promise.race([app.exited, sleep(3000)]);
    app.kill();
    base.remove();
  }
});

test('a worker thread (which runs the preload too) is published by the main thread under node.worker.<threadId>', async () => {
  const base = tempBase();
  const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: PERIOD } });
  try {
    const exited = app.line(/^worker-exit$/);
    const [, id] = await app.request('worker 600', /^worker (\d+)$/);
    const c = await eventually(() => {
      const m = read(app.pid, base.dir);
      assert.ok(num(m, `node.worker.${id}.eventLoop.active`) + num(m, `node.worker.${id}.eventLoop.idle`) > 0);
      return m;
    });
    assert.equal(num(c, 'node.workers.created'), 1);
    await exited;
    await eventually(() => assert.equal(num(read(app.pid, base.dir), `node.worker.${id}.exited`), 1));
    assert.equal(num(read(app.pid, base.dir), 'node.workers.live'), 0);
    assert.equal(app.stderr, '');
  } finally {
    app.kill();
    await app.exited;
    base.remove();
  }
});

test('a cluster worker gets its own region (execArgv inheritance) carrying the primary as ppid', async () => {
  const base = tempBase();
  const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: PERIOD } });
  let workerPid = 0;
  try {
    workerPid = Number((await app.request('fork', /^forked (\d+)$/))[1]);
    // The region appears before the runtime's counters are in it: wait for those.
    const c = await eventually(() => {
      const counters = read(workerPid, base.dir);
      assert.equal(num(counters, 'node.ppid'), app.pid);
      return counters;
    });
    assert.equal(c.get('sun.rt.javaCommand')?.value, APP);
    app.child.stdin!.end(); // the primary ends its worker (SIGTERM), then has nothing left to do
    const end = await Promise.race([app.exited, sleep(5000).then(() => 'timeout' as const)]);
    assert.deepEqual(end, { code: 0, signal: null });
    await eventually(() => assert.equal(exists(base.regionPath(workerPid)), false));
  } finally {
    if (workerPid > 0) try { process.kill(workerPid, 'SIGKILL'); } catch { /* already gone */ }
    app.kill();
    await app.exited;
    base.remove();
  }
});

test('PERFMEM_SHM puts the region in /dev/shm, the watchdog maps it there, PERFMEM_DEBUG says so', async () => {
  const app = await AppProcess.start({ env: { PERFMEM_SHM: '1', PERFMEM_WATCHDOG: '1', PERFMEM_DEBUG: '1', PERFMEM_PERIOD_MS: PERIOD } });
  try {
    const path = `/dev/shm/hsperfdata_${userInfo().username}/${app.pid}`;
    assert.ok(exists(path));
    const c = await eventually(() => {
      const m = read(app.pid, '/dev/shm');
      assert.ok(num(m, 'node.watchdog.heartbeat') > 0);
      return m;
    });
    assert.equal(num(c, 'node.pid'), app.pid);
    assert.equal(app.stderr, `perfmem[${app.pid}]: publishing into ${path} every 100 ms, with a watchdog thread\n`);
    app.send('exit 0');
    assert.deepEqual(await app.exited, { code: 0, signal: null });
    assert.equal(exists(path), false);
  } finally {
    app.kill();
    await app.exited;
  }
});

test('PERFMEM_DISABLE publishes nothing; a bad PERFMEM_PERIOD_MS warns once and uses 1 s', async () => {
  const base = tempBase();
  const disabled = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_DISABLE: '1' } });
  const bad = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: 'often' } });
  try {
    assert.equal(exists(base.regionPath(disabled.pid)), false);
    assert.equal(num(read(bad.pid, base.dir), 'node.sample.period'), 1e9);
    await sleep(200);
    const warnings = bad.stderr.split('\n').filter((l) => l.includes('PERFMEM_PERIOD_MS'));
    assert.equal(warnings.length, 1, bad.stderr);
    assert.match(warnings[0]!, /\[PERFMEM_BAD_CONFIG\].*PERFMEM_PERIOD_MS="often" is not a whole number of milliseconds/);
  } finally {
    disabled.kill();
    bad.kill();
    await Promise.all([disabled.exited, bad.exited]);
    base.remove();
  }
});

test('jps -lmv lists the process with its script, args and execArgv', async (t) => {
  if (spawnSync('jps', ['-help'], { encoding: 'utf8' }).error) {
    t.skip('jps not found (install a JDK)');
    return;
  }
  // jps reads only /tmp/hsperfdata_<user>: the default location.
  const app = await AppProcess.start({ nodeArgs: ['--no-warnings'], args: ['alpha', 'beta'] });
  try {
    const out = spawnSync('jps', ['-lmv'], { encoding: 'utf8' }).stdout;
    const line = out.split('\n').find((l) => l.startsWith(`${app.pid} `));
    assert.ok(line !== undefined, `pid ${app.pid} missing from jps:\n${out}`);
    assert.equal(line, `${app.pid} ${APP} alpha beta --no-warnings --import ${REGISTER}`);
  } finally {
    app.kill();
    await app.exited;
  }
});

test('jstat -gcutil shows the V8 heap and the true GC counts of a Node process', async (t) => {
  if (spawnSync('jstat', ['-options'], { encoding: 'utf8' }).error) {
    t.skip('jstat not found (install a JDK)');
    return;
  }
  const app = await AppProcess.start({ nodeArgs: ['--expose-gc'], env: { PERFMEM_PERIOD_MS: PERIOD } });
  try {
    await app.request('gc', /^gc-done$/);
    await app.request('gc', /^gc-done$/);
    await sleep(300);
    const before = read(app.pid, '/tmp');
    const out = spawnSync('jstat', ['-gcutil', String(app.pid)], { encoding: 'utf8' });
    const after = read(app.pid, '/tmp');
    const [head, row] = out.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(head, ['S0', 'S1', 'E', 'O', 'M', 'CCS', 'YGC', 'YGCT', 'FGC', 'FGCT', 'CGC', 'CGCT', 'GCT'], out.stderr);
    const col = (name: string): string => row![head!.indexOf(name)]!;
    // V8 has no survivor, metaspace or compressed-class spaces: not published, so jstat prints '-'.
    for (const name of ['S0', 'S1', 'M', 'CCS']) assert.equal(col(name), '-', name);
    const fgc = num(after, 'sun.gc.collector.1.invocations');
    assert.ok(fgc >= 6, `FGC ${fgc}`);
    if (fgc === num(before, 'sun.gc.collector.1.invocations')) assert.equal(Number(col('FGC')), fgc);
    const fgct = num(after, 'sun.gc.collector.1.time') / 1e9;
    assert.ok(Math.abs(Number(col('FGCT')) - fgct) < 0.002 || fgc !== num(before, 'sun.gc.collector.1.invocations'), `FGCT ${col('FGCT')} vs ${fgct}`);
    const old = Number(col('O'));
    assert.ok(old > 0 && old <= 100, `O ${old}`);
    const e = Number(col('E'));
    assert.ok(e >= 0 && e <= 100, `E ${e}`);
    // -gccause: the last cause of an idle app after gc() is the explicit call.
    const cause = spawnSync('jstat', ['-gccause', String(app.pid)], { encoding: 'utf8' }).stdout;
    if (read(app.pid, '/tmp').get('node.gc.last.kind')?.value === 'major') assert.match(cause, /System\.gc\(\)\s+No GC\s*$/);
  } finally {
    app.kill();
    await app.exited;
  }
});
