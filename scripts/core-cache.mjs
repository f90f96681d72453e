/**
 * Writes the V8 code cache of the runtime core (`node scripts/core-cache.mjs <core.cjs>`, run by
 * scripts/bundle.mjs in a child process with a scratch PERFMEM_DIR): the core is compiled from
 * its text as bundle-load.cts compiles it, run under the name of its loader module, and its
 * runtime started and sampled as `--import perfmem/register` starts it; only then is the cache
 * made. V8 puts in a cache every function compiled so far (Chrome makes its caches so, after
 * the page has run): the functions a process start runs and those of a sample, and no others,
 * which compile lazily when first called, as they would without a cache.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const file = process.argv[2];
const source = readFileSync(file, 'utf8');
const script = new Script(source, { filename: file });
// Under core-load.cjs's name in the require cache, as register-start.cjs puts it (requireBundle).
const loader = join(dirname(file), 'core-load.cjs');
const core = new Module(loader);
core.filename = loader;
createRequire(file).cache[loader] = core;
script.runInThisContext()(core.exports, createRequire(file), core, file, dirname(file));
const handle = core.exports.default.runtime().start();
if (handle === undefined) throw new Error('the runtime did not start (disabled, or not the main thread)');
// The periodic sample's code too (the timer's first run would otherwise compile it).
handle.sampleNow();
writeFileSync(`${file}.cache`, script.createCachedData());
// The region goes when the process exits, as any instrumented process's does.
await handle.stop();
process.exit(0);
