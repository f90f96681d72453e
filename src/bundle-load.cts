/**
 * Loads a CommonJS bundle file of scripts/bundle.mjs as Node's require would (the same module
 * wrapper and arguments), but hands V8 the code cache the build wrote next to it
 * (`<file>.cache`: a command's has every function compiled, the runtime core's those a start
 * runs): the file then compiles (almost) nothing at start.
 * Node 20 has no code cache for ES modules nor for require(), hence this.
 *
 * The build writes each file already inside the module wrapper (MODULE_WRAPPER_HEAD ... TAIL)
 * and in ASCII only: V8 then compiles the text exactly as read, one one-byte string, where
 * wrapping it here would make a second copy of the whole source (and a non-ASCII character, a
 * two-byte one): about 200 KB less young garbage for the runtime's core at every process start.
 *
 * The cache is only read, never written at run time. V8 refuses one made by another Node/V8
 * version, other flags or another source; one older than its file is not even handed to V8
 * (a rebuilt bundle with a stale cache); PERFMEM_CODE_CACHE=0 turns caches off. In every such
 * case the file is compiled from source, as require() would: the cache only changes speed.
 */
import { readFileSync, statSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** What the build puts around each bundle file's CommonJS code (Node's own module wrapper). */
export const MODULE_WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {';
export const MODULE_WRAPPER_TAIL = '\n})';

const mtime = (path: string): number => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

/** The V8 code cache of `file`, when there is one at least as new as the file (and caches are on). */
export function codeCacheOf(file: string): Buffer | undefined {
  if (process.env.PERFMEM_CODE_CACHE === '0') return undefined;
  const cache = `${file}.cache`;
  if (!(mtime(cache) >= mtime(file))) return undefined;
  try {
    return readFileSync(cache);
  } catch {
    return undefined;
  }
}

/**
 * What the last loadBundle() of each file did with its cache (for tests). One map per process,
 * whichever copy of this module loaded the file (perfmem/register has its own copy, inlined).
 */
const CACHE_USE = Symbol.for('perfmem.bundleCacheUse');
const shared = (globalThis as Record<symbol, unknown>)[CACHE_USE];
export const cacheUse: Map<string, 'accepted' | 'rejected' | 'none'> =
  shared instanceof Map ? shared as typeof cacheUse : ((globalThis as Record<symbol, unknown>)[CACHE_USE] = new Map());

/**
 * Runs the CommonJS file `file` once and returns its exports; `requireFor(file)` is the
 * `require` it gets (Node's own, relative to the file, by default). `module` is the module
 * object it fills: a caller that keeps its own registry passes one it has already registered,
 * so a require cycle back to `file` gets the exports made so far, as with require().
 */
export function loadBundle(
  file: string,
  requireFor: (file: string) => NodeJS.Require | ((id: string) => unknown) = createRequire,
  module: { exports: unknown } = { exports: {} },
): unknown {
  const source = readFileSync(file, 'utf8');
  if (!source.startsWith(MODULE_WRAPPER_HEAD)) throw new Error(`${file} is not a bundle file of scripts/bundle.mjs (it does not start with the module wrapper)`);
  const cachedData = codeCacheOf(file);
  const script = new Script(source, { filename: file, cachedData });
  cacheUse.set(file, cachedData === undefined ? 'none' : script.cachedDataRejected === true ? 'rejected' : 'accepted');
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, requireFor(file), module, file, dirname(file));
  return module.exports;
}

/**
 * What `require(loaderFile)` returns, where `loaderFile` is the module that loads the bundle
 * file `file` (core-load.cjs for core.cjs): from Node's require cache when anything loaded it
 * already, else the bundle loaded here and cached under `loaderFile`'s name, as require() would
 * have. perfmem/register loads the core so: resolving and compiling the loader module and this
 * one cost about 0.6 ms of every instrumented start, and an app that imports perfmem later
 * still gets these exports (one core, one region). `loaderFile` is a real path, as Node's own
 * cache keys are (the package's own files are not links).
 */
export function requireBundle(loaderFile: string, file: string): unknown {
  const cached = require.cache[loaderFile];
  if (cached !== undefined) return cached.exports;
  const module = new Module(loaderFile);
  module.filename = loaderFile;
  // In the cache while it runs, as require() does, so that a cycle back to it gets its exports so far.
  require.cache[loaderFile] = module;
  try {
    loadBundle(file, createRequire, module);
  } catch (error) {
    delete require.cache[loaderFile];
    throw error;
  }
  module.loaded = true;
  return module.exports;
}
