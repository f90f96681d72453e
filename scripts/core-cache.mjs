/**
 * Writes the V8 code cache of the runtime core (`node scripts/core-cache.mjs <core.cjs>`, run by
 * scripts/bundle.mjs in a child process with a scratch PERFMEM_DIR): the core is loaded as
 * perfmem/register loads it (bundle-load's requireBundle, without a cache), and its runtime
 * started and sampled; only then is the cache made. V8 puts in a cache every function compiled
 * so far (Chrome makes its caches so, after the page has run): the functions a process start
 * runs and those of a sample, and no others, which compile lazily when first called, as they
 * would without a cache.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const file = process.argv[2];
const bundleDir = dirname(file);
// Compiled from source: a cache handed to V8 would put its own functions in the new one.
process.env.PERFMEM_CODE_CACHE = '0';
const { requireBundle } = createRequire(import.meta.url)(join(bundleDir, '../bundle-load.cjs'));
const core = requireBundle(join(bundleDir, 'core-load.cjs'), file);
const handle = core.default.runtime().start();
if (handle === undefined) throw new Error('the runtime did not start (disabled, or not the main thread)');
// The periodic sample's code too (the timer's first run would otherwise compile it).
handle.sampleNow();
// The same text under the same name: V8 finds the script it compiled above in its own
// compilation cache, and the cache holds that script's functions as compiled so far.
writeFileSync(`${file}.cache`, new Script(readFileSync(file, 'utf8'), { filename: file }).createCachedData());
// The region goes when the process exits, as any instrumented process's does.
await handle.stop();
process.exit(0);
