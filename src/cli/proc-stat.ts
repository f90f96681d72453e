/**
 * CPU time and resident memory of any process from /proc/<pid>/stat: what the dashboard shows
 * for processes that do not publish them (JVMs), and for a Node process whose blocked event
 * loop has stopped updating its own counters.
 */
import { readFileSync } from 'node:fs';
import { clockTicks, pageSize } from '../sys/index.js';

export interface ProcStat {
  /** User + system CPU time, in seconds. */
  cpuSeconds: number;
  rssBytes: number;
  /** When the process started, in seconds after boot (compare with /proc/uptime). */
  startSeconds: number;
}

/** Seconds since boot, now. */
export function uptimeSeconds(): number {
  try {
    return Number.parseFloat(readFileSync('/proc/uptime', 'latin1'));
  } catch {
    return NaN;
  }
}

export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  return parseProcStat(text);
}

/** Parses the stat line; the command (field 2) may hold spaces and ')' so fields resume after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime 15, starttime 22, rss 24.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const start = Number(fields[19]);
  const rss = Number(fields[21]);
  if (![utime, stime, start, rss].every(Number.isSafeInteger)) return undefined;
  return { cpuSeconds: (utime + stime) / clockTicks, rssBytes: rss * pageSize, startSeconds: start / clockTicks };
}
