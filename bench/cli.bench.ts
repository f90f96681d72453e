/**
 * The tools against the JDK's: `perfmem ps` against `jps` with 20 live instrumented Node
 * processes on the machine, and `perfmem snap` against `jstat -snap` on one of them. Both are
 * whole command runs (process start included), median wall time of rounds run in a shuffled
 * order (so passing load falls on every variant alike); the in-process variants show what is
 * left once Node's own start-up is taken away, and `node -e 0` what Node's start-up alone costs.
 * `perfmem ...` is bin/perfmem.js executed as a command, through its launcher (which starts node
 * without NODE_EXTRA_CA_CERTS for these commands); `node bin/perfmem.js ...` bypasses it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, interleavedCommands, median, sink } from './harness.js';
import { collectRows, formatTable } from '../src/cli/ps.js';
import { formatSnap } from '../src/cli/snap-format.js';
import { attach } from '../src/perfmemory/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/perfmem.js');
const REGISTER = join(ROOT, 'dist/src/runtime/register-require.cjs');
const SUBJECTS = 20;
const RUNS = 15;

const children: ChildProcess[] = [];
let scratch: string | undefined;

function cleanup(): void {
  for (const c of children) c.kill('SIGKILL');
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
}
process.on('exit', cleanup);

/** Starts `n` idle Node processes under --import perfmem/register and waits for their regions. */
async function startSubjects(n: number): Promise<number[]> {
  scratch = mkdtempSync(join(tmpdir(), 'perfmem-bench-cli-'));
  const script = join(scratch, 'idle.mjs');
  writeFileSync(script, 'setInterval(() => {}, 1 << 30);\n');
  for (let i = 0; i < n; i++) {
    children.push(spawn(process.execPath, ['--import', REGISTER, script, `subject-${i}`], { stdio: 'ignore' }));
  }
  const pids = children.map((c) => c.pid!);
  const dir = `/tmp/hsperfdata_${userInfo().username}`;
  const end = Date.now() + 60_000;
  while (!pids.every((p) => existsSync(`${dir}/${p}`))) {
    if (Date.now() > end) throw new Error('subjects did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return pids;
}

/** Median time of an in-process call, in ms. */
function callMs(fn: () => void): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < RUNS * 3; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const SNAP = ['-J-Djstat.showUnsupported=true', '-snap'];
/** Prints the ms of the first attach + snapshot + detach of a process (pid in argv[1]), modules already loaded. */
const COLD_SNAPSHOT = `
  const { attach } = await import(${JSON.stringify(join(ROOT, 'dist/src/bundle/index.js'))});
  const start = performance.now();
  const view = attach(Number(process.argv[1]));
  view.snapshot();
  view.detach();
  process.stdout.write(String(performance.now() - start));`;

const node = (args: string[], env?: NodeJS.ProcessEnv) => ({ file: process.execPath, args, env });
/** `perfmem ...` as a user types it: bin/perfmem.js executed, through its /bin/sh launcher. */
const perfmem = (args: string[], env?: NodeJS.ProcessEnv) => ({ file: BIN, args, env });
/** The command without the V8 code caches of its bundle files (bin/perfmem.js compiles them from source). */
const noCache = { ...process.env, PERFMEM_CODE_CACHE: '0' };
const { NODE_EXTRA_CA_CERTS: extraCerts, ...withoutExtraCerts } = process.env;
const WITHOUT_LAUNCHER = 'node bin/perfmem.js, without the launcher: Node parses NODE_EXTRA_CA_CERTS at start when it is set';
const CLEAN_NODE = `Node's start-up without NODE_EXTRA_CA_CERTS (${extraCerts === undefined ? 'not set here: the same as node -e 0' : 'set here'}): what the launcher starts`;

await benchMain([
  {
    name: `ps with ${SUBJECTS} live processes`,
    unit: 'ms/run',
    description: `Listing ${SUBJECTS} idle Node processes instrumented with --import perfmem/register (plus whatever else runs): a whole command run, start-up included.`,
    variants: {
      'jps': { baseline: true },
      'jps -lmv': {},
      'perfmem ps': {},
      'perfmem ps -lmv': {},
      'perfmem ps, without the code cache': { note: 'PERFMEM_CODE_CACHE=0: every function compiled at start, as before the cache' },
      'perfmem ps, with V8\'s optimizing compiler': { note: 'PERFMEM_NO_OPT=0: without the --no-opt that bin/perfmem.js sets for ps' },
      'node bin/perfmem.js ps': { note: WITHOUT_LAUNCHER },
      'node -e 0': { note: 'Node\'s own start-up in this environment' },
      'node -e 0, without NODE_EXTRA_CA_CERTS': { note: CLEAN_NODE },
      'ps table, in-process': { note: 'collectRows() + formatTable(): the listing without Node start-up' },
    },
    goals: [{ variant: 'perfmem ps', maxRatio: 0.3, source: 'issue 10 item 6' }],
    runAll: async () => {
      await startSubjects(SUBJECTS);
      const whole = interleavedCommands({
        'jps': { file: 'jps', args: [] },
        'jps -lmv': { file: 'jps', args: ['-lmv'] },
        'perfmem ps': perfmem(['ps']),
        'perfmem ps -lmv': perfmem(['ps', '-lmv']),
        'perfmem ps, without the code cache': perfmem(['ps'], noCache),
        'perfmem ps, with V8\'s optimizing compiler': perfmem(['ps'], { ...process.env, PERFMEM_NO_OPT: '0' }),
        'node bin/perfmem.js ps': node([BIN, 'ps']),
        'node -e 0': node(['-e', '0']),
        'node -e 0, without NODE_EXTRA_CA_CERTS': node(['-e', '0'], withoutExtraCerts),
      }, RUNS);
      const inProcess = callMs(() => { sink.value = formatTable(collectRows(), { long: true, args: true, vmArgs: true }); });
      return { ...whole, 'ps table, in-process': inProcess };
    },
  },
  {
    name: 'snap of a live process',
    unit: 'ms/run',
    description: 'Every counter of one instrumented Node process as name=value lines: a whole command run, start-up included.',
    variants: {
      'jstat -snap': { baseline: true },
      'perfmem snap': {},
      'perfmem snap, without the code cache': { note: 'PERFMEM_CODE_CACHE=0: every function compiled at start, as before the cache' },
      'node bin/perfmem.js snap': { note: WITHOUT_LAUNCHER },
      'node -e 0': { note: 'Node\'s own start-up in this environment' },
      'node -e 0, without NODE_EXTRA_CA_CERTS': { note: CLEAN_NODE },
      'snap, in-process': { note: 'attach() + snapshot() + formatSnap() + detach()' },
      'attach + snapshot, first call in a fresh process': { note: 'what the command pays cold (interpreted, caches empty), module loading excluded' },
    },
    goals: [{ variant: 'perfmem snap', maxRatio: 0.5, source: 'issue 10 item 6' }],
    runAll: async () => {
      const [pid] = await startSubjects(1);
      const whole = interleavedCommands({
        'jstat -snap': { file: 'jstat', args: [...SNAP, String(pid)] },
        'perfmem snap': perfmem(['snap', String(pid)]),
        'perfmem snap, without the code cache': perfmem(['snap', String(pid)], noCache),
        'node bin/perfmem.js snap': node([BIN, 'snap', String(pid)]),
        'node -e 0': node(['-e', '0']),
        'node -e 0, without NODE_EXTRA_CA_CERTS': node(['-e', '0'], withoutExtraCerts),
      }, RUNS);
      const inProcess = callMs(() => {
        const view = attach(pid!);
        sink.value = formatSnap(view.counters());
        view.detach();
      });
      const cold = median(Array.from({ length: RUNS }, () => Number(execFileSync(process.execPath, ['--input-type=module', '-e', COLD_SNAPSHOT, String(pid)], { encoding: 'utf8' }))));
      return { ...whole, 'snap, in-process': inProcess, 'attach + snapshot, first call in a fresh process': cold };
    },
  },
]);
cleanup();
