/**
 * Garbage collections of worker threads. Node gives no way to observe another isolate's
 * collections from outside (perf_hooks' 'gc' entries, v8.GCProfiler and heap statistics all
 * see the calling isolate only), and on Node 20 `--import` preloads do not run in workers. So
 * a worker that loads perfmem itself (`import 'perfmem/register'`, `--require perfmem/register`
 * or `start()` in the worker) gets a tiny hook: a PerformanceObserver adds each collection's
 * count and pause time into the worker's slot of a mailbox the main thread shares with every
 * worker it creates, through Node's environment data (worker_threads.setEnvironmentData: a
 * SharedArrayBuffer clones as shared memory). The main thread publishes the slot under
 * node.worker.<threadId>.gc.{count,time} at each sample. No messages, no wake-ups: the
 * observer runs in the worker's own loop. (A BroadcastChannel did this before, but opening one
 * cost every process about half a millisecond of its start.)
 *
 * Mailbox layout: WORKER_GC_SLOTS slots of three int64 words: the owner's threadId (0 while
 * free: a worker's is never 0), collections, pause time in ns. A worker claims the first free
 * slot with a compare-and-swap; once all are taken, later workers are not counted (as the
 * main thread tracks at most MAX_TRACKED_WORKERS workers anyway).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads';

export const WORKER_GC_KEY = 'perfmem:worker-gc';
export const WORKER_GC_SLOTS = 64;
const WORDS_PER_SLOT = 3;
const MAILBOX_BYTES = WORKER_GC_SLOTS * WORDS_PER_SLOT * 8;

/** The main thread's side: a new mailbox, handed to every Worker created from now on. */
export function openWorkerGcMailbox(): BigInt64Array {
  const sab = new SharedArrayBuffer(MAILBOX_BYTES);
  setEnvironmentData(WORKER_GC_KEY, sab);
  return new BigInt64Array(sab);
}

/** Stops handing the mailbox to new workers. */
export function closeWorkerGcMailbox(): void {
  setEnvironmentData(WORKER_GC_KEY, undefined);
}

/** The index of the words of `id`'s slot (collections, then pause ns), or -1 while it has none. */
export function workerGcSlot(mailbox: BigInt64Array, id: number): number {
  const owner = BigInt(id);
  for (let at = 0; at < mailbox.length; at += WORDS_PER_SLOT) {
    const o = Atomics.load(mailbox, at);
    if (o === owner) return at + 1;
    if (o === 0n) return -1; // slots are claimed in order: none after a free one
  }
  return -1;
}

// Once per thread, across copies of this module: a worker may get the small CommonJS copy
// (dist/src/bundle/worker-gc.cjs, from `--require perfmem/register`) and the runtime core's.
const INSTALLED = Symbol.for('perfmem.workerGcHook');

/** Installs the hook in this worker thread (once); nothing when the main thread shares no mailbox. */
export function startWorkerGcHook(): void {
  const flags = globalThis as { [INSTALLED]?: true };
  if (flags[INSTALLED]) return;
  flags[INSTALLED] = true;
  const sab = getEnvironmentData(WORKER_GC_KEY);
  if (!(sab instanceof SharedArrayBuffer) || sab.byteLength !== MAILBOX_BYTES) return;
  const mailbox = new BigInt64Array(sab);
  const me = BigInt(threadId);
  let at = -1;
  for (let slot = 0; slot < mailbox.length; slot += WORDS_PER_SLOT) {
    if (Atomics.compareExchange(mailbox, slot, 0n, me) === 0n) {
      at = slot + 1;
      break;
    }
  }
  if (at < 0) return;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      Atomics.add(mailbox, at, 1n);
      Atomics.add(mailbox, at + 1, BigInt(Math.round(e.duration * 1e6)));
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}
