/**
 * Bundles the compiled package (dist/src, from tsc) with esbuild, so that `--import
 * perfmem/register` and the `perfmem` command load a handful of files instead of dozens of
 * modules (each ESM module costs a resolve, a read, a compile and a link at start-up).
 * Run by `npm run build` / `prepare` after tsc.
 *
 * - dist/src/bundle/: every package export (package.json "exports", except ./package.json) is
 *   an entry point of one build with code splitting, so the exports share chunks: a process
 *   that imports both `perfmem` and `perfmem/register` has one copy of each module and of its
 *   state. An export whose "default" is not its bundle fails the build, loudly: a mix of
 *   bundled and unbundled copies would give a process two registries of the same counters.
 * - dist/src/cli-bundle/: the CLI, CommonJS: main.cjs, and one self-contained file per command
 *   that main.cjs requires lazily (`perfmem snap` loads main.cjs, snap.cjs and errors.cjs, which
 *   stays one module shared by all: main tells a UsageError by instanceof). CommonJS because
 *   Node 20 loads it synchronously, without the ESM loader's module jobs: about 7 ms of CPU
 *   less per command run, measured on `perfmem snap`.
 * - Every `import.meta.url` is rewritten to the URL of the module's own compiled file in
 *   dist/src, so paths resolved from it (package.json, worker scripts, web assets) are exactly
 *   those of the unbundled tree. Worker scripts therefore run from dist/src, unbundled: they
 *   have a module graph of their own anyway.
 * - koffi stays external: a native addon, loaded on the first libc call only.
 * - Every CommonJS file (the core, the CLI's) is loaded by src/bundle-load.cts alone, so it is
 *   written already inside Node's module wrapper, in ASCII (wrapForLoader): not require()-able.
 * - Each short-lived CLI command's file gets a V8 code cache (<file>.cache) with every function compiled, which
 *   bin/perfmem.js hands to V8 when it loads the file: a command then compiles (almost)
 *   nothing at start. Made here, by the Node that builds; another Node version refuses it and
 *   compiles from source, as without it.
 */
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { Script } from 'node:vm';
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dist/src');
// The loader of every CommonJS bundle file below (compiled by tsc before this script runs).
const { MODULE_WRAPPER_HEAD, MODULE_WRAPPER_TAIL, loadBundle } = createRequire(import.meta.url)(join(src, 'bundle-load.cjs'));
const out = join(src, 'bundle');
const cliOut = join(src, 'cli-bundle');
const cliSrc = join(src, 'cli');

/** The package exports and the compiled module each one bundles (from its "types" path). */
function exportEntries() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entries = {};
  const wrong = [];
  for (const [key, target] of Object.entries(pkg.exports ?? {})) {
    if (key === './package.json') continue;
    // perfmem/register is CommonJS for both `--import` and `--require`: a small file, compiled by
    // tsc, that requires the core (core-load.cjs) itself. An ES module there cost every process
    // about 2 ms and 0.5 MB more (Node's ESM loader reads and links it as a module job).
    if (key === './register' && target?.default === './dist/src/runtime/register-require.cjs') continue;
    const name = key === '.' ? 'index' : key.slice(2).replaceAll('/', '-');
    const types = typeof target === 'object' ? target.types : undefined;
    if (typeof types !== 'string' || !types.startsWith('./dist/src/') || !types.endsWith('.d.ts')) {
      wrong.push(`exports["${key}"] needs "types": "./dist/src/<module>.d.ts" (the module the bundle is built from)`);
      continue;
    }
    const expected = `./dist/src/bundle/${name}.js`;
    if (target.default !== expected) wrong.push(`exports["${key}"].default must be "${expected}"`);
    entries[name] = join(root, types.replace(/\.d\.ts$/, '.js'));
  }
  if (wrong.length > 0) {
    throw new Error(`scripts/bundle.mjs: every package export is bundled, so that a process has one copy of each module:\n  ${wrong.join('\n  ')}`);
  }
  return entries;
}

