/**
 * `perfmem ps` with hostile files next to real regions (issue 8): 20 idle instrumented Node
 * processes publish into a scratch base ($PERFMEM_DIR), and a user directory beside them holds
 * 20 hostile files of the largest size a reader accepts (8 MiB): sparse ones whose prologue
 * claims every byte, ones packed with the smallest valid entries, and ones whose single name is
 * 8 MiB of invalid UTF-8. A variant with 20 sparse 256 MiB files (refused on their size) shows
 * the original report's case. Whole command runs, start-up included; peak RSS from the
 * command's own resource usage.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, median } from './harness.js';
import { MAX_REGION_SIZE } from '../src/perfdata/index.js';
import { invalidUtf8NameRegion, minimalEntriesRegion, writeSparseRegion } from '../test/fixtures/hostile-regions.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/perfmem.js');
const REGISTER = join(ROOT, 'dist/src/runtime/register.js');
const REAL = 20;
const HOSTILE = 20;
const RUNS = 9;
/** Reports the command's peak RSS (KiB) on stderr as it exits. */
const PEAK = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss '+process.resourceUsage().maxRSS+'\\n'))`;

const children: ChildProcess[] = [];
let base: string | undefined;
function cleanup(): void {
  for (const c of children) c.kill('SIGKILL');
  if (base !== undefined) rmSync(base, { recursive: true, force: true });
}
process.on('exit', cleanup);

async function setUp(hostile: 'none' | 'max' | 'huge'): Promise<string> {
  base = mkdtempSync(join(tmpdir(), 'perfmem-bench-hostile-'));
  chmodSync(base, 0o755);
  const script = join(base, 'idle.mjs');
  writeFileSync(script, 'setInterval(() => {}, 1 << 30);\n');
  for (let i = 0; i < REAL; i++) {
    children.push(spawn(process.execPath, ['--import', REGISTER, script, `real-${i}`], { stdio: 'ignore', env: { ...process.env, PERFMEM_DIR: base } }));
  }
  const dir = `${base}/hsperfdata_${userInfo().username}`;
  const end = Date.now() + 60_000;
  while (!children.every((c) => existsSync(`${dir}/${c.pid}`))) {
    if (Date.now() > end) throw new Error('the real processes did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  if (hostile !== 'none') {
    // Another user's directory (nobody's, when run as root), as a hostile user would make it.
    const evil = `${base}/hsperfdata_nobody`;
    mkdirSync(evil, { mode: 0o755 });
    for (let i = 0; i < HOSTILE; i++) {
      const path = `${evil}/${4_000_000 + i}`;
      if (hostile === 'huge') writeSparseRegion(path, 256 * 1024 * 1024);
      else if (i % 4 === 0) writeFileSync(path, minimalEntriesRegion(MAX_REGION_SIZE));
      else if (i % 4 === 1) writeFileSync(path, invalidUtf8NameRegion(MAX_REGION_SIZE));
      else writeSparseRegion(path, MAX_REGION_SIZE);
    }
    if (process.geteuid?.() === 0) chownSync(evil, 65534, 65534);
  }
  return base;
}


/** One command run at a time; the peak is on stderr, which the shell swaps onto the captured stdout. */
function psSwapped(dir: string): { ms: number; rssMb: number } {
  const env = { ...process.env, PERFMEM_DIR: dir };
  execFileSync(process.execPath, [BIN, 'ps'], { stdio: 'ignore', env });
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const out = execFileSync('sh', ['-c', `"$0" --import "$1" "$2" ps 2>&1 >/dev/null`, process.execPath, PEAK, BIN], { env, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    rss.push(Number(/maxrss (\d+)/.exec(out)?.[1] ?? NaN) / 1024);
  }
  return { ms: median(times), rssMb: Math.max(...rss) };
}

await benchMain([
  {
    name: `perfmem ps with ${HOSTILE} hostile files next to ${REAL} real regions`,
    unit: 'ms/run',
    description: `Whole \`perfmem ps\` runs (median of ${RUNS}); goal: hostile files cost at most 2x, peak RSS under 200 MB (in the notes).`,
    variants: {
      [`${REAL} real regions`]: {
        baseline: true,
        run: async () => { const r = psSwapped(await setUp('none')); return r.ms; },
      },
      [`${REAL} real + ${HOSTILE} hostile ${MAX_REGION_SIZE >> 20} MiB files (sparse, minimal entries, invalid UTF-8)`]: {
        run: async () => {
          const r = psSwapped(await setUp('max'));
          process.stderr.write(`peak RSS ${r.rssMb.toFixed(1)} MB\n`);
          return r.ms;
        },
      },
      [`${REAL} real + ${HOSTILE} sparse 256 MiB files (the original report)`]: {
        run: async () => { const r = psSwapped(await setUp('huge')); return r.ms; },
      },
    },
  },
  {
    name: `perfmem ps peak RSS with ${HOSTILE} hostile files`,
    unit: 'MB',
    description: 'The largest peak RSS of the runs above (process.resourceUsage().maxRSS at exit); goal: under 200 MB.',
    variants: {
      [`${REAL} real regions`]: { baseline: true, run: async () => psSwapped(await setUp('none')).rssMb },
      [`${REAL} real + ${HOSTILE} hostile ${MAX_REGION_SIZE >> 20} MiB files`]: { run: async () => psSwapped(await setUp('max')).rssMb },
      [`${REAL} real + ${HOSTILE} sparse 256 MiB files`]: { run: async () => psSwapped(await setUp('huge')).rssMb },
    },
  },
]);
cleanup();
