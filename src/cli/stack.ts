/**
 * `perfmem stack <pid> [--json] [--timeout <ms>]`: the main thread's JavaScript stack now, even
 * while its event loop is blocked, taken by the process's watchdog thread on request (the
 * request channel is described in runtime/stack-request.ts), or "idle" when the loop waits
 * for events.
 */
import { attach, type RegionView } from '../perfmemory/index.js';
import { loopStatus } from '../runtime/loop-status.js';
import { makeStackRequest } from '../runtime/stack-request.js';
import { parseStack, STACK_COUNTER, STACK_TIME_COUNTER, STACK_WALL_COUNTER } from '../runtime/stack-format.js';
import { STACK_STATUS } from '../runtime/watchdog.js';
import type { StackFrame } from '../monitor/types.js';
import { UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { escapeTerminal } from './escape.js';
import { PID, isAlive, notFound, userFacing } from './target.js';

const usage = 'usage: perfmem stack <pid> [--json] [--timeout <ms>]';
const STATUS_NAMES = Object.fromEntries(Object.entries(STACK_STATUS).map(([k, v]) => [v, k])) as Record<number, string>;

export interface StackAnswer {
  pid: number;
  /** 'frames': the stack below; 'idle': the loop waits for events; 'native': the thread runs outside JavaScript. */
  status: string;
  /** How long the loop had been blocked when asked (0 when running). */
  blockedMs: number;
  /** Wall clock (ms since the epoch) when the stack was taken. */
  takenAtMs: number;
  /** Time the watchdog took to capture it, in ms. */
  captureMs: number;
  frames: StackFrame[];
}

function num(view: RegionView, name: string): number | undefined {
  const v = view.get(name)?.value;
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { usage, booleans: ['--json'], values: ['--timeout'] });
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const spec = args.positionals[0];
  if (args.positionals.length !== 1 || spec === undefined || !PID.test(spec)) throw new UsageError(`stack: expected one pid\n${usage}`);
  const timeoutText = args.values.get('--timeout') ?? '3000';
  if (!/^\d{1,6}$/.test(timeoutText)) throw new UsageError(`stack: bad --timeout ${JSON.stringify(timeoutText)} (milliseconds)`);
  const pid = Number(spec);
  if (!isAlive(pid)) throw notFound(pid);

  const view = userFacing(() => attach(pid), spec);
  try {
    if (view.get(STACK_TIME_COUNTER) === undefined) {
      throw new UsageError(`process ${pid} has no watchdog thread: start it with PERFMEM_WATCHDOG=1 (or start({ watchdog: true })) to take stacks`, 1);
    }
    const asked = process.hrtime.bigint();
    const request = userFacing(() => makeStackRequest(view.path, pid), spec);
    let answer: StackAnswer | undefined;
    try {
      const deadline = Date.now() + Number(timeoutText);
      while (Date.now() < deadline) {
        const time = num(view, STACK_TIME_COUNTER) ?? 0;
        if (time > Number(asked)) {
          const status = loopStatus((name) => view.get(name), process.hrtime.bigint());
          const text = view.get(STACK_COUNTER)?.value;
          answer = {
            pid,
            status: STATUS_NAMES[num(view, 'node.watchdog.stack.status') ?? 0] ?? 'none',
            // The sample is overdue: the loop has not turned for (about) the heartbeat's age.
            blockedMs: status.heartbeatAgeMs > status.periodMs * 1.1 ? Math.round(status.heartbeatAgeMs) : 0,
            takenAtMs: num(view, STACK_WALL_COUNTER) ?? 0,
            captureMs: Math.round((num(view, 'node.watchdog.stack.cost') ?? 0) / 1e5) / 10,
            frames: typeof text === 'string' ? parseStack(text) : [],
          };
          break;
        }
        if (!isAlive(pid)) throw notFound(pid);
        await sleep(10);
      }
    } finally {
      request.remove();
    }
    if (answer === undefined) {
      throw new UsageError(`the watchdog of process ${pid} did not answer within ${timeoutText} ms`, 1);
    }
    process.stdout.write(args.flags.has('--json') ? `${JSON.stringify(answer)}\n` : formatAnswer(answer));
    return 0;
  } finally {
    view.detach();
  }
}

/** The answer as people read it: one line saying what the thread does, then one frame a line. */
export function formatAnswer(a: StackAnswer): string {
  const blocked = a.blockedMs > 0 ? `, loop blocked ${(a.blockedMs / 1000).toFixed(1)}s` : '';
  if (a.status === 'idle') return `${a.pid}: event loop idle (waiting for events)\n`;
  if (a.status === 'native') return `${a.pid}: main thread outside JavaScript (a native call: sync I/O, execSync, ...)${blocked}\n`;
  const lines = [`${a.pid}: main thread stack${blocked} (taken in ${a.captureMs} ms)`];
  for (const f of a.frames) lines.push(`    at ${escapeTerminal(f.functionName || '<anonymous>')} (${escapeTerminal(f.url)}:${f.line}:${f.column})`);
  return `${lines.join('\n')}\n`;
}
