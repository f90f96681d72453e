/**
 * `perfmem/register`'s engine: `start(options)` creates this process's region and publishes
 * the Node runtime counters into it (see docs/runtime.md for every counter). Also the pure
 * `loopStatus` helper that tells, from a region's counters, whether its event loop is blocked.
 */
import { isMainThread } from 'node:worker_threads';
import { createRegion, type Region } from '../perfmemory/region.js';
import { resolveConfig, type RuntimeOptions, type RuntimeConfig } from './config.js';
import { startRuntimeCounters } from './runtime.js';
import { startWatchdog, type Watchdog } from './watchdog.js';
import { startWorkerGcHook } from './worker-gc.js';
import type { Sampler } from './sampler.js';

export { loopStatus } from './loop-status.js';
export type { LoopStatus, LoopStatusOptions, CounterSource } from './loop-status.js';
export { resolveConfig } from './config.js';
export type { RuntimeOptions, RuntimeConfig, RegionSettings, ResolvedConfig, Env } from './config.js';
export { WATCHDOG_COUNTERS, STACK_STATUS } from './watchdog.js';
export type { StackStatus } from './watchdog.js';

export interface RuntimeHandle {
  /** The process's region (shared with any counters the app creates itself). */
  readonly region: Region;
  readonly config: RuntimeConfig;
  /** Whether a watchdog thread runs. */
  readonly watchdog: boolean;
  /** Samples every collector now (the timer does it every period). */
  sampleNow(): void;
  /** Stops sampling and the watchdog; the region and its last values stay. */
  stop(): Promise<void>;
}

let current: RuntimeHandle | undefined;

function debugLine(enabled: boolean): (message: string) => void {
  return enabled ? (message) => process.stderr.write(`perfmem[${process.pid}]: ${message}\n`) : () => {};
}

/**
 * Starts publishing this process's runtime counters; a second call returns the first
 * handle. Returns undefined when disabled (PERFMEM_DISABLE / `disable`) or in a worker thread
 * (workers are published by the main thread, under node.worker.<threadId>.*; in a worker it
 * installs the GC hook that lets the main thread count the worker's collections). A bad option
 * or variable gives one warning (code PERFMEM_BAD_CONFIG) and its default.
 */
export function start(options: RuntimeOptions = {}): RuntimeHandle | undefined {
  if (current !== undefined) return current;
  const { config, warnings } = resolveConfig(process.env, options);
  for (const w of warnings) process.emitWarning(w, { code: 'PERFMEM_BAD_CONFIG' });
  const debug = debugLine(config.debug);
  if (config.disabled) {
    debug('disabled by PERFMEM_DISABLE');
    return undefined;
  }
  if (!isMainThread) {
    startWorkerGcHook();
    return undefined;
  }

  // The region reads its own variables (PERFMEM_DIR, _SHM, _SIZE, _SAVE_FILE); options win.
  const region = createRegion(config.region);
  const onError = (e: unknown): void => debug(`a collector failed and was dropped: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  const sampler: Sampler = startRuntimeCounters(region, { periodMs: config.periodMs, delayResolutionMs: config.delayResolutionMs, onError });

  let watchdog: Watchdog | undefined;
  if (config.watchdog) {
    const own = region.threadHandle;
    if (own === undefined) debug('no watchdog: the region is in private memory');
    else watchdog = startWatchdog(region, own, config.periodMs, config.stackAfterMs, (e) => debug(`watchdog failed: ${e instanceof Error ? e.message : String(e)}`));
  }
  debug(`publishing into ${region.path ?? 'private memory'} every ${config.periodMs} ms${watchdog ? ', with a watchdog thread' : ''}`);

  const handle: RuntimeHandle = {
    region,
    config,
    watchdog: watchdog !== undefined,
    sampleNow: sampler.sampleNow,
    async stop() {
      sampler.stop();
      await watchdog?.stop();
      if (current === handle) current = undefined;
    },
  };
  current = handle;
  return handle;
}
