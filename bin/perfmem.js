#!/bin/sh
":" //; case "$1" in ps|snap|stat|stack|watch|shm|register-path|help|version|--help|-h|--version|-V|'') unset NODE_EXTRA_CA_CERTS;; esac
":" //; [ "$1" = ps ] && [ "$PERFMEM_NO_OPT" != 0 ] && exec node --no-opt "$0" "$@"; exec node "$0" "$@"
// The two lines above are the launcher, read by /bin/sh when `perfmem` runs as a command (the
// shell then replaces itself with node on this same file; to JavaScript they are a string and a
// comment). It starts node as the command needs:
// - The local commands (they open no network connection) run without NODE_EXTRA_CA_CERTS: Node 20
//   parses that file of certificates at every start, before any JavaScript (37 ms of a 58 ms
//   start for Debian's 144-certificate bundle, BENCHMARKS.md). serve, otlp and demo keep it:
//   they may send OTLP over TLS, or start processes that do.
// - `ps` runs with V8's --no-opt from the command line (see NO_OPT below), without loading
//   node:v8 to set it.
// `node bin/perfmem.js ...` skips the launcher: the same command, without those two savings.
// The `perfmem` command (CommonJS: bin/package.json). It runs the bundled CLI
// (dist/src/cli-bundle/main.cjs: three files instead of ~90 modules, built by `npm install` /
// `npm run build`), or the compiled modules when the bundle is missing or older than the last
// `tsc` run (a developer who ran only `npx tsc -p .`).
//
// The bundle's files load with the V8 code cache that `npm run build` wrote next to each one
// (<file>.cache, every function compiled): a command then compiles almost nothing at start
// (about 3 ms of CPU less for `perfmem snap`, see BENCHMARKS.md), by the same loader as the
// runtime's core (src/bundle-load.cts: the rules for a stale, refused or disabled cache).
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');

// `perfmem ps` runs without V8's optimizing compiler (TurboFan; the code cache of ps.cjs is made
// under the same flag, see scripts/bundle.mjs): it walks the entries of every region in one loop
// that V8 would optimize on a helper thread for a run that ends a few milliseconds later. Off,
// ps takes about 10 ms less wall and CPU time and 4 MB less memory with 20 processes (BENCHMARKS.md);
// snap, measured the same way, gains nothing. PERFMEM_NO_OPT=0 leaves the compiler on.
const NO_OPT = new Set(['ps']);
if (NO_OPT.has(process.argv[2]) && process.env.PERFMEM_NO_OPT !== '0' && !process.execArgv.includes('--no-opt')) {
  require('node:v8').setFlagsFromString('--no-opt');
}

const dist = join(__dirname, '..', 'dist');
const bundle = join(dist, 'src', 'cli-bundle');
const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -1;

const loaded = new Map();
/**
 * Loads a bundle file with its code cache (dist/src/bundle-load.cjs, shared with the runtime's
 * core). Its requires of sibling bundle files ('./x.cjs') come back here, so each runs once
 * (errors.cjs is shared: main tells a UsageError by instanceof); anything else goes to Node's
 * own require.
 */
function load(name) {
  const file = join(bundle, name);
  let module = loaded.get(file);
  if (module !== undefined) return module.exports;
  module = { exports: {} };
  loaded.set(file, module);
  const { createRequire } = require('node:module');
  const { loadBundle } = require('../dist/src/bundle-load.cjs');
  const bundleRequire = (from) => {
    const nodeRequire = createRequire(from);
    return (id) => (/^\.\/[\w-]+\.cjs$/.test(id) ? load(id.slice(2)) : nodeRequire(id));
  };
  return loadBundle(file, bundleRequire, module);
}

const main = mtime(join(bundle, 'main.cjs')) >= mtime(join(dist, '.tsbuildinfo'))
  ? load('main.cjs').main
  : (argv) => import('../dist/src/cli/main.js').then((m) => m.main(argv));

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
