/**
 * The watchdog: a worker thread that keeps publishing while the main thread is blocked.
 *
 * A worker cannot share the main thread's ArrayBuffer over the region (koffi's buffers over
 * mapped memory are not SharedArrayBuffers and cannot be posted), so the worker maps the
 * region's file itself, MAP_SHARED: both mappings are the same page-cache pages, so its
 * stores are seen by every reader at once. The main thread declares the watchdog's counters
 * before the worker starts; the worker finds them by name with perfdata's entry locator.
 * A region in private memory (no file) has no watchdog.
 */
import { Worker } from 'node:worker_threads';
import { constantLong, monotonicLong, variableLong, type CounterRegistry } from './counters.js';
import { TICKS_PER_MS } from './clock.js';
import type { RegionThreadHandle } from '../perfmemory/index.js';

/** The counters the watchdog thread writes (declared by the main thread). */
export const WATCHDOG_COUNTERS = {
  heartbeat: 'node.watchdog.heartbeat',
  loopAge: 'node.watchdog.loopAge',
  maxLoopAge: 'node.watchdog.maxLoopAge',
  cpuUser: 'node.watchdog.cpu.user',
  cpuSystem: 'node.watchdog.cpu.system',
  rss: 'node.watchdog.rss',
} as const;

/** What the watchdog thread is told at start (structured-clonable). */
export interface WatchdogData {
  /** The region's creation descriptor (threads share them): the worker maps it, never a path. */
  region: RegionThreadHandle;
  periodMs: number;
  /** The main thread's heartbeat counter, read to compute its age. */
  mainHeartbeat: string;
  counters: typeof WATCHDOG_COUNTERS;
}

export interface Watchdog {
  stop(): Promise<void>;
  /** The worker, for tests and debugging. */
  readonly worker: Worker;
}

/** Declares the watchdog counters in `r`, then starts the thread over the region's descriptor. */
export function startWatchdog(r: CounterRegistry, region: RegionThreadHandle, periodMs: number, onError: (e: unknown) => void): Watchdog {
  const c = WATCHDOG_COUNTERS;
  variableLong(r, c.heartbeat, 'ticks');
  variableLong(r, c.loopAge, 'ticks');
  variableLong(r, c.maxLoopAge, 'ticks');
  monotonicLong(r, c.cpuUser, 'ticks');
  monotonicLong(r, c.cpuSystem, 'ticks');
  variableLong(r, c.rss, 'bytes');
  constantLong(r, 'node.watchdog.period', periodMs * TICKS_PER_MS, 'ticks');

  const data: WatchdogData = { region, periodMs, mainHeartbeat: 'node.heartbeat', counters: c };
  const worker = new Worker(new URL('./watchdog-worker.js', import.meta.url), {
    workerData: data,
    // Not the app's preloads (which would load perfmem/register again), and a small heap.
    execArgv: [],
    stdout: false,
    stderr: false,
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    name: 'perfmem-watchdog',
  });
  worker.unref();
  worker.on('error', onError);
  return {
    worker,
    async stop() { await worker.terminate(); },
  };
}
