/**
 * `node --import perfmem/register app.js` (or NODE_OPTIONS="--import perfmem/register"):
 * publishes this process's runtime counters with the configuration from PERFMEM_* variables.
 * It must never break the app: any failure, even loading perfmem itself (hence the dynamic
 * import), is swallowed, and explained on stderr only under PERFMEM_DEBUG. In a worker thread
 * (imported by the worker's own code: Node 20 runs no --import preload in workers) it only
 * installs the tiny GC hook (worker-gc.ts); the main thread publishes the workers.
 *
 * Loading strategy (start-up cost, issue 10): this module has no static imports, so a process
 * with PERFMEM_DISABLE set loads nothing else at all; the package export points at the bundled
 * copy (dist/src/bundle/register.js, built by scripts/bundle.mjs), where the runtime is one
 * chunk instead of ~50 modules.
 */
const truthy = (v: string | undefined): boolean => /^\s*(1|true|yes|on)\s*$/i.test(v ?? '');

if (truthy(process.env.PERFMEM_DISABLE)) {
  // The same rule as resolveConfig's flags (1/true/yes/on); anything else is decided there.
  if (truthy(process.env.PERFMEM_DEBUG)) process.stderr.write(`perfmem[${process.pid}]: disabled by PERFMEM_DISABLE\n`);
} else {
  try {
    const { isMainThread } = await import('node:worker_threads');
    if (isMainThread) {
      const { start } = await import('./index.js');
      start();
    } else {
      (await import('./worker-gc.js')).startWorkerGcHook();
    }
  } catch (error) {
    if (truthy(process.env.PERFMEM_DEBUG)) {
      process.stderr.write(`perfmem[${process.pid}]: not started: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    }
  }
}
