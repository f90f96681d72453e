/**
 * `perfmem demo` (what `npm start` runs): starts a few Node workers instrumented with
 * `--import perfmem/register` under synthetic load, the last of which always blocks its event
 * loop now and then, and opens `perfmem watch` on them. Without a terminal it prints a few `ps`
 * and `stat` samples instead and exits 0. The workers never outlive the demo: on every way out
 * they get SIGTERM (their regions are removed as they exit); one still blocked after a moment
 * is killed, and the demo removes the region it leaves behind, so no `stale` rows remain. Each
 * also exits by itself when its IPC channel to the demo closes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { attach } from '../perfmemory/index.js';
import { UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { writeOut } from './output.js';

const usage = 'usage: perfmem demo [--plain] [--workers <n>]';

const help = `${usage}

Starts <n> Node worker processes (default 4) instrumented with perfmem's register hook, each
under a synthetic load: steady (a little CPU and garbage), alloc (bursts of garbage), io
(sockets and timers); the last one is always a blocker (blocks its event loop for 2.5 to 4 s
every 8 s). On a terminal it then opens perfmem watch on them (q quits); otherwise (or with
--plain) it prints what ps and stat show for them and exits 0. The workers end with the demo
and leave no region behind.

options:
  --workers <n>  how many workers, 1 to 64 (the last is the blocker)
  --plain        the printed tour even on a terminal

examples:
  npm start                    # perfmem demo
  npm start -- --plain --workers 2
  perfmem demo | cat
`;
const WORKER = fileURLToPath(new URL('./demo-worker.js', import.meta.url));
const REGISTER = fileURLToPath(new URL('../runtime/register-require.cjs', import.meta.url));
const LOADS = ['steady', 'alloc', 'io'];

/** The workers' modes: the loads in turn, and always a blocker last. */
export function workerModes(n: number): string[] {
  return [...Array.from({ length: n - 1 }, (_, i) => LOADS[i % LOADS.length]!), 'blocker'];
}

const children: { child: ChildProcess; mode: string; region?: string }[] = [];

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** Last resort (on 'exit', where nothing can wait): SIGKILL, and remove what the killed leave behind. */
function killChildren(): void {
  for (const w of children) {
    if (!running(w.child)) continue;
    try {
      w.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * SIGTERM every worker (each removes its region as it exits), wait a moment, then SIGKILL a
 * worker still busy in a block and remove its region file ourselves: the demo leaves no
 * `stale` rows in `perfmem ps`.
 */
async function endChildren(): Promise<void> {
  for (const w of children) if (running(w.child)) w.child.kill('SIGTERM');
  const deadline = Date.now() + 1500;
  while (children.some((w) => running(w.child)) && Date.now() < deadline) await sleep(25);
  const killed = children.filter((w) => running(w.child));
  for (const w of killed) w.child.kill('SIGKILL');
  await Promise.all(killed.map((w) => new Promise<void>((resolve) => {
    if (!running(w.child)) resolve();
    else w.child.once('exit', () => resolve());
  })));
  for (const w of children) {
    // The file is the worker's own (named after its pid, which is not reused while we hold it as a child).
    if (w.region !== undefined && lstatSync(w.region, { throwIfNoEntry: false })?.isFile()) {
      try {
        unlinkSync(w.region);
      } catch {
        // someone else's now, or gone
      }
    }
  }
}

/** Starts the workers and waits until each has published its region (or fails after 15 s). */
async function startWorkers(n: number): Promise<number[]> {
  if (!existsSync(REGISTER)) throw new UsageError('demo: the runtime entry is not built (run `npm run build`)', 1);
  const pids: number[] = [];
  for (const mode of workerModes(n)) {
    const child = fork(WORKER, [mode], {
      execArgv: ['--import', REGISTER],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, PERFMEM_PERIOD_MS: process.env.PERFMEM_PERIOD_MS ?? '500' },
    });
    children.push({ child, mode });
    pids.push(child.pid!);
  }
  const deadline = Date.now() + 15_000;
  for (const [i, pid] of pids.entries()) {
    for (;;) {
      try {
        const view = attach(pid);
        children[children.length - pids.length + i]!.region = view.path;
        view.detach();
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
  const args = parseFlags(argv, { usage, booleans: ['--plain'], values: ['--workers'], command: 'demo' });
  if (args.help) {
    await writeOut(help);
    return 0;
  }
  const n = Number(args.values.get('--workers') ?? LOADS.length + 1);
  if (!Number.isSafeInteger(n) || n < 1 || n > 64) throw new UsageError(`demo: --workers takes 1 to 64\n${usage}`);
  const onSignal = (signal: NodeJS.Signals) => {
    void endChildren().finally(() => {
      // End by the signal itself (its default action), whatever handler a running tool has added.
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    });
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
    await endChildren();
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
    process.off('exit', killChildren);
  }
}

/** Without a terminal: what the tools print for the demo's workers, then exit 0. */
async function plainTour(pids: number[]): Promise<number> {
  const ps = await import('./ps.js');
  const stat = await import('./stat.js');
  const blocker = pids[pids.length - 1]!;
  const steady = pids[0]!;
  const modes = workerModes(pids.length);
  const described = pids.map((pid, i) => `${pid} ${modes[i]}`).join(', ');
  await writeOut(`perfmem demo: ${pids.length} instrumented Node worker${pids.length === 1 ? '' : 's'} (${described}); ` +
    `worker ${blocker} blocks its event loop for 2.5 to 4 s every 8 s.\n\n`);
  await writeOut('$ perfmem ps -m\n');
  await ps.run(['-m']);
  await writeOut(`\n$ perfmem stat -cpu -t ${steady} 500ms 4\n`);
  await stat.run(['-cpu', '-t', String(steady), '500ms', '4']);
  await writeOut(`\n$ perfmem stat -gcutil ${pids[1] ?? steady} 500ms 3      # jstat's columns, V8's heap\n`);
  await stat.run(['-gcutil', String(pids[1] ?? steady), '500ms', '3']);
  await writeOut(`\n$ perfmem stat -gc ${pids[1] ?? steady}\n`);
  await stat.run(['-gc', String(pids[1] ?? steady)]);
  await writeOut(`\n$ perfmem stat -eventloop ${blocker} 1s 6      # the block shows as it happens\n`);
  await stat.run(['-eventloop', String(blocker), '1s', '6']);
  await writeOut('\n$ perfmem ps -m\n');
  await ps.run(['-m']);
  return 0;
}
