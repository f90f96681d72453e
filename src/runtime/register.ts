/**
 * `node --import perfmem/register app.js` (or NODE_OPTIONS="--import perfmem/register"):
 * publishes this process's runtime counters with the configuration from PERFMEM_* variables.
 * It must never break the app: any failure, even loading perfmem itself (hence the dynamic
 * import), is swallowed, and explained on stderr only under PERFMEM_DEBUG. In a worker thread
 * (imported by the worker's own code: Node 20 runs no --import preload in workers) it only
 * installs the tiny GC hook (worker-gc.ts); the main thread publishes the workers.
 */
import { isMainThread } from 'node:worker_threads';

if (!isMainThread) {
  try {
    if (!/^(1|true|yes|on)$/i.test(process.env.PERFMEM_DISABLE ?? '')) (await import('./worker-gc.js')).startWorkerGcHook();
  } catch { /* never break the worker */ }
} else {
  try {
    const { start } = await import('./index.js');
    start();
  } catch (error) {
    if (/^(1|true|yes|on)$/i.test(process.env.PERFMEM_DEBUG ?? '')) {
      process.stderr.write(`perfmem[${process.pid}]: not started: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    }
  }
}