/** Rewrites import.meta.url in every compiled module to its own file's URL, from `base` (the output file's URL). */
function ownModuleUrls(outdir, base) {
  return {
    name: 'own-module-urls',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        const code = readFileSync(args.path, 'utf8');
        if (!code.includes('import.meta.url')) return undefined;
        const rel = relative(outdir, args.path).split('\\').join('/');
        return { contents: code.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, ${base}).href`), loader: 'js' };
      });
    },
  };
}

/** Leaves the given relative imports of src/cli modules to separate files (./x.js -> ./x.cjs). */
function keepSeparate(names) {
  return {
    name: 'keep-separate',
    setup(b) {
      b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => {
        if (dirname(args.importer) !== cliSrc) return undefined;
        const name = args.path.slice(2, -3);
        return names.includes(name) ? { path: `./${name}.cjs`, external: true } : undefined;
      });
    },
  };
}

const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;

const common = {
  bundle: true,
  // The version a region publishes (perfmem.version), without reading package.json at start-up.
  define: { __PERFMEM_VERSION__: JSON.stringify(version) },
  platform: 'node',
  target: 'node20',
  // Packages stay external: koffi is a native addon loaded on the first libc call; the
  // OpenTelemetry packages are the app's optional peer dependencies (one copy, the app's).
  packages: 'external',
  logLevel: 'warning',
  legalComments: 'none',
  // Non-ASCII in strings and templates as escapes (see wrapForLoader for the rest): a file V8
  // reads as one-byte text costs half the memory of a two-byte one.
  charset: 'ascii',
  // The compiled JS keeps tsc's semantics (no class field declarations); esbuild only joins it.
};

/** esbuild's metafile of a throwaway ES module build of `entryPoints` (nothing written): what they import and export. */
async function metafileOf(entryPoints) {
  return (await build({
    ...common, entryPoints, outdir: out, format: 'esm', splitting: true, write: false, metafile: true, logLevel: 'silent',
  })).metafile;
}

/**
 * The core: every module the runtime (perfmem/runtime, what perfmem/register starts) reaches,
 * as one CommonJS file, dist/src/bundle/core.cjs, loaded through core-load.cjs with its V8 code
 * cache (bundle-load.cts). The package's ES module exports do not hold copies of these modules:
 * an import of one of them becomes a small shim that takes its exports from the core, so a
 * process that imports `perfmem` and preloads `perfmem/register` still has one region, one
 * registry. CommonJS because Node 20 caches compiled code for neither ES modules nor require():
 * the core with its cache starts about 4 ms sooner than the same code as ES module chunks.
 */
async function coreModules(entries) {
  const inputs = async (entryPoints) => (await metafileOf(entryPoints)).inputs;
  const modules = Object.keys(await inputs([entries.runtime])).map((p) => join(root, p));
  const inCore = new Set(modules);
  // The core exports only the modules that code outside it imports, and the runtime itself.
  const imported = new Set([entries.runtime]);
  for (const [path, input] of Object.entries(await inputs(Object.values(entries)))) {
    if (inCore.has(join(root, path))) continue;
    for (const i of input.imports) if (!i.external && inCore.has(join(root, i.path))) imported.add(join(root, i.path));
  }
  return { modules, imported: modules.filter((m) => imported.has(m)) };
}

/** Hands every import of a core module (from outside the core) a shim over the core's exports. */
function coreShims(core) {
  return {
    name: 'core-shims',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.namespace === 'core-shim') return undefined;
        const path = args.kind === 'entry-point' ? args.path : args.path.startsWith('.') ? join(args.resolveDir, args.path) : undefined;
        return path !== undefined && core.has(path) ? { path, namespace: 'core-shim' } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'core-shim' }, (args) => {
        const { key, names } = core.get(args.path);
        if (key === undefined) throw new Error(`scripts/bundle.mjs: ${args.path} is imported from outside the core, but the core does not export it`);
        return {
          // The core by require (an ES module import of a CommonJS file would have Node parse it
          // for its names), in each shim: one chunk less for an import to wait for.
          contents: `import { createRequire } from 'node:module';\nexport const { ${names.join(', ')} } = createRequire(import.meta.url)('./core-load.cjs').default[${JSON.stringify(key)}]();\n`,
          loader: 'js',
        };
      });
    },
  };
}

const entries = exportEntries();
rmSync(out, { recursive: true, force: true });
rmSync(cliOut, { recursive: true, force: true });

/** The names each of `files` exports (esbuild's metafile, from a throwaway build). */
async function exportNames(files) {
  const metafile = await metafileOf(files);
  const names = new Map();
  for (const output of Object.values(metafile.outputs)) if (output.entryPoint) names.set(join(root, output.entryPoint), output.exports);
  return names;
}

/**
 * The core's entry: each exported module as a function that returns an object of its exports,
 * made when called. `export * as` would have esbuild build every module's namespace object at
 * load, one accessor property at a time (about 250 of them, 90 KB of young objects and maps at
 * every process start), where the register hook only needs `runtime().start`; the ES module
 * shims call their module's function once, when an app imports perfmem.
 */
function coreEntry(files, keys, names) {
  const imports = [], members = [];
  files.forEach((file, i) => {
    const local = names.get(file).map((name) => [name, `m${i}$${name}`]);
    imports.push(`import { ${local.map(([name, as]) => `${name} as ${as}`).join(', ')} } from ${JSON.stringify(file)};`);
    members.push(`${keys.get(file)}: () => ({ ${local.map(([name, as]) => `${name}: ${as}`).join(', ')} })`);
  });
  // One default export, a plain object: named exports would each be an accessor that esbuild's
  // CommonJS conversion defines and then copies one at a time (about 0.1 ms of every start for 22).
  return `${imports.join('\n')}\nexport default { ${members.join(', ')} };`;
}

const { modules: coreModuleFiles, imported: coreFiles } = await coreModules(entries);
// Keys of the core's exports: the runtime's is `runtime` (register-start.cjs starts it), the others m<n>.
const coreKeys = new Map(coreFiles.map((file, i) => [file, file === entries.runtime ? 'runtime' : `m${i}`]));
await build({
  ...common,
  stdin: {
    contents: coreEntry(coreFiles, coreKeys, await exportNames(coreFiles)),
    resolveDir: src,
    sourcefile: 'core-entry.js',
  },
  outfile: join(out, 'core.cjs'),
  format: 'cjs',
  banner: { js: 'const __perfmemFileUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [ownModuleUrls(out, '__perfmemFileUrl')],
});
/**
 * The core's text is padded with a comment to at least this length, so that V8 allocates the
 * source string (which lives as long as the process) in its large-object space: one object
 * over 128 KiB (kMaxRegularHeapObjectSize) cannot go in the young generation's semispaces.
 * There, at 115 KB, it filled a ninth of them at every start, was copied by the first scavenge,
 * and with the ESM loader's allocations took the young generation past V8's 80% task trigger,
 * so that a second scavenge ran before even `node --import perfmem/register -e 0` ended:
 * padded, one scavenge, about 1.4 ms and 0.6 MB of peak RSS less (bench/startup.bench.ts).
 */
const LARGE_OBJECT_SOURCE = 132 * 1024;
wrapForLoader(join(out, 'core.cjs'), { minLength: LARGE_OBJECT_SOURCE });
writeFileSync(join(out, 'core-load.cjs'), `'use strict';
// The core (core.cjs, see scripts/bundle.mjs), run once per process: Node's require cache keeps this file's exports.
module.exports = require('../bundle-load.cjs').loadBundle(require('node:path').join(__dirname, 'core.cjs'));
`);
// The cache first: this process's own load below would otherwise be what a cache is made of.
writeCoreCache(join(out, 'core.cjs'));
const coreExports = loadBundle(join(out, 'core.cjs'));
const core = new Map(coreModuleFiles.map((file) => {
  const key = coreKeys.get(file);
  return [file, { key, names: key === undefined ? undefined : Object.keys(coreExports.default[key]()) }];
}));

await build({
  ...common,
  entryPoints: entries,
  outdir: out,
  format: 'esm',
  splitting: true,
  chunkNames: 'chunk-[hash]',
  plugins: [coreShims(core), ownModuleUrls(out, 'import.meta.url')],
});

// The worker threads' GC hook alone, for perfmem/register in a worker
// (register-start.cts): a worker needs this one module, not the core. Plain require(), no cache.
await build({
  ...common,
  entryPoints: { 'worker-gc': join(src, 'runtime/worker-gc.js') },
  outdir: out,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
});

// perfmem/register in two files (see register-require.cts): the hook itself, minified, because
// Node's cjs-module-lexer reads the whole file at every --import, disabled or not (the less it
// meets the better); and register-start.cjs, which the hook runs when enabled, with
// bundle-load.cjs inlined (its own require cost a resolve and a compile at every instrumented
// start). The worker's file stays separate (a worker loads nothing else); the loaded paths are tsc's.
const registerBuild = {
  ...common,
  outdir: join(src, 'runtime'),
  allowOverwrite: true,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  minify: true,
};
// The hook from its TypeScript source: tsc's output marks it an ES module's translation
// (`Object.defineProperty(exports, "__esModule", ...)`), and Node's lexer finding that mark cost
// every --import 0.5 ms more.
await build({ ...registerBuild, entryPoints: { 'register-require': join(root, 'src/runtime/register-require.cts') } });
await build({ ...registerBuild, entryPoints: { 'register-start': join(src, 'runtime/register-start.cjs') }, external: ['../bundle/*'] });
// tsc's source maps are of the files before bundling: they would mislead.
for (const name of ['register-require', 'register-start']) rmSync(join(src, `runtime/${name}.cjs.map`), { force: true });

// The CLI's commands: what main.js imports as ./<name>.js.
const commands = [...readFileSync(join(cliSrc, 'main.js'), 'utf8').matchAll(/import\(['"]\.\/([\w-]+)\.js['"]\)/g)].map((m) => m[1]);
const cli = {
  ...common,
  outdir: cliOut,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // import() of the command files becomes require(): synchronous, without the ESM loader.
  supported: { 'dynamic-import': false },
  banner: { js: 'const __perfmemFileUrl = require("node:url").pathToFileURL(__filename).href;' },
};
await build({
  ...cli,
  entryPoints: { main: join(cliSrc, 'main.js') },
  plugins: [keepSeparate([...commands, 'errors']), ownModuleUrls(cliOut, '__perfmemFileUrl')],
});
await build({ ...cli, entryPoints: { errors: join(cliSrc, 'errors.js') } });
await build({
  ...cli,
  entryPoints: Object.fromEntries(commands.map((n) => [n, join(cliSrc, `${n}.js`)])),
  plugins: [keepSeparate(['errors']), ownModuleUrls(cliOut, '__perfmemFileUrl')],
});

/**
 * Rewrites a CommonJS bundle file for bundle-load.cts, the only loader of these files: inside
 * Node's module wrapper (V8 then compiles the text as read, without a wrapped copy) and in ASCII
 * only. charset 'ascii' has escaped strings and templates; what esbuild leaves (comments, regular
 * expression literals) becomes \uXXXX, which means the same in a regular expression and nothing
 * in a comment (astral characters go as their two surrogate escapes). A file already wrapped
 * fails the build. With `minLength`, a comment of spaces pads the text to that many characters.
 */
function wrapForLoader(file, { minLength = 0 } = {}) {
  const code = readFileSync(file, 'utf8').replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (code.startsWith(MODULE_WRAPPER_HEAD)) throw new Error(`scripts/bundle.mjs: ${file} is already wrapped`);
  const text = MODULE_WRAPPER_HEAD + code;
  const padding = minLength - text.length - MODULE_WRAPPER_TAIL.length;
  writeFileSync(file, text + (padding > 0 ? `\n//${' '.repeat(Math.max(0, padding - 3))}` : '') + MODULE_WRAPPER_TAIL);
}

/**
 * Writes the V8 code cache of every bundle file, compiled as bundle-load.cts compiles it (the
 * file's text, under its name). Functions are compiled eagerly (--no-lazy) so that the cache
 * holds them all, then laziness is restored before the cache is made: V8 checks the flags a
 * cache was made with against the running process's.
 */
function writeCodeCaches(dir, names, { noOpt = false } = {}) {
  // V8 also refuses a cache made under other flags: --no-opt (see below) is set as the files' users set it.
  if (noOpt) setFlagsFromString('--no-opt');
  try {
    for (const name of readdirSync(dir).filter((n) => names.includes(n.slice(0, -4)))) {
      const file = join(dir, name);
      const source = readFileSync(file, 'utf8');
      setFlagsFromString('--no-lazy');
      let script;
      try {
        script = new Script(source, { filename: file });
      } finally {
        setFlagsFromString('--lazy');
      }
      writeFileSync(`${file}.cache`, script.createCachedData());
    }
  } finally {
    if (noOpt) setFlagsFromString('--opt');
  }
}
/**
 * The core's code cache, made by scripts/core-cache.mjs after the runtime has started and
 * sampled, in a child process with a scratch PERFMEM_DIR (and none of the builder's other
 * PERFMEM_* variables): the functions a start runs, compiled, and not every function of the
 * core. Measured: 124 KB against 182 KB for a cache of every function, and about 0.4 ms less
 * of every instrumented start (less to read and deserialise); what a start does not run
 * compiles lazily when first called, as without a cache. Should the runtime not start here,
 * the cache of every function instead, and the build says so.
 */
function writeCoreCache(file) {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-build-'));
  try {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PERFMEM_')));
    // A minute at most: a child that hangs (it should take a tenth of a second) must not hang the build.
    const run = spawnSync(process.execPath, [join(root, 'scripts/core-cache.mjs'), file], { env: { ...env, PERFMEM_DIR: dir }, encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) {
      console.warn(`scripts/bundle.mjs: the core's code cache of a start could not be made, so it holds every function instead:\n${run.stderr || run.error?.message || `exit ${run.status}`}`);
      writeCodeCaches(dirname(file), ['core']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The commands that start, answer and end, where start-up is most of the run; the long-running
// ones (watch, serve, otlp, demo) would only add half a megabyte each to the package. `ps` runs
// with V8's optimizing compiler off (bin/perfmem.js: NO_OPT), so its cache is made so too (it
// then compiles the small main.cjs and errors.cjs, whose caches are for the other commands).
for (const name of readdirSync(cliOut)) if (name.endsWith('.cjs')) wrapForLoader(join(cliOut, name));
writeCodeCaches(cliOut, ['main', 'errors', 'snap', 'stat', 'stack', 'shm', 'register-path']);
writeCodeCaches(cliOut, ['ps'], { noOpt: true });
