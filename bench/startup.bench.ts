/**
 * What `--import perfmem/register` adds to a process's start: wall time of `node -e 0` with and
 * without it (and with PERFMEM_DISABLE=1), and the peak RSS. Whole processes, run round by round
 * in a shuffled order so passing load falls on every variant alike. The floors, in the same run:
 * `--import` of an empty file is the floor of any ESM preload (Node's ESM loader), `--require`
 * of an empty file that of a CommonJS one; the Node modules and native addon that the runtime's
 * features need (worker_threads, perf_hooks, v8; koffi's addon for mmap and flock) are the floor
 * of any implementation of them; `require('koffi')` shows what koffi's own loader costs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, interleavedCommands } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = 25;

/**
 * The variants' commands; `script` is what -e runs (the same for all). `withoutExtraCerts` runs
 * them all without NODE_EXTRA_CA_CERTS, which Node 20 parses at every start when it is set.
 */
function commands(script: string, { withoutExtraCerts = false } = {}): Record<string, { file: string; args: string[]; env?: NodeJS.ProcessEnv }> {
  const scratch = mkdtempSync(join(tmpdir(), 'perfmem-bench-start-'));
  process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
  const empty = join(scratch, 'empty.mjs');
  writeFileSync(empty, '');
  const koffi = join(scratch, 'koffi.mjs');
  const koffiPath = createRequire(join(ROOT, 'package.json')).resolve('koffi');
  const emptyCjs = join(scratch, 'empty.cjs');
  writeFileSync(emptyCjs, '');
  // koffi's prebuilt addon for this platform (glibc), opened directly: what perfmem's sys/ loads.
  const koffiRequire = createRequire(createRequire(join(ROOT, 'package.json')).resolve('koffi'));
  const addon = join(dirname(koffiRequire.resolve(`@koromix/koffi-${process.platform}-${process.arch}/package.json`)), `linux_${process.arch}`, 'koffi.node');
  const needs = join(scratch, 'needs.mjs');
  writeFileSync(needs, `import 'node:worker_threads';
import 'node:perf_hooks';
import 'node:v8';
process.dlopen({ exports: {} }, ${JSON.stringify(addon)});
`);
  writeFileSync(koffi, `import { createRequire } from 'node:module';
const k = createRequire(import.meta.url)(${JSON.stringify(koffiPath)});
const lib = k.load('libc.so.6');
lib.func('intptr_t mmap(intptr_t addr, size_t length, int prot, int flags, int fd, int64_t offset)');
lib.func('int flock(int fd, int operation)');
`);
  // Regions of the instrumented runs go to a directory of their own, never the user's /tmp one.
  const env: NodeJS.ProcessEnv = { ...process.env, PERFMEM_DIR: scratch, PERFMEM_DISABLE: '' };
  if (withoutExtraCerts) delete env.NODE_EXTRA_CA_CERTS;
  const off = { ...env, PERFMEM_DISABLE: '1' };
  const node = (pre: string[], e = env) => ({ file: process.execPath, args: [...pre, '-e', script], env: e });
  return {
    'node -e': node([]),
    '--import of an empty file': node(['--import', empty]),
    '--require of an empty file': node(['--require', emptyCjs]),
    '--import of the Node modules and addon the runtime needs': node(['--import', needs]),
    '--import of koffi + libc functions': node(['--import', koffi]),
    '--import perfmem/register': node(['--import', 'perfmem/register']),
    '--import perfmem/register, without the code cache': node(['--import', 'perfmem/register'], { ...env, PERFMEM_CODE_CACHE: '0' }),
    '--require perfmem/register': node(['--require', 'perfmem/register']),
    '--import perfmem/register, PERFMEM_DISABLE=1': node(['--import', 'perfmem/register'], off),
    '--import $(perfmem register-path), PERFMEM_DISABLE=1': node(['--import', join(ROOT, 'dist/src/runtime/register-require.cjs')], off),
    '--require perfmem/register, PERFMEM_DISABLE=1': node(['--require', 'perfmem/register'], off),
  };
}

