/**
 * What `perfmem/register` (register-require.cts) runs when enabled: it starts the runtime from
 * the runtime's CommonJS core (dist/src/bundle/core.cjs, with its V8 code cache, see
 * scripts/bundle.mjs), the same modules the ES module exports use, so an app that also imports
 * `perfmem` shares this region. Synchronous: the region exists before the main script runs.
 * In a worker thread (Node runs `--require` preloads in workers, and a worker's code may import
 * the hook) it only installs the GC hook (worker-gc.ts, as its own CommonJS file
 * dist/src/bundle/worker-gc.cjs); the main thread publishes the workers. A failure here throws
 * to the hook, which swallows it.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload's synchronous loads */
if ((require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) {
  // What require('../bundle/core-load.cjs') returns, without resolving and compiling that
  // module and bundle-load.cjs (the build inlines it in this file): about 0.6 ms.
  const { join } = require('node:path') as typeof import('node:path');
  const { requireBundle } = require('../bundle-load.cjs') as typeof import('../bundle-load.cjs');
  const core = requireBundle(join(__dirname, '../bundle/core-load.cjs'), join(__dirname, '../bundle/core.cjs'));
  (core as { default: { runtime(): { start(): unknown } } }).default.runtime().start();
} else {
  // A worker loads only the GC hook: the whole core there cost each worker 4-5 ms.
  (require('../bundle/worker-gc.cjs') as typeof import('./worker-gc.js')).startWorkerGcHook();
}
/* eslint-enable @typescript-eslint/no-require-imports */
