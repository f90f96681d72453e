/**
 * The app's worker threads, seen from the main thread: each Worker created after start gets
 * node.worker.<threadId>.* counters (its own loop's cumulative active and idle time, read with
 * worker.performance.eventLoopUtilization(), and whether it has exited). Nothing runs inside
 * the worker, so this works whether or not the worker itself loads perfmem.
 */
import { BroadcastChannel, type Worker } from 'node:worker_threads';
import { WORKER_GC_CHANNEL, isWorkerGcMessage } from '../worker-gc.js';
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
  /** The worker's own GC hook's cells ([count, ns]), once it reported (worker-gc.ts). */
  gc?: { cells: BigInt64Array; count: LongHandle; time: LongHandle };
}

export function workersCollector(r: CounterRegistry): Collector {
  const created = monotonicLong(r, 'node.workers.created', 'events');
  const live = variableLong(r, 'node.workers.live', 'none');
  const tracked: Tracked[] = [];
  let liveCount = 0;
  const collector: Collector = {
    sample: undefined,
    close() { process.off('worker', onWorker); channel.close(); },
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
      if (t.gc !== undefined) {
        t.gc.count.set(Atomics.load(t.gc.cells, 0));
        t.gc.time.set(Atomics.load(t.gc.cells, 1));
      }
    }
  };
  // sample is there only while a tracked worker lives: the sampler skips the call otherwise
  // (about 2 µs a period at 1 Hz for a loop over nothing).
  const afterTrackedChange = (): void => {
    collector.sample = tracked.some((t) => !t.gone) ? sampleWorkers : undefined;
  };

  // A hook's report that came before the 'worker' event (emitted on the next tick).
  const pendingGc = new Map<number, SharedArrayBuffer>();
  const attachGc = (t: Tracked, cells: SharedArrayBuffer): void => {
    const base = `node.worker.${t.worker.threadId}.gc`;
    t.gc = { cells: new BigInt64Array(cells), count: monotonicLong(r, `${base}.count`, 'events'), time: monotonicLong(r, `${base}.time`, 'ticks') };
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
        active: monotonicLong(r, `${base}.eventLoop.active`, 'ticks'),
        idle: monotonicLong(r, `${base}.eventLoop.idle`, 'ticks'),
        exited: variableLong(r, `${base}.exited`, 'none'),
        gone: false,
      };
      tracked.push(t);
      afterTrackedChange();
    }
    if (t !== undefined) {
      const early = pendingGc.get(worker.threadId);
      if (early !== undefined) { pendingGc.delete(worker.threadId); attachGc(t, early); }
    }
    worker.once('exit', () => {
      live.set(--liveCount);
      if (t) {
        t.gone = true;
        t.exited.set(1);
        afterTrackedChange();
        // Its last collections (no sample reads a gone worker).
        if (t.gc !== undefined) { t.gc.count.set(Atomics.load(t.gc.cells, 0)); t.gc.time.set(Atomics.load(t.gc.cells, 1)); }
      }
    });
  };
  process.on('worker', onWorker);

  // Workers that load perfmem report their GC cells here (one message each).
  const channel = new BroadcastChannel(WORKER_GC_CHANNEL);
  (channel as unknown as { unref(): void }).unref();
  channel.onmessage = (event: unknown) => {
    const m = (event as { data?: unknown }).data;
    if (!isWorkerGcMessage(m)) return;
    const t = tracked.find((w) => w.worker.threadId === m.threadId);
    if (t === undefined) { if (pendingGc.size < MAX_TRACKED_WORKERS) pendingGc.set(m.threadId, m.cells); return; }
    if (t.gc === undefined) attachGc(t, m.cells);
  };

  return collector;
}
