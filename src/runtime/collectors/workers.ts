/**
 * The app's worker threads, seen from the main thread: each Worker created after start gets
 * node.worker.<threadId>.* counters (its own loop's cumulative active and idle time, read with
 * worker.performance.eventLoopUtilization(), and whether it has exited). Nothing runs inside
 * the worker, so this works whether or not the worker itself loads perfmem.
 */
import type { Worker } from 'node:worker_threads';
import { monotonicLong, variableLong, type Collector, type CounterRegistry, type LongHandle } from '../counters.js';
import { msToTicks } from '../clock.js';

/** Beyond this many workers over the life of the process, new ones are only counted. */
export const MAX_TRACKED_WORKERS = 64;

/** perfmem's own threads (the watchdog): not the app's, so not published as its workers. */
export const internalWorkers = new WeakSet<Worker>();

interface Tracked {
  worker: Worker;
  active: LongHandle;
  idle: LongHandle;
  exited: LongHandle;
  gone: boolean;
}

export function workersCollector(r: CounterRegistry): Collector {
  const created = monotonicLong(r, 'node.workers.created', 'events');
  const live = variableLong(r, 'node.workers.live', 'none');
  const tracked: Tracked[] = [];
  let liveCount = 0;

  const onWorker = (worker: Worker): void => {
    if (internalWorkers.has(worker)) return;
    created.inc();
    live.set(++liveCount);
    let t: Tracked | undefined;
    if (tracked.length < MAX_TRACKED_WORKERS) {
      const base = `node.worker.${worker.threadId}`;
      t = {
        worker,
        active: monotonicLong(r, `${base}.eventLoop.active`, 'ticks'),
        idle: monotonicLong(r, `${base}.eventLoop.idle`, 'ticks'),
        exited: variableLong(r, `${base}.exited`, 'none'),
        gone: false,
      };
      tracked.push(t);
    }
    worker.once('exit', () => {
      live.set(--liveCount);
      if (t) { t.gone = true; t.exited.set(1); }
    });
  };
  process.on('worker', onWorker);

  return {
    sample() {
      for (const t of tracked) {
        if (t.gone) continue;
        // Before the worker's loop starts, its ELU reads as zeros.
        const now = t.worker.performance.eventLoopUtilization();
        t.active.set(msToTicks(now.active));
        t.idle.set(msToTicks(now.idle));
      }
    },
    close() { process.off('worker', onWorker); },
  };
}