const variants = {
  'node -e': { baseline: true },
  '--import of an empty file': { note: 'the floor of any --import preload: Node\'s ESM loader' },
  '--require of an empty file': { note: 'the floor of a CommonJS preload (no ESM loader)' },
  '--import of the Node modules and addon the runtime needs': { note: 'worker_threads, perf_hooks, v8 and koffi\'s native addon: the floor of the runtime\'s features' },
  '--import of koffi + libc functions': { note: 'require(\'koffi\') (its own loader) and two libc functions bound' },
  '--import perfmem/register': {},
  '--import perfmem/register, without the code cache': { note: 'PERFMEM_CODE_CACHE=0: the runtime core compiled from source' },
  '--require perfmem/register': { note: 'the same hook from a CommonJS preload (no ESM loader)' },
  '--import perfmem/register, PERFMEM_DISABLE=1': {},
  '--import $(perfmem register-path), PERFMEM_DISABLE=1': { note: 'the hook by its absolute path, as `perfmem register-path` prints it: without Node\'s resolution of the bare specifier through the package\'s exports' },
  '--require perfmem/register, PERFMEM_DISABLE=1': { note: 'a disabled process under --require starts no ESM loader' },
};

// The commands resolve perfmem/register as the package itself (self-reference from its root).
process.chdir(ROOT);

await benchMain([
  {
    name: 'start-up wall time',
    unit: 'ms/run',
    description: `Wall time of \`node [--import ...] -e 0\`, median of ${ROUNDS} interleaved rounds.`,
    variants,
    goals: [
      { variant: '--import perfmem/register', maxRatio: 1.25, source: 'issue 10 item 4' },
      { variant: '--import perfmem/register, PERFMEM_DISABLE=1', maxRatio: 1.05, source: 'issue 10 item 4' },
    ],
    runAll: async () => interleavedCommands(commands('0'), ROUNDS),
  },
  {
    name: 'start-up wall time without NODE_EXTRA_CA_CERTS',
    unit: 'ms/run',
    description: `The same, with NODE_EXTRA_CA_CERTS removed from every variant's environment (${process.env.NODE_EXTRA_CA_CERTS === undefined ? 'it is not set here, so this repeats the group above' : 'it is set here'}). ` +
      'Node 20 parses that file of certificates at every start, before any JavaScript runs; where it is set (CI machines, corporate networks), ' +
      'Node\'s start-up is longer and what perfmem adds is a smaller share of it. These ratios are the ones a machine without it sees.',
    variants,
    runAll: async () => interleavedCommands(commands('0', { withoutExtraCerts: true }), ROUNDS),
  },
  {
    name: 'start-up CPU time',
    unit: 'ms CPU',
    description: `User + system CPU time of \`node [--import ...] -e ...\` that only reports it at exit (all threads), median of ${ROUNDS} rounds: less sensitive than wall time to a busy machine.`,
    variants,
    runAll: async () => interleavedCommands(
      commands("process.on('exit', () => { const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000)); })"),
      ROUNDS,
      (out) => Number(out),
    ),
  },
  {
    name: 'start-up memory',
    unit: 'MB peak RSS',
    description: `Peak resident set (getrusage maxrss) of \`node [--import ...] -e ...\` that only reports it, median of ${ROUNDS} rounds.`,
    variants,
    goals: [
      { variant: '--import perfmem/register', maxDelta: 5, source: 'issue 10 item 4' },
      { variant: '--import perfmem/register, PERFMEM_DISABLE=1', maxDelta: 1, source: 'issue 10 item 4' },
    ],
    runAll: async () => interleavedCommands(
      commands("process.on('exit', () => process.stdout.write(String(process.resourceUsage().maxRSS)))"),
      ROUNDS,
      (out) => Number(out) / 1024,
    ),
  },
  {
    name: 'start-up anonymous memory',
    unit: 'MB anonymous',
    description: `The process's own allocated pages at exit (Anonymous of /proc/self/smaps_rollup: the heaps, V8's included, and stacks), median of ${ROUNDS} rounds. ` +
      'Peak RSS above also counts the pages of files it maps: the node binary\'s code and data that every Node process on the host shares in the page cache, and koffi\'s addon.',
    variants,
    runAll: async () => interleavedCommands(
      commands(`process.on('exit', () => { const t = require('node:fs').readFileSync('/proc/self/smaps_rollup', 'latin1'); process.stdout.write(/^Anonymous:\\s+(\\d+)/m.exec(t)?.[1] ?? 'NaN'); })`),
      ROUNDS,
      (out) => Number(out) / 1024,
    ),
  },
]);
