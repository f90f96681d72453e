/**
 * What the runtime counters cost. `idle cost`: idle processes side by side for 30 s, bare and
 * under --import perfmem/register, with the CPU time of every thread from
 * /proc/<pid>/task/<tid>/schedstat (nanoseconds, not clock ticks). `one sample`: the CPU time
 * of one sample taken at the real 1 Hz cadence (cold caches, as in production, not a hot loop),
 * with the Node calls a sample is made of for scale.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchMain, median, usPerCall, sink } from './harness.js';
import { PerfDataWriter } from '../src/perfdata/index.js';
import { startRuntimeCounters } from '../src/runtime/runtime.js';
import { start } from '../src/runtime/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IDLE_SECONDS = 30;
const SAMPLES_AT_1HZ = 20;

/** CPU nanoseconds of every live thread of `pid` (field 1 of each task's schedstat). */
function processCpuNs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read: its time is lost (idle Node keeps its threads).
    }
  }
  return ns;
}

/**
 * Starts every variant's idle process at once, lets them settle, then measures each one's CPU
 * time over the same IDLE_SECONDS window: percent of one core.
 */
async function idleSideBySide(variants: Record<string, { args: string[]; env?: Record<string, string> }>): Promise<Record<string, number>> {
  const scratch = mkdtempSync(join(tmpdir(), 'perfmem-bench-idle-'));
  const script = join(scratch, 'idle.mjs');
  writeFileSync(script, 'setInterval(() => {}, 1 << 30);\n');
  const children = new Map<string, ChildProcess>();
  try {
    for (const [name, v] of Object.entries(variants)) {
      const env = { ...process.env, PERFMEM_DIR: scratch, ...v.env };
      children.set(name, spawn(process.execPath, [...v.args, script], { cwd: ROOT, env, stdio: 'ignore' }));
    }
    await sleep(3000); // past start-up, the first samples and their JIT
    const t0 = process.hrtime.bigint();
    const before = new Map([...children].map(([n, c]) => [n, processCpuNs(c.pid!)]));
    await sleep(IDLE_SECONDS * 1000);
    const wallNs = Number(process.hrtime.bigint() - t0);
    const out: Record<string, number> = {};
    for (const [n, c] of children) out[n] = ((processCpuNs(c.pid!) - before.get(n)!) / wallNs) * 100;
    return out;
  } finally {
    for (const c of children.values()) c.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * This process's CPU time in ns. getrusage (process.cpuUsage) brings the running thread's time
 * up to date before it sums; /proc/thread-self/schedstat does not (it moves only when the
 * thread is switched out or the tick lands), so it cannot time a call of tens of µs.
 */
function processCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/**
 * Median CPU microseconds of `fn` called once a second (a timer between calls, as the sampler's),
 * less the same measurement of an empty call (the cost of measuring).
 */
async function cpuUsAt1Hz(fn: () => void): Promise<number> {
  const measure = (f: () => void): number => {
    const a = processCpu();
    f();
    return processCpu() - a;
  };
  const spent: number[] = [];
  const empty: number[] = [];
  for (let i = 0; i < SAMPLES_AT_1HZ; i++) {
    await sleep(1000);
    spent.push(measure(fn));
    empty.push(measure(() => {}));
  }
  return (median(spent) - median(empty)) / 1000;
}

const region = (): PerfDataWriter => new PerfDataWriter(new ArrayBuffer(32 * 1024));

await benchMain([
  {
    name: 'idle cost',
    unit: '% of one core',
    description: `CPU time of every thread (schedstat, ns) of idle processes run side by side for ${IDLE_SECONDS} s.`,
    variants: {
      'bare node': { baseline: true },
      '--import perfmem/register (defaults)': {},
      '--import perfmem/register, PERFMEM_WATCHDOG=1': {},
      '--import perfmem/register, PERFMEM_DISABLE=1': {},
    },
    goals: [{ variant: '--import perfmem/register (defaults)', maxDelta: 0.05, source: 'issue 10 item 2' }],
    runAll: () => idleSideBySide({
      'bare node': { args: [] },
      '--import perfmem/register (defaults)': { args: ['--import', 'perfmem/register'] },
      '--import perfmem/register, PERFMEM_WATCHDOG=1': { args: ['--import', 'perfmem/register'], env: { PERFMEM_WATCHDOG: '1' } },
      '--import perfmem/register, PERFMEM_DISABLE=1': { args: ['--import', 'perfmem/register'], env: { PERFMEM_DISABLE: '1' } },
    }),
  },
  {
    name: 'one sample',
    unit: 'µs/call',
    description: `CPU time of the process per call (getrusage, µs resolution); "at 1 Hz": median of ${SAMPLES_AT_1HZ} calls a second apart (caches cold, as the sampler's timer sees them), less the cost of measuring.`,
    variants: {
      'process.memoryUsage.rss() at 1 Hz': { baseline: true, run: () => cpuUsAt1Hz(() => { sink.value = process.memoryUsage.rss(); }) },
      'full sample at 1 Hz (start() as register does)': {
        run: async () => {
          const dir = mkdtempSync(join(tmpdir(), 'perfmem-bench-sample-'));
          const handle = start({ periodMs: 3_600_000, dir });
          if (handle === undefined) throw new Error('perfmem did not start (PERFMEM_DISABLE set?)');
          try {
            return await cpuUsAt1Hz(handle.sampleNow);
          } finally {
            await handle.stop();
            handle.region.close();
            rmSync(dir, { recursive: true, force: true });
          }
        },
      },
      'full sample in a hot loop': {
        note: 'what a hot loop reports: caches warm',
        run: () => {
          const s = startRuntimeCounters(region(), { periodMs: 3_600_000 });
          const us = usPerCall(s.sampleNow);
          s.stop();
          return us;
        },
      },
      'process.memoryUsage() (hot loop)': { run: () => usPerCall(() => { sink.value = process.memoryUsage(); }) },
      'process.resourceUsage() (hot loop)': { run: () => usPerCall(() => { sink.value = process.resourceUsage(); }) },
      'v8.getHeapStatistics() (hot loop)': { run: () => usPerCall(() => { sink.value = v8.getHeapStatistics(); }) },
      'v8.getHeapSpaceStatistics() (hot loop)': { run: () => usPerCall(() => { sink.value = v8.getHeapSpaceStatistics(); }) },
      'performance.eventLoopUtilization() (hot loop)': { run: () => usPerCall(() => { sink.value = performance.eventLoopUtilization(); }) },
    },
    goals: [{ variant: 'full sample at 1 Hz (start() as register does)', max: 50, source: 'issue 10 item 3' }],
  },
]);
