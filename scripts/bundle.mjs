/**
 * Bundles the compiled package (dist/src, from tsc) into dist/src/bundle/ with esbuild, so that
 * `--import perfmem/register` and the `perfmem` command load a handful of files instead of
 * ~50-90 modules (each ESM module costs a resolve, a read, a compile and a link at start-up).
 * Run by `npm run build` / `prepare` after tsc.
 *
 * - The package exports are the entry points of one build with code splitting, so they share
 *   chunks: a process that imports both `perfmem` and `perfmem/register` has one copy of each
 *   module and of its state. The worker scripts run in threads or processes of their own, so
 *   each is one file.
 * - The CLI (dist/src/cli-bundle/) is CommonJS: main.cjs, and one self-contained file per
 *   command that main.cjs requires lazily, so `perfmem snap` loads three files: main.cjs,
 *   snap.cjs, and errors.cjs, which stays one module shared by all (main tells a UsageError by
 *   instanceof). CommonJS because Node 20 loads it synchronously, without the ESM loader's
 *   module jobs: about 7 ms of CPU less per command run, measured on `perfmem snap`.
 * - dist/src/bundle/ is as deep as dist/src/<layer>/, so the relative paths the sources resolve
 *   at run time (../../../package.json, ./watchdog-worker.js, ./demo-worker.js) still hold.
 * - koffi stays external: it is a native addon, loaded on the first libc call only.
 * - Dynamic imports stay lazy: each becomes a chunk of its own, loaded when first reached.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'dist/src');
const out = join(src, 'bundle');
const cliOut = join(src, 'cli-bundle');
const COMMANDS = ['ps', 'snap', 'stat', 'watch', 'shm', 'demo'];

const common = {
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['koffi'],
  chunkNames: 'chunk-[hash]',
  // The compiled JS keeps tsc's semantics (no class field declarations); esbuild only joins it.
  logLevel: 'warning',
  legalComments: 'none',
};

/** Leaves the given relative imports of src/cli modules to separate files (./x.js -> ./x.cjs). */
function keepSeparate(names) {
  return {
    name: 'keep-separate',
    setup(b) {
      b.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) => {
        if (!args.importer.startsWith(join(src, 'cli') + '/')) return undefined;
        const name = args.path.slice(2, -3);
        return names.includes(name) ? { path: `./${name}.cjs`, external: true } : undefined;
      });
    },
  };
}

rmSync(out, { recursive: true, force: true });
rmSync(cliOut, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: {
    index: join(src, 'index.js'),
    shm: join(src, 'shm/index.js'),
    runtime: join(src, 'runtime/index.js'),
    register: join(src, 'runtime/register.js'),
  },
});
await build({ ...common, splitting: false, entryPoints: { 'watchdog-worker': join(src, 'runtime/watchdog-worker.js') } });
// The demo's worker script is started by path (./demo-worker.js next to demo.cjs): ESM, as in dist/src/cli.
await build({ ...common, outdir: cliOut, splitting: false, entryPoints: { 'demo-worker': join(src, 'cli/demo-worker.js') } });
const cli = {
  ...common,
  outdir: cliOut,
  splitting: false,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // import() of the command files becomes require(): synchronous and without the ESM loader.
  supported: { 'dynamic-import': false },
  // What import.meta.url would be (package.json and the worker scripts are found relative to it).
  define: { 'import.meta.url': '__perfmemModuleUrl' },
  banner: { js: 'const __perfmemModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
};
await build({ ...cli, entryPoints: { main: join(src, 'cli/main.js') }, plugins: [keepSeparate([...COMMANDS, 'errors'])] });
await build({ ...cli, entryPoints: { errors: join(src, 'cli/errors.js') } });
await build({
  ...cli,
  entryPoints: Object.fromEntries(COMMANDS.map((n) => [n, join(src, `cli/${n}.js`)])),
  plugins: [keepSeparate(['errors'])],
});
