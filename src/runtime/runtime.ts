/**
 * The runtime counters over any counter registry (a region, or a bare perfdata writer in
 * tests): declares every collector's counters, then samples them on the period.
 */
import { isMainThread } from 'node:worker_threads';
import type { Collector, CounterRegistry } from './counters.js';
import { startSampler, type Sampler } from './sampler.js';
import { identityCollector } from './collectors/identity.js';
import { processUsageCollector } from './collectors/process-usage.js';
import { heapCollector } from './collectors/heap.js';
import { gcCollector } from './collectors/gc.js';
import { eventLoopCollector } from './collectors/event-loop.js';
import { resourcesCollector } from './collectors/resources.js';
import { workersCollector } from './collectors/workers.js';

export interface RuntimeCountersOptions {
  periodMs: number;
  /** How often the event-loop delay is probed, in ms (default DEFAULT_DELAY_RESOLUTION_MS). */
  delayResolutionMs?: number;
  onError?: (error: unknown) => void;
}

/** Declares the runtime counters in `r` and starts sampling them. */
export function startRuntimeCounters(r: CounterRegistry, options: RuntimeCountersOptions): Sampler {
  const makers: ((r: CounterRegistry) => Collector)[] = [
    identityCollector,
    processUsageCollector,
    heapCollector,
    gcCollector,
    (reg) => eventLoopCollector(reg, options.delayResolutionMs, options.periodMs, options.onError),
    resourcesCollector,
  ];
  if (isMainThread) makers.push(workersCollector);
  // One collector that cannot start (say, its names clash with the app's own counters) must
  // not take the others down.
  const collectors: Collector[] = [];
  for (const make of makers) {
    try {
      collectors.push(make(r));
    } catch (error) {
      options.onError?.(error);
    }
  }
  // Sampled event loop first: its reading of the loop's active time is the one the heap
  // collector decides by (declared in the order above, so the region's layout is unchanged).
  const loop = collectors.findIndex((c) => 'fastProbe' in c);
  if (loop > 0) collectors.unshift(...collectors.splice(loop, 1));
  return startSampler(r, collectors, { periodMs: options.periodMs, onError: options.onError });
}
