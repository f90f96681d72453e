/**
 * `node --require perfmem/register app.js` (-r; the package's "require" condition). The same
 * hook as `--import perfmem/register` (register.ts), for a preload that is cheaper when
 * PERFMEM_DISABLE is set: a CommonJS preload does not start Node's ESM loader, so a disabled
 * process pays only for reading this file (measured in bench/startup.bench.ts).
 *
 * Enabled, it requires the runtime's CommonJS core (dist/src/bundle/core.cjs, with its V8 code
 * cache, see scripts/bundle.mjs): the same modules the ES module exports use, so an app that
 * also imports `perfmem` shares this region. Synchronous: the region exists before the main
 * script runs, as with --import. In a worker thread it only installs the GC hook (worker-gc.ts,
 * as its own CommonJS file dist/src/bundle/worker-gc.cjs).
 */
// The same rule as register.ts (and resolveConfig's flags): 1/true/yes/on.
const truthy = (v: string | undefined): boolean => /^\s*(1|true|yes|on)\s*$/i.test(v ?? '');

if (truthy(process.env.PERFMEM_DISABLE)) {
  if (truthy(process.env.PERFMEM_DEBUG)) process.stderr.write(`perfmem[${process.pid}]: disabled by PERFMEM_DISABLE\n`);
} else {
  try {
    // Any failure, even loading perfmem itself, is swallowed: the hook never breaks the app.
    // A worker thread (Node runs --require preloads in workers too) only installs the GC hook,
    // from its own small file: loading the whole core there cost each worker 4-5 ms.
    /* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload's synchronous loads */
    if ((require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) {
      (require('../bundle/core-load.cjs') as { runtime: { start(): unknown } }).runtime.start();
    } else {
      (require('../bundle/worker-gc.cjs') as typeof import('./worker-gc.js')).startWorkerGcHook();
    }
    /* eslint-enable @typescript-eslint/no-require-imports */
  } catch (error) {
    if (truthy(process.env.PERFMEM_DEBUG)) {
      process.stderr.write(`perfmem[${process.pid}]: not started: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    }
  }
}
