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
 * copy (dist/src/bundle/register.js, built by scripts/bundle.mjs), and the runtime is the one
 * CommonJS core file (dist/src/bundle/core.cjs with its code cache) instead of ~50 modules.
 */
declare const __PERFMEM_BUNDLE__: true | undefined;

const truthy = (v: string | undefined): boolean => /^\s*(1|true|yes|on)\s*$/i.test(v ?? '');

if (truthy(process.env.PERFMEM_DISABLE)) {
  // The same rule as resolveConfig's flags (1/true/yes/on); anything else is decided there.
  if (truthy(process.env.PERFMEM_DEBUG)) process.stderr.write(`perfmem[${process.pid}]: disabled by PERFMEM_DISABLE\n`);
} else {
  try {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const { isMainThread } = require('node:worker_threads') as typeof import('node:worker_threads');
    if (!isMainThread) {
      (await import('./worker-gc.js')).startWorkerGcHook();
    } else if (typeof __PERFMEM_BUNDLE__ !== 'undefined') {
      // The package's bundle (the define of scripts/bundle.mjs): the runtime's CommonJS core by
      // require, as register-require.cts loads it, synchronously, where an import of the
      // runtime's ES module shim adds module jobs to the ESM loader's start (about a
      // millisecond). The same core and state as the package's ES module exports.
      (require('../bundle/core-load.cjs') as { runtime: typeof import('./index.js') }).runtime.start();
    } else {
      // The unbundled modules (dist/src, as tests load them): this tree's own runtime.
      (await import('./index.js')).start();
    }
  } catch (error) {
    if (truthy(process.env.PERFMEM_DEBUG)) {
      process.stderr.write(`perfmem[${process.pid}]: not started: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    }
  }
}
