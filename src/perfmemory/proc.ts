/**
 * What /proc says about a process: whether it exists, when it started, and its pid inside
 * a pid namespace. Reads are small and synchronous; a process that vanishes mid-read is
 * reported as gone rather than throwing.
 */
import { readFileSync } from 'node:fs';
import { clockTicks } from '../sys/index.js';

export type Liveness = 'alive' | 'gone' | 'denied';

/** kill(pid, 0): 'gone' on ESRCH, 'denied' on EPERM (it exists, but belongs to someone else). */
export function liveness(pid: number): Liveness {
  try {
    process.kill(pid, 0);
    return 'alive';
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM' ? 'denied' : 'gone';
  }
}

/** Milliseconds since the epoch at which this machine booted, as the wall clock sees it now. */
export function bootTimeMs(): number {
  const uptime = Number.parseFloat(readFileSync('/proc/uptime', 'latin1'));
  return Date.now() - uptime * 1000;
}

/** Clock ticks after boot at which `pid` started (/proc/<pid>/stat field 22), or undefined if gone. */
export function startTicks(pid: number, procRoot = '/proc'): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[19]);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

/** Start time of `pid` in ms since the epoch, or undefined when the process is gone. */
export function startTimeMs(pid: number, boot = bootTimeMs()): number | undefined {
  const ticks = startTicks(pid);
  return ticks === undefined ? undefined : Math.round(boot + (ticks * 1000) / clockTicks);
}

/**
 * The pids of `pid` in each pid namespace it belongs to, outermost first (the NSpid line of
 * /proc/<pid>/status). A process outside any child namespace has one entry: itself.
 */
export function namespacePids(pid: number): number[] {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return [];
  }
  const line = /^NSpid:\s*(.*)$/m.exec(status);
  if (line === null) return [pid];
  return line[1]!.trim().split(/\s+/).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
}

/** The signals this process ignores (SigIgn in /proc/self/status), e.g. SIGHUP under nohup. */
export function ignoredSignals(): Set<number> {
  const ignored = new Set<number>();
  try {
    const line = /^SigIgn:\s*([0-9a-f]+)$/im.exec(readFileSync('/proc/self/status', 'latin1'));
    if (line === null) return ignored;
    const mask = BigInt('0x' + line[1]);
    for (let sig = 1; sig <= 64; sig++) if ((mask >> BigInt(sig - 1)) & 1n) ignored.add(sig);
  } catch {
    // Without /proc we cannot know; assume nothing is ignored.
  }
  return ignored;
}
