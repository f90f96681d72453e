/**
 * `perfmem ps [-q] [-l] [-m] [-v] [--json]`: jps for Node and JVM processes alike. Every
 * region this user can read (all users as root), with its kind, uptime and state: running,
 * blocked (a Node process whose event loop has not turned for several sampling periods, and
 * for how long), or stale (the file of a process that is gone).
 */
// Straight from the modules that read other processes' regions, not perfmemory/index.js: the
// command then loads neither the region writer nor shared memory (see attach-process.ts).
import { attachListed } from '../perfmemory/attach-process.js';
import { listProcesses, type ProcessInfo } from '../perfmemory/discover.js';
import { loopStatus } from '../runtime/loop-status.js';
import { describeTopFrame, parseStack, STACK_COUNTER, STACK_TIME_COUNTER } from '../runtime/stack-format.js';
import { escapeTerminal } from './escape.js';
import { UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { writeOnce } from './output.js';
import { formatDuration } from './units.js';

const usage = 'usage: perfmem ps [-q] [-l] [-m] [-v] [-a] [--json]';

const help = `${usage}

Lists the processes that publish a perfdata region: Node processes started with perfmem's
register hook, and JVMs (like jps). As root, every user's; otherwise your own, and with -a the
regions of other users you cannot read.

columns: PID, KIND (node, jvm, other), STATE (running; blocked <time> [in <function> (<file>:<line>)]
when a Node event loop has not turned for three sampling periods; stale for the file of a process
that is gone or whose pid was reused), UPTIME, USER, COMMAND.

options:
  -q      pids only
  -l      the full path of the script or main class
  -m      the arguments of the script or main class
  -v      the Node or JVM options (execArgv, VM flags)
  -a      also list regions of other users that this user cannot read (as "not readable")
  --json  the rows as a JSON array (with -q: an array of pids)

Strings from regions are shown with control characters escaped; --json keeps them exact.

examples:
  perfmem ps
  perfmem ps -lm
  perfmem ps --json | jq '.[] | select(.state == "blocked")'
`;

export interface PsRow {
  pid: number;
  user: string;
  /** 'unknown' for a region this user may not read. */
  kind: ProcessInfo['kind'] | 'unknown';
  /** False for another user's region this user may not read (no command, no uptime). */
  readable: boolean;
  state: 'running' | 'blocked' | 'stale';
  /** How long the event loop has been blocked, ms (0 unless blocked). */
  blockedForMs: number;
  /** Where a blocked loop is stuck, "fn (file:line)", from the watchdog's stack taken during this block. */
  blockedIn?: string;
  /** Milliseconds since the process started (undefined when unknown or stale). */
  uptimeMs: number | undefined;
  command: string;
  vmArgs: string;
  vmName: string;
  path: string;
  error?: string;
}

/** Reads every region's identity and, for live Node processes, the event loop's heartbeat. */
export function collectRows(now = Date.now()): PsRow[] {
  const rows: PsRow[] = [];
  for (const p of listProcesses()) {
    if (p.pid === process.pid) continue;
    let state: PsRow['state'] = p.state === 'stale' ? 'stale' : 'running';
    let blockedForMs = 0;
    let blockedIn: string | undefined;
    const readable = p.error !== 'ERR_PERFDATA_ACCESS' && p.error !== 'EACCES' && p.error !== 'EPERM';
    if (state === 'running' && p.kind === 'node' && p.error === undefined && p.loopCounters !== undefined) {
      // The listing already read the heartbeat: the region is read again only for a blocked
      // loop's stack, through the file the listing validated.
      const loop = p.loopCounters;
      const status = loopStatus((name) => loop[name], process.hrtime.bigint());
      if (status.state === 'blocked') {
        state = 'blocked';
        blockedForMs = status.blockedForMs;
        try {
          const view = attachListed(p);
          try {
            blockedIn = topFrameOfBlock((name) => view.get(name));
          } finally {
            view.detach();
          }
        } catch {
          // The process exited or its file changed since the listing: no frame to show.
        }
      }
    }
    rows.push({
      pid: p.pid, user: p.user, kind: readable ? p.kind : 'unknown', readable, state, blockedForMs,
      ...(blockedIn !== undefined ? { blockedIn } : {}),
      // An unreadable region's start time would be its file's ctime: not the process's uptime.
      uptimeMs: !readable || state === 'stale' || p.startTime === undefined ? undefined : Math.max(0, now - p.startTime),
      command: p.command, vmArgs: p.vmArgs, vmName: p.vmName, path: p.path, error: p.error,
    });
  }
  return rows;
}

/**
 * The top frame of the stack the watchdog took during the current block: a stack taken before
 * the loop last turned (its time older than the heartbeat) belongs to an earlier block.
 */
function topFrameOfBlock(get: (name: string) => unknown): string | undefined {
  const value = (name: string): unknown => {
    const v = get(name);
    return typeof v === 'object' && v !== null && 'value' in v ? (v as { value: unknown }).value : v;
  };
  const text = value(STACK_COUNTER);
  const taken = Number(value(STACK_TIME_COUNTER));
  const beat = Number(value('node.heartbeat'));
  if (typeof text !== 'string' || text === '' || !(taken > 0) || !(taken >= beat)) return undefined;
  return describeTopFrame(parseStack(text));
}

/** jps's main-class rule for a JVM (class without package, or jar file name); a Node script's file name. */
export function shortName(kind: PsRow['kind'], command: string, long: boolean): string {
  const first = command.split(' ', 1)[0] ?? '';
  if (long) return first;
  const sep = Math.max(first.lastIndexOf('/'), first.lastIndexOf('\\'));
  const base = sep > 0 ? first.slice(sep + 1) : first;
  if (kind === 'node') return base;
  const dot = base.lastIndexOf('.');
  if (dot > 0) {
    const last = base.slice(dot + 1);
    return last === 'jar' ? base : last;
  }
  return base;
}

function mainArgs(command: string): string {
  const space = command.indexOf(' ');
  return space > 0 ? command.slice(space + 1) : '';
}

export function stateText(row: PsRow): string {
  if (row.state !== 'blocked') return row.state;
  const where = row.blockedIn === undefined ? '' : ` in ${escapeTerminal(row.blockedIn)}`;
  return `blocked ${formatDuration(row.blockedForMs)}${where}`;
}

export interface PsFormat { long: boolean; args: boolean; vmArgs: boolean }

/** The table `perfmem ps` prints. */
export function formatTable(rows: readonly PsRow[], f: PsFormat): string {
  const lines = rows.map((r) => {
    // Every string from a region is made inert: a newline or an escape sequence cannot forge a row.
    let what = !r.readable ? `-- not readable (user ${escapeTerminal(r.user)})`
      : r.error !== undefined ? `-- process information unavailable (${escapeTerminal(r.error)})`
        : escapeTerminal(shortName(r.kind === 'unknown' ? 'other' : r.kind, r.command, f.long)) || '-';
    if (r.readable && r.error === undefined && f.args) {
      const a = mainArgs(r.command);
      if (a !== '') what += ` ${escapeTerminal(a)}`;
    }
    if (r.readable && r.error === undefined && f.vmArgs && r.vmArgs !== '') what += ` ${escapeTerminal(r.vmArgs)}`;
    const kind = r.kind === 'unknown' ? '-' : r.kind;
    return [String(r.pid), kind, stateText(r), r.uptimeMs === undefined ? '-' : formatDuration(r.uptimeMs), escapeTerminal(r.user), what];
  });
  const header = ['PID', 'KIND', 'STATE', 'UPTIME', 'USER', 'COMMAND'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padStart(widths[0]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [render(header), ...lines.map(render)].join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { usage, booleans: ['-q', '-l', '-m', '-v', '-a', '--json'], command: 'ps' });
  if (args.help) {
    await writeOnce(help);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`ps: unexpected argument '${escapeTerminal(args.positionals[0]!)}'\n${usage}`);
  const all = collectRows();
  // Other users' regions this user cannot read say nothing but a pid and a user: listed with -a.
  const rows = args.flags.has('-a') ? all : all.filter((r) => r.readable);
  const hidden = all.length - rows.length;
  if (args.flags.has('--json')) {
    await writeOnce(`${JSON.stringify(args.flags.has('-q') ? rows.map((r) => r.pid) : rows, null, 2)}\n`);
  } else if (args.flags.has('-q')) {
    await writeOnce(rows.map((r) => `${r.pid}\n`).join(''));
  } else {
    await writeOnce(formatTable(rows, { long: args.flags.has('-l'), args: args.flags.has('-m'), vmArgs: args.flags.has('-v') }));
    if (hidden > 0) process.stderr.write(`perfmem: ${hidden} region${hidden === 1 ? '' : 's'} of other users not readable (perfmem ps -a lists them)\n`);
  }
  return 0;
}
