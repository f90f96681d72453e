/**
 * The app's worker threads, seen from the main thread: each Worker created after start gets
 * node.worker.<threadId>.* counters (its own loop's cumulative active and idle time, read with
 * worker.performance.eventLoopUtilization(), and whether it has exited). Nothing runs inside
 * the worker, so this works whether or not the worker itself loads perfmem.
 */
import type { Worker } from 'node:worker_threads';
import { closeWorkerGcMailbox, openWorkerGcMailbox, workerGcSlot } from '../worker-gc.js';
import { monotonicLong, variableLong, type Collector, type CounterRegistry, type LongHandle } from '../counters.js';
import { msToTicks } from '../clock.js';

/** Beyond this many workers over the life of the process, new ones are only counted. */
export const MAX_TRACKED_WORKERS = 64;

/** perfmem's own threads (the watchdog): not the app's, so not published as its workers. */
export const internalWorkers = new WeakSet<Worker>();

interface Tracked {
  worker: Worker;
  /** Its threadId (the worker's own reads -1 once it has exited). */
  id: number;
  active: LongHandle;
  idle: LongHandle;
  exited: LongHandle;
  gone: boolean;
  /** The worker's own GC hook's slot in the mailbox (worker-gc.ts), once it claimed one. */
  gc?: { at: number; count: LongHandle; time: LongHandle };
}

export function workersCollector(r: CounterRegistry): Collector {
  const created = monotonicLong(r, 'node.workers.created', 'events');
  const live = variableLong(r, 'node.workers.live', 'none');
  const tracked: Tracked[] = [];
  let liveCount = 0;
  const collector: Collector = {
    sample: undefined,
    close() { process.off('worker', onWorker); closeWorkerGcMailbox(); },
  };
  const sampleWorkers = (): void => {
    // An indexed loop: at 1 Hz this runs in the interpreter, where for-of builds an iterator.
    for (let i = 0; i < tracked.length; i++) {
      const t = tracked[i]!;
      if (t.gone) continue;
      // Before the worker's loop starts, its ELU reads as zeros.
      const now = t.worker.performance.eventLoopUtilization();
      t.active.set(msToTicks(now.active));
      t.idle.set(msToTicks(now.idle));
      publishGc(t);
    }
  };
  // sample is there only while a tracked worker lives: the sampler skips the call otherwise
  // (about 2 µs a period at 1 Hz for a loop over nothing).
  const afterTrackedChange = (): void => {
    collector.sample = tracked.some((t) => !t.gone) ? sampleWorkers : undefined;
  };

  // Workers that load perfmem count their collections in their slot of this mailbox: its
  // counters are made once the worker has claimed one (a worker without perfmem never does).
  const mailbox = openWorkerGcMailbox();
  const publishGc = (t: Tracked): void => {
    if (t.gc === undefined) {
      const at = workerGcSlot(mailbox, t.id);
      if (at < 0) return;
      const base = `node.worker.${t.id}.gc`;
      t.gc = { at, count: monotonicLong(r, `${base}.count`, 'events'), time: monotonicLong(r, `${base}.time`, 'ticks') };
    }
    t.gc.count.set(Atomics.load(mailbox, t.gc.at));
    t.gc.time.set(Atomics.load(mailbox, t.gc.at + 1));
  };

  const onWorker = (worker: Worker): void => {
    if (internalWorkers.has(worker)) return;
    created.inc();
    live.set(++liveCount);
    let t: Tracked | undefined;
    if (tracked.length < MAX_TRACKED_WORKERS) {
      const base = `node.worker.${worker.threadId}`;
      t = {
        worker,
        id: worker.threadId,
        active: monotonicLong(r, `${base}.eventLoop.active`, 'ticks'),
        idle: monotonicLong(r, `${base}.eventLoop.idle`, 'ticks'),
        exited: variableLong(r, `${base}.exited`, 'none'),
        gone: false,
      };
      tracked.push(t);
      afterTrackedChange();
    }
    worker.once('exit', () => {
      live.set(--liveCount);
      if (t) {
        t.gone = true;
        t.exited.set(1);
        afterTrackedChange();
        // Its last collections (no sample reads a gone worker).
        publishGc(t);
      }
    });
  };
  process.on('worker', onWorker);
  return collector;
}
