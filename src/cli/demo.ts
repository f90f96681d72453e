/**
 * `perfmem demo` (what `npm start` runs): starts a few Node workers instrumented with
 * `--import perfmem/register` under synthetic load, one of which blocks its event loop now
 * and then, and opens `perfmem watch` on them. Without a terminal it prints a few `ps` and
 * `stat` samples instead and exits 0. The workers never outlive the demo: they are killed on
 * every way out, and each also exits by itself when its IPC channel to the demo closes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { attach } from '../perfmemory/index.js';
import { UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { writeOut } from './output.js';

const usage = 'usage: perfmem demo [--plain] [--workers <n>]';
const WORKER = fileURLToPath(new URL('./demo-worker.js', import.meta.url));
const REGISTER = fileURLToPath(new URL('../runtime/register.js', import.meta.url));
const MODES = ['steady', 'alloc', 'io', 'blocker'];

const children: ChildProcess[] = [];

function killChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        c.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Starts the workers and waits until each has published its region (or fails after 15 s). */
async function startWorkers(n: number): Promise<number[]> {
  if (!existsSync(REGISTER)) throw new UsageError('demo: the runtime entry is not built (run `npm run build`)', 1);
  const pids: number[] = [];
  for (let i = 0; i < n; i++) {
    const mode = MODES[i % MODES.length]!;
    const child = fork(WORKER, [mode], {
      execArgv: ['--import', REGISTER],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, PERFMEM_PERIOD_MS: process.env.PERFMEM_PERIOD_MS ?? '500' },
    });
    children.push(child);
    pids.push(child.pid!);
  }
  const deadline = Date.now() + 15_000;
  for (const pid of pids) {
    for (;;) {
      try {
        attach(pid).detach();
        break;
      } catch (err) {
        if (Date.now() > deadline) throw new UsageError(`demo: worker ${pid} did not publish its counters (${(err as Error).message})`, 1);
        await sleep(50);
      }
    }
  }
  return pids;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { usage, booleans: ['--plain'], values: ['--workers'] });
  if (args.help) {
    await writeOut(`${usage}\n`);
    return 0;
  }
  const n = Number(args.values.get('--workers') ?? MODES.length);
  if (!Number.isSafeInteger(n) || n < 1 || n > 64) throw new UsageError(`demo: --workers takes 1 to 64\n${usage}`);
  const onSignal = (signal: NodeJS.Signals) => {
    killChildren();
    // End by the signal itself (its default action), whatever handler a running tool has added.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  };
  process.on('exit', killChildren);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(s, onSignal);
  try {
    const pids = await startWorkers(n);
    const tty = process.stdout.isTTY === true && process.stdin.isTTY === true && !args.flags.has('--plain');
    if (tty) {
      // watch handles SIGINT itself while it runs (q or Ctrl-C end the demo).
      for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, onSignal);
      const watch = await import('./watch.js');
      return await watch.run(['-i', '500ms', ...pids.map(String)]);
    }
    return await plainTour(pids);
  } finally {
    killChildren();
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
    process.off('exit', killChildren);
  }
}

/** Without a terminal: what the tools print for the demo's workers, then exit 0. */
async function plainTour(pids: number[]): Promise<number> {
  const ps = await import('./ps.js');
  const stat = await import('./stat.js');
  const blocker = pids[MODES.indexOf('blocker')] ?? pids[0]!;
  const steady = pids[0]!;
  await writeOut(`perfmem demo: ${pids.length} instrumented Node workers (${pids.join(', ')}); worker ${blocker} blocks its event loop now and then.\n\n`);
  await writeOut('$ perfmem ps -m\n');
  await ps.run(['-m']);
  await writeOut(`\n$ perfmem stat -cpu -t ${steady} 500ms 4\n`);
  await stat.run(['-cpu', '-t', String(steady), '500ms', '4']);
  await writeOut(`\n$ perfmem stat -gcutil ${pids[1] ?? steady} 500ms 3      # jstat's columns, V8's heap\n`);
  await stat.run(['-gcutil', String(pids[1] ?? steady), '500ms', '3']);
  await writeOut(`\n$ perfmem stat -gc ${pids[1] ?? steady}\n`);
  await stat.run(['-gc', String(pids[1] ?? steady)]);
  await writeOut(`\n$ perfmem stat -eventloop ${blocker} 1s 5\n`);
  await stat.run(['-eventloop', String(blocker), '1s', '5']);
  await writeOut('\n$ perfmem ps -m\n');
  await ps.run(['-m']);
  return 0;
}
