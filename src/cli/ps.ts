/**
 * `perfmem ps [-q] [-l] [-m] [-v] [--json]`: jps for Node and JVM processes alike. Every
 * region this user can read (all users as root), with its kind, uptime and state: running,
 * blocked (a Node process whose event loop has not turned for several sampling periods, and
 * for how long), or stale (the file of a process that is gone).
 */
import { attachFile, listProcesses, type ProcessInfo } from '../perfmemory/index.js';
import { loopStatus } from '../runtime/loop-status.js';
import { UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { writeOut } from './output.js';
import { formatDuration } from './units.js';

const usage = 'usage: perfmem ps [-q] [-l] [-m] [-v] [--json]';

export interface PsRow {
  pid: number;
  user: string;
  kind: ProcessInfo['kind'];
  state: 'running' | 'blocked' | 'stale';
  /** How long the event loop has been blocked, ms (0 unless blocked). */
  blockedForMs: number;
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
    if (state === 'running' && p.kind === 'node' && p.error === undefined) {
      try {
        const view = attachFile(p.path);
        try {
          // Three counters by name: the view indexes the entries once, without decoding them all.
          const status = loopStatus((name) => view.get(name), process.hrtime.bigint());
          if (status.state === 'blocked') {
            state = 'blocked';
            blockedForMs = status.blockedForMs;
          }
        } finally {
          view.detach();
        }
      } catch {
        // The process exited between the listing and this read: the listing's state stands.
      }
    }
    rows.push({
      pid: p.pid, user: p.user, kind: p.kind, state, blockedForMs,
      uptimeMs: state === 'stale' || p.startTime === undefined ? undefined : Math.max(0, now - p.startTime),
      command: p.command, vmArgs: p.vmArgs, vmName: p.vmName, path: p.path, error: p.error,
    });
  }
  return rows;
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
  return row.state === 'blocked' ? `blocked ${formatDuration(row.blockedForMs)}` : row.state;
}

export interface PsFormat { long: boolean; args: boolean; vmArgs: boolean }

/** The table `perfmem ps` prints. */
export function formatTable(rows: readonly PsRow[], f: PsFormat): string {
  const lines = rows.map((r) => {
    let what = r.error !== undefined ? `-- process information unavailable (${r.error})` : shortName(r.kind, r.command, f.long) || '-';
    if (r.error === undefined && f.args) {
      const a = mainArgs(r.command);
      if (a !== '') what += ` ${a}`;
    }
    if (r.error === undefined && f.vmArgs && r.vmArgs !== '') what += ` ${r.vmArgs.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}`;
    return [String(r.pid), r.kind, stateText(r), r.uptimeMs === undefined ? '-' : formatDuration(r.uptimeMs), r.user, what];
  });
  const header = ['PID', 'KIND', 'STATE', 'UPTIME', 'USER', 'COMMAND'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const render = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padStart(widths[0]!) : i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [render(header), ...lines.map(render)].join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { usage, booleans: ['-q', '-l', '-m', '-v', '--json'] });
  if (args.help) {
    await writeOut(`${usage}\n`);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`ps: unexpected argument '${args.positionals[0]}'\n${usage}`);
  const rows = collectRows();
  if (args.flags.has('--json')) {
    await writeOut(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (args.flags.has('-q')) {
    await writeOut(rows.map((r) => `${r.pid}\n`).join(''));
  } else {
    await writeOut(formatTable(rows, { long: args.flags.has('-l'), args: args.flags.has('-m'), vmArgs: args.flags.has('-v') }));
  }
  return 0;
}
