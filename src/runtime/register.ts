/**
 * The register hook as an ES module of the compiled tree (dist/src/runtime/register.js): it
 * starts this tree's own runtime, so tests and code that use the unbundled modules share its
 * state. The package's `perfmem/register` is register-require.cts, for `--import` and
 * `--require` alike (CommonJS: cheaper for Node to load, and it takes the bundled core), with
 * the same rules: any failure, even loading perfmem itself (hence the dynamic import), is
 * swallowed, and explained on stderr only under PERFMEM_DEBUG; PERFMEM_DISABLE is read before
 * anything is imported; in a worker thread it only installs the tiny GC hook (worker-gc.ts),
 * and the main thread publishes the workers.
 */
const truthy = (v: string | undefined): boolean => /^\s*(1|true|yes|on)\s*$/i.test(v ?? '');

if (truthy(process.env.PERFMEM_DISABLE)) {
  // The same rule as resolveConfig's flags (1/true/yes/on); anything else is decided there.
  if (truthy(process.env.PERFMEM_DEBUG)) process.stderr.write(`perfmem[${process.pid}]: disabled by PERFMEM_DISABLE\n`);
} else {
  try {
    const { isMainThread } = await import('node:worker_threads');
    if (!isMainThread) {
      (await import('./worker-gc.js')).startWorkerGcHook();
    } else {
      (await import('./index.js')).start();
    }
  } catch (error) {
    if (truthy(process.env.PERFMEM_DEBUG)) {
      process.stderr.write(`perfmem[${process.pid}]: not started: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    }
  }
}
