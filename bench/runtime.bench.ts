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
import { eventLoopCollector } from '../src/runtime/collectors/event-loop.js';

const WINDOW_MS = 10_000;

/** Percent of one core the process used over a quiet window of `WINDOW_MS`. */
async function idleCpuPercent(setup: () => () => void): Promise<number> {
  const teardown = setup();
  await sleep(1500); // past start-up work and the first samples' JIT
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const cpu = process.cpuUsage(cpu0);
  const wallUs = (performance.now() - t0) * 1000;
  teardown();
  return ((cpu.user + cpu.system) / wallUs) * 100;
}

const region = (): PerfDataWriter => new PerfDataWriter(new ArrayBuffer(32 * 1024));

function sampler(periodMs: number): () => () => void {
  return () => {
    const s = startRuntimeCounters(region(), { periodMs });
    return () => s.stop();
  };
}

await benchMain([
  {
    name: 'idle cpu',
    unit: '% of one core',
    description: `CPU time of an otherwise idle process over ${WINDOW_MS / 1000} s (user + system), with the runtime counters sampling at a period.`,
    variants: {
      'no perfmem': { baseline: true, run: () => idleCpuPercent(() => { const t = setInterval(() => {}, 1000); return () => clearInterval(t); }) },
      'runtime counters, 1 s period (default)': { run: () => idleCpuPercent(sampler(1000)) },
      'runtime counters, 100 ms period': { run: () => idleCpuPercent(sampler(100)) },
      'event-loop delay timer alone (10 ms)': {
        run: () => idleCpuPercent(() => { const c = eventLoopCollector(region(), 10); return () => c.close(); }),
      },
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
