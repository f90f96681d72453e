/**
 * What the runtime counters cost. `idle cpu`: CPU time the whole process spends per second of
 * wall time while otherwise idle, with and without the sampler (the goal: the default
 * 1 s period under 0.5% of one core). `one sample`: the sampler's work per period and the
 * Node calls it is made of.
 */
import v8 from 'node:v8';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchMain, usPerCall, sink } from './harness.js';
import { PerfDataWriter } from '../src/perfdata/index.js';
import { startRuntimeCounters } from '../src/runtime/runtime.js';
import { start, type RuntimeOptions } from '../src/runtime/index.js';

const WINDOWS = 5;
const WINDOW_MS = 2_000;

/**
 * Percent of one core the process used while otherwise idle: the least of `WINDOWS` windows of
 * `WINDOW_MS`. Other load on the machine only ever inflates a window (cache misses, slower
 * wake-ups; measured 10x on a busy 2-core host), so the least is the closest to the cost itself.
 */
async function idleCpuPercent(setup: () => () => void): Promise<number> {
  const teardown = setup();
  await sleep(1500); // past start-up work and the first samples' JIT
  let least = Infinity;
  for (let w = 0; w < WINDOWS; w++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const cpu = process.cpuUsage(cpu0);
    least = Math.min(least, ((cpu.user + cpu.system) / ((performance.now() - t0) * 1000)) * 100);
  }
  teardown();
  return least;
}

const region = (): PerfDataWriter => new PerfDataWriter(new ArrayBuffer(32 * 1024));

/** The real thing: start() with a region in /tmp/hsperfdata_<user>, as perfmem/register does. */
function started(options: RuntimeOptions): () => () => void {
  return () => {
    const handle = start(options);
    return () => { void handle?.stop(); handle?.region.close(); };
  };
}

await benchMain([
  {
    name: 'idle cpu',
    unit: '% of one core',
    description: `CPU time (user + system) of an otherwise idle process, least of ${WINDOWS} windows of ${WINDOW_MS / 1000} s, with perfmem/register's sampling as configured.`,
    variants: {
      'no perfmem': { baseline: true, run: () => idleCpuPercent(() => { const t = setInterval(() => {}, 1000); return () => clearInterval(t); }) },
      'perfmem/register defaults (1 s period, delay probe every 100 ms)': { run: () => idleCpuPercent(started({})) },
      'defaults + watchdog thread': { run: () => idleCpuPercent(started({ watchdog: true })) },
      '1 s period, delay probe every 10 ms': { run: () => idleCpuPercent(started({ delayResolutionMs: 10 })) },
      '1 s period, delay probe every 50 ms': { run: () => idleCpuPercent(started({ delayResolutionMs: 50 })) },
      '1 s period, delay probe every 1000 ms': { run: () => idleCpuPercent(started({ delayResolutionMs: 1000 })) },
      '100 ms period, delay probe every 100 ms': { run: () => idleCpuPercent(started({ periodMs: 100 })) },
    },
  },
  {
    name: 'one sample',
    unit: 'µs/call',
    description: 'One period of the sampler (every collector), and the Node calls inside it.',
    variants: {
      'process.memoryUsage.rss()': { baseline: true, run: () => usPerCall(() => { sink.value = process.memoryUsage.rss(); }) },
      'process.memoryUsage()': { run: () => usPerCall(() => { sink.value = process.memoryUsage(); }) },
      'process.resourceUsage()': { run: () => usPerCall(() => { sink.value = process.resourceUsage(); }) },
      'v8.getHeapStatistics()': { run: () => usPerCall(() => { sink.value = v8.getHeapStatistics(); }) },
      'v8.getHeapSpaceStatistics()': { run: () => usPerCall(() => { sink.value = v8.getHeapSpaceStatistics(); }) },
      'process.getActiveResourcesInfo()': { run: () => usPerCall(() => { sink.value = process.getActiveResourcesInfo(); }) },
      'performance.eventLoopUtilization()': { run: () => usPerCall(() => { sink.value = performance.eventLoopUtilization(); }) },
      'full sample (all collectors)': {
        run: () => {
          const s = startRuntimeCounters(region(), { periodMs: 3_600_000 });
          const us = usPerCall(s.sampleNow);
          s.stop();
          return us;
        },
      },
    },
  },
]);
