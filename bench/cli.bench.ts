/**
 * The tools against the JDK's: `perfmem ps` against `jps` with 50 live instrumented Node
 * processes on the machine, and `perfmem snap` against `jstat -snap` on one of them. Both are
 * whole command runs (process start included), median wall time; the in-process variants show
 * what is left once Node's own start-up is taken away.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, median, sink } from './harness.js';
import { collectRows, formatTable } from '../src/cli/ps.js';
import { formatSnap } from '../src/cli/snap-format.js';
import { attach } from '../src/perfmemory/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/perfmem.js');
const REGISTER = join(ROOT, 'dist/src/runtime/register.js');
const SUBJECTS = 50;
const RUNS = 9;

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

/** Median wall time of running a command to completion, in ms. */
function commandMs(cmd: string, args: string[]): number {
  execFileSync(cmd, args, { stdio: 'ignore' }); // warm the page cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    execFileSync(cmd, args, { stdio: 'ignore', maxBuffer: 64 << 20 });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
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

await benchMain([
  {
    name: `ps with ${SUBJECTS} live processes`,
    unit: 'ms/run',
    description: `Listing ${SUBJECTS} idle Node processes instrumented with --import perfmem/register (plus whatever else runs): a whole command run, start-up included.`,
    variants: {
      'jps': { baseline: true, run: async () => { await startSubjects(SUBJECTS); return commandMs('jps', []); } },
      'jps -lmv': { run: async () => { await startSubjects(SUBJECTS); return commandMs('jps', ['-lmv']); } },
      'perfmem ps': { run: async () => { await startSubjects(SUBJECTS); return commandMs(process.execPath, [BIN, 'ps']); } },
      'perfmem ps -lmv': { run: async () => { await startSubjects(SUBJECTS); return commandMs(process.execPath, [BIN, 'ps', '-lmv']); } },
      'ps table, in-process': {
        note: 'collectRows() + formatTable(): the listing without Node start-up',
        run: async () => {
          await startSubjects(SUBJECTS);
          return callMs(() => { sink.value = formatTable(collectRows(), { long: true, args: true, vmArgs: true }); });
        },
      },
    },
  },
  {
    name: 'snap of a live process',
    unit: 'ms/run',
    description: 'Every counter of one instrumented Node process as name=value lines: a whole command run, start-up included.',
    variants: {
      'jstat -snap': { baseline: true, run: async () => { const [pid] = await startSubjects(1); return commandMs('jstat', [...SNAP, String(pid)]); } },
      'perfmem snap': { run: async () => { const [pid] = await startSubjects(1); return commandMs(process.execPath, [BIN, 'snap', String(pid)]); } },
      'snap, in-process': {
        note: 'attach() + snapshot() + formatSnap() + detach()',
        run: async () => {
          const [pid] = await startSubjects(1);
          return callMs(() => {
            const view = attach(pid!);
            sink.value = formatSnap(view.counters());
            view.detach();
          });
        },
      },
    },
  },
]);
cleanup();
