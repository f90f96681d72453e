/**
 * `node --require perfmem/register app.js` (-r; the package's "require" condition). The same
 * hook as `--import perfmem/register` (register.ts), for a preload that is cheaper when
 * PERFMEM_DISABLE is set: a CommonJS preload does not start Node's ESM loader, so a disabled
 * process pays only for reading this file (measured in bench/startup.bench.ts).
 *
 * Enabled, it imports the ESM hook; a CommonJS preload cannot wait for that, so the region and
 * the counters appear once the main script's first synchronous run is over, not before it as
 * with --import. (A plain require of the ESM hook is not possible: it awaits its imports.)
 */
// The same rule as register.ts (and resolveConfig's flags): 1/true/yes/on.
const truthy = (v: string | undefined): boolean => /^\s*(1|true|yes|on)\s*$/i.test(v ?? '');

if (truthy(process.env.PERFMEM_DISABLE)) {
  if (truthy(process.env.PERFMEM_DEBUG)) process.stderr.write(`perfmem[${process.pid}]: disabled by PERFMEM_DISABLE\n`);
} else {
  // The bundled hook, so that an app importing perfmem shares its modules (one region).
  const hook = '../bundle/register.js';
  import(hook).catch((error: unknown) => {
    if (truthy(process.env.PERFMEM_DEBUG)) {
      process.stderr.write(`perfmem[${process.pid}]: not started: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    }
  });
}
