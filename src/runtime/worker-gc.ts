/**
 * Garbage collections of worker threads. Node gives no way to observe another isolate's
 * collections from outside (perf_hooks' 'gc' entries, v8.GCProfiler and heap statistics all
 * see the calling isolate only), and on Node 20 `--import` preloads do not run in workers. So
 * a worker that loads perfmem itself (`import 'perfmem/register'` or `start()` in the worker)
 * gets a tiny hook: a PerformanceObserver adds each collection's count and pause time into a
 * SharedArrayBuffer, which it hands to the main thread once, over a BroadcastChannel (not the
 * worker's parentPort, which belongs to the app). The main thread publishes the two figures
 * under node.worker.<threadId>.gc.{count,time} at each sample. No wake-ups: the observer runs
 * in the worker's own loop, and the channel carries one message per worker.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { BroadcastChannel, threadId } from 'node:worker_threads';

export const WORKER_GC_CHANNEL = 'perfmem:worker-gc';

/** What the hook sends: cells[0] = collections, cells[1] = pause time in ns. */
export interface WorkerGcMessage {
  perfmem: 'worker-gc';
  threadId: number;
  cells: SharedArrayBuffer;
}

export function isWorkerGcMessage(m: unknown): m is WorkerGcMessage {
  const o = m as Partial<WorkerGcMessage> | null;
  return typeof o === 'object' && o !== null && o.perfmem === 'worker-gc' && Number.isSafeInteger(o.threadId)
    && o.cells instanceof SharedArrayBuffer && o.cells.byteLength === 16;
}

// Once per thread, across copies of this module: a worker may get the small CommonJS copy
// (dist/src/bundle/worker-gc.cjs, from `--require perfmem/register`) and the runtime core's.
const INSTALLED = Symbol.for('perfmem.workerGcHook');

/** Installs the hook in this worker thread (once). */
export function startWorkerGcHook(): void {
  const flags = globalThis as { [INSTALLED]?: true };
  if (flags[INSTALLED]) return;
  flags[INSTALLED] = true;
  const sab = new SharedArrayBuffer(16);
  const cells = new BigInt64Array(sab);
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      Atomics.add(cells, 0, 1n);
      Atomics.add(cells, 1, BigInt(Math.round(e.duration * 1e6)));
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const channel = new BroadcastChannel(WORKER_GC_CHANNEL);
  const message: WorkerGcMessage = { perfmem: 'worker-gc', threadId, cells: sab };
  channel.postMessage(message);
  channel.close();
}
