/**
 * What /proc says about a process: whether it exists, when it started, and its pid inside
 * a pid namespace. Reads are small and synchronous; a process that vanishes mid-read is
 * reported as gone rather than throwing.
 */
import { readFileSync } from 'node:fs';
import { clockTicks, pageSize, readHead } from '../sys/index.js';

export type Liveness = 'alive' | 'gone' | 'denied';

/** One buffer for the small /proc files (stat, status): a listing reads one per process. */
const smallFile = Buffer.allocUnsafe(4096);

/**
 * A /proc file of a few hundred bytes, as latin1 text: open, one read, close (readFileSync adds an
 * fstat and a read to find the end). One that fills the buffer is read again whole.
 */
export function readProcText(path: string): string {
  const n = readHead(path, smallFile);
  return n < smallFile.length ? smallFile.toString('latin1', 0, n) : readFileSync(path, 'latin1');
}

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

/** What /proc/<pid>/stat says of a process's CPU, memory and start. */
export interface ProcStat {
  /** User + system CPU time, in seconds. */
  cpuSeconds: number;
  /** The same split into user and system time (fields 14 and 15), seconds. */
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  rssBytes: number;
  /** Virtual memory size (field 23), bytes. */
  vsizeBytes: number;
  /** Threads (field 20). */
  threads: number;
  /** Parent pid (field 4). */
  ppid: number;
  /** Clock ticks after boot at which the process started (field 22). */
  startTicks: number;
  /** The same in seconds after boot (compare with uptimeSeconds()). */
  startSeconds: number;
}

/** /proc/<pid>/stat of `pid`, or undefined when the process is gone or the line is unreadable. */
export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  let text: string;
  try {
    text = readProcText(`${procRoot}/${pid}/stat`);
  } catch {
    return undefined;
  }
  return parseProcStat(text);
}

/** Parses a stat line; the command (field 2) may hold spaces and ')' so fields resume after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime 15, starttime 22, rss 24.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const start = Number(fields[19]);
  const rss = Number(fields[21]);
  const threads = Number(fields[17]);
  const vsize = Number(fields[20]);
  const ppid = Number(fields[1]);
  if (![utime, stime, start, rss, threads, vsize, ppid].every(Number.isSafeInteger)) return undefined;
  return {
    cpuSeconds: (utime + stime) / clockTicks, cpuUserSeconds: utime / clockTicks, cpuSystemSeconds: stime / clockTicks,
    rssBytes: rss * pageSize, vsizeBytes: vsize, threads, ppid, startTicks: start, startSeconds: start / clockTicks,
  };
}

/** Seconds since boot, now (NaN without /proc). */
export function uptimeSeconds(): number {
  try {
    return Number.parseFloat(readFileSync('/proc/uptime', 'latin1'));
  } catch {
    return NaN;
  }
}

/** Clock ticks after boot at which `pid` started (/proc/<pid>/stat field 22), or undefined if gone. */
export function startTicks(pid: number, procRoot = '/proc'): number | undefined {
  return readProcStat(pid, procRoot)?.startTicks;
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
    status = readProcText(`/proc/${pid}/status`);
  } catch {
    return [];
  }
  const line = /^NSpid:\s*(.*)$/m.exec(status);
  if (line === null) return [pid];
  return line[1]!.trim().split(/\s+/).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
}

/** The signals in a /proc signal mask (hex, signal n at bit n-1), read a hex digit at a time: no bigint per signal. */
export function signalsInMask(hex: string): Set<number> {
  const signals = new Set<number>();
  for (let sig = 1; sig <= 64 && (sig - 1) >> 2 < hex.length; sig++) {
    const digit = parseInt(hex[hex.length - 1 - ((sig - 1) >> 2)]!, 16);
    if ((digit >> ((sig - 1) & 3)) & 1) signals.add(sig);
  }
  return signals;
}

/** The signals this process ignores (SigIgn in /proc/self/status), e.g. SIGHUP under nohup. */
export function ignoredSignals(): Set<number> {
  try {
    const line = /^SigIgn:\s*([0-9a-f]+)$/im.exec(readProcText('/proc/self/status'));
    return line === null ? new Set() : signalsInMask(line[1]!);
  } catch {
    // Without /proc we cannot know; assume nothing is ignored.
    return new Set();
  }
}
