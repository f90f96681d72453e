/**
 * `perfmem/register`, the package's hook for `node --import perfmem/register app.js` and
 * `node --require perfmem/register app.js` (-r) alike, also in NODE_OPTIONS: publishes this
 * process's runtime counters with the configuration from PERFMEM_* variables.
 *
 * CommonJS for both: Node's ESM loader loads a CommonJS file from `--import` as it is, where an
 * ES module is read asynchronously and linked as a module job (about 2 ms and 0.5 MB more per
 * process, bench/startup.bench.ts). Under `--require`, Node's ESM loader does not start at all.
 *
 * This file only reads PERFMEM_DISABLE and, when enabled, runs register-start.cts, which
 * starts the runtime. It is kept this small because Node 20 runs its CommonJS export lexer
 * (cjs-module-lexer, in JavaScript) over a file that `--import` names at every start, disabled
 * or not, and the lexer's cost grows with what it meets: the hook as one 2.4 KB file cost a
 * disabled process 0.65 ms more than this one, and tsc's `Object.defineProperty(exports,
 * "__esModule", ...)` mark alone 0.5 ms (the build therefore makes this file from its
 * TypeScript source). It must never break the app: any failure, even loading perfmem itself, is
 * swallowed, and explained on stderr only under PERFMEM_DEBUG. (register.ts is the same hook as
 * an ES module of the unbundled tree.)
 */
// The same rule as resolveConfig's flags: 1/true/yes/on.
const truthy = (v: string | undefined): boolean => /^\s*(1|true|yes|on)\s*$/i.test(v ?? '');
const debug = (message: string): void => {
  if (truthy(process.env.PERFMEM_DEBUG)) process.stderr.write(`perfmem[${process.pid}]: ${message}\n`);
};

/**
 * Runs the CommonJS file `file` as require() would, but without require()'s resolution: a
 * process's first require() of a file costs about 0.4 ms (Node's path lookups and the realpath
 * of every directory of the path, in cold code), this about 0.1 ms. `file` is this package's
 * own, in this directory (so its module paths are this file's). Module's `_compile` is what
 * require() itself calls, and what loaders such as ts-node and pirates call; should a Node
 * version lack it, require() does the same.
 */
function runCommonJs(file: string): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS preload's synchronous loads */
  const { Module } = require('node:module') as typeof import('node:module');
  const loaded = new Module(file, module) as InstanceType<typeof Module> & { _compile?(content: string, filename: string): void };
  if (typeof loaded._compile !== 'function') {
    require(file);
    return;
  }
  loaded.filename = file;
  loaded.paths = module.paths;
  loaded._compile((require('node:fs') as typeof import('node:fs')).readFileSync(file, 'utf8'), file);
  /* eslint-enable @typescript-eslint/no-require-imports */
}

if (truthy(process.env.PERFMEM_DISABLE)) {
  debug('disabled by PERFMEM_DISABLE');
} else {
  try {
    runCommonJs(`${__dirname}/register-start.cjs`);
  } catch (error) {
    debug(`not started: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  }
}
