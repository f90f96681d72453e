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
import { internalWorkers } from './collectors/workers.js';
import { STACK_COUNTER, STACK_TIME_COUNTER, STACK_WALL_COUNTER } from './stack-format.js';

/** The counters the watchdog thread writes (declared by the main thread). */
export const WATCHDOG_COUNTERS = {
  heartbeat: 'node.watchdog.heartbeat',
  loopAge: 'node.watchdog.loopAge',
  maxLoopAge: 'node.watchdog.maxLoopAge',
  cpuUser: 'node.watchdog.cpu.user',
  cpuSystem: 'node.watchdog.cpu.system',
  rss: 'node.watchdog.rss',
  stack: STACK_COUNTER,
  stackTime: STACK_TIME_COUNTER,
  stackWall: STACK_WALL_COUNTER,
  stackStatus: 'node.watchdog.stack.status',
  stackSeq: 'node.watchdog.stack.seq',
  stackCost: 'node.watchdog.stack.cost',
} as const;

/** node.watchdog.stack.status: what the last capture found. */
export const STACK_STATUS = { none: 0, frames: 1, idle: 2, native: 3 } as const;
export type StackStatus = keyof typeof STACK_STATUS;

/** Bytes reserved for the stack text (whole frames that fit; about 20-30 frames). */
export const STACK_MAX_BYTES = 4096;

/** What the watchdog thread is told at start (structured-clonable). */
export interface WatchdogData {
  path: string;
  periodMs: number;
  /** The main thread's heartbeat counter, read to compute its age. */
  mainHeartbeat: string;
  counters: typeof WATCHDOG_COUNTERS;
  /** Capture the stack once a block has lasted this long (0: never automatically). */
  stackAfterMs: number;
  /** The process's pid and effective uid (request files are named after the one, owned by the other or root). */
  pid: number;
  uid: number;
}

export interface Watchdog {
  stop(): Promise<void>;
  /** The worker, for tests and debugging. */
  readonly worker: Worker;
}

/** Declares the watchdog counters in `r`, then starts the thread over the region file at `path`. */
export function startWatchdog(r: CounterRegistry, path: string, periodMs: number, stackAfterMs: number, onError: (e: unknown) => void): Watchdog {
  const c = WATCHDOG_COUNTERS;
  variableLong(r, c.heartbeat, 'ticks');
  variableLong(r, c.loopAge, 'ticks');
  variableLong(r, c.maxLoopAge, 'ticks');
  monotonicLong(r, c.cpuUser, 'ticks');
  monotonicLong(r, c.cpuSystem, 'ticks');
  variableLong(r, c.rss, 'bytes');
  constantLong(r, 'node.watchdog.period', periodMs * TICKS_PER_MS, 'ticks');
  constantLong(r, 'node.watchdog.stack.after', stackAfterMs * TICKS_PER_MS, 'ticks');
  r.string(c.stack, '', { variability: 'variable', maxLength: STACK_MAX_BYTES });
  variableLong(r, c.stackTime, 'ticks');
  variableLong(r, c.stackWall, 'none');
  variableLong(r, c.stackStatus, 'none');
  monotonicLong(r, c.stackSeq, 'events');
  variableLong(r, c.stackCost, 'ticks');

  const data: WatchdogData = { path, periodMs, mainHeartbeat: 'node.heartbeat', counters: c, stackAfterMs, pid: process.pid, uid: process.geteuid?.() ?? 0 };
  const worker = new Worker(new URL('./watchdog-worker.js', import.meta.url), {
    workerData: data,
    // Not the app's preloads (which would load perfmem/register again), and a small heap.
    execArgv: [],
    stdout: false,
    stderr: false,
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
    name: 'perfmem-watchdog',
  });
  internalWorkers.add(worker); // before the 'worker' event, which comes on the next tick
  worker.unref();
  worker.on('error', onError);
  return {
    worker,
    async stop() { await worker.terminate(); },
  };
}
