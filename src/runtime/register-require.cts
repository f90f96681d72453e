/**
 * `perfmem/register`, the package's hook for `node --import perfmem/register app.js` and
 * `node --require perfmem/register app.js` (-r) alike, also in NODE_OPTIONS: publishes this
 * process's runtime counters with the configuration from PERFMEM_* variables.
 *
 * CommonJS for both: Node's ESM loader loads a CommonJS file from `--import` as it is, where an
 * ES module is read asynchronously and linked as a module job (about 2 ms and 0.5 MB more per
 * process, bench/startup.bench.ts). Under `--require`, Node's ESM loader does not start at all.
 * It reads PERFMEM_DISABLE before it loads anything else, so a disabled process pays only for
 * reading this file.
 *
 * Enabled, it requires the runtime's CommonJS core (dist/src/bundle/core.cjs, with its V8 code
 * cache, see scripts/bundle.mjs): the same modules the ES module exports use, so an app that
 * also imports `perfmem` shares this region. Synchronous: the region exists before the main
 * script runs. In a worker thread (Node runs `--require` preloads in workers, and a worker's
 * code may import the hook) it only installs the GC hook (worker-gc.ts, as its own CommonJS file
 * dist/src/bundle/worker-gc.cjs); the main thread publishes the workers. It must never break the
 * app: any failure, even loading perfmem itself, is swallowed, and explained on stderr only
 * under PERFMEM_DEBUG. (register.ts is the same hook as an ES module of the unbundled tree.)
 */
// The same rule as resolveConfig's flags: 1/true/yes/on.
const truthy = (v: string | undefined): boolean => /^\s*(1|true|yes|on)\s*$/i.test(v ?? '');

if (truthy(process.env.PERFMEM_DISABLE)) {
  if (truthy(process.env.PERFMEM_DEBUG)) process.stderr.write(`perfmem[${process.pid}]: disabled by PERFMEM_DISABLE\n`);
} else {
  try {
    // Any failure, even loading perfmem itself, is swallowed: the hook never breaks the app.
    // A worker thread only installs the GC hook, from its own small file: loading the whole core
    // there cost each worker 4-5 ms.
    /* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload's synchronous loads */
    if ((require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) {
      // What require('../bundle/core-load.cjs') returns, without resolving and compiling that
      // module and bundle-load.cjs (the build inlines it in this file): about 0.6 ms.
      const { join } = require('node:path') as typeof import('node:path');
      const { requireBundle } = require('../bundle-load.cjs') as typeof import('../bundle-load.cjs');
      const core = requireBundle(join(__dirname, '../bundle/core-load.cjs'), join(__dirname, '../bundle/core.cjs'));
      (core as { default: { runtime(): { start(): unknown } } }).default.runtime().start();
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
