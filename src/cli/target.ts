/**
 * What `snap` and `stat` read: a live process's region (by pid) or a saved file (by path).
 * Turns perfmem's coded errors into the one-line messages a person at a terminal expects.
 */
import { existsSync, statSync } from 'node:fs';
// Straight from the reading modules, not perfmemory/index.js (see ps.ts). attachProcess, not
// attach: a command reads other processes, never a region of its own.
import { attachFile, attachProcess as attach } from '../perfmemory/attach-process.js';
import type { ProcessKind } from '../perfmemory/discover.js';
import { KIND_COUNTER } from '../perfmemory/identity-names.js';
import { liveness, readProcStat, uptimeSeconds, type ProcStat } from '../perfmemory/proc.js';
import { escapeTerminal } from './escape.js';
import type { ParsedPerfData } from '../perfdata/types.js';
import { UsageError } from './errors.js';
import type { Sample } from './columns.js';

export interface Target {
  /** The process, for a live target. */
  pid?: number;
  /** A name for messages: the pid or the file's path. */
  label: string;
  /**
   * Set when the region by pid belongs to a process that is gone (its start time differs from
   * the live pid's, or the pid is not running): a one-line explanation for the warning.
   */
  stale?: string;
  /** A fresh consistent read; undefined once the process has gone. */
  read(): ParsedPerfData | undefined;
  close(): void;
}

/** A pid: digits, leading zeros allowed (`snap 00020556` is pid 20556), at most 2^31 - 1. */
export const PID = /^0*[1-9]\d{0,9}$/;

/** The exit status of snap and stat when the region by pid belongs to a process that is gone. */
export const STALE_EXIT = 3;

/** `spec` is a pid, or the path of a region file (`file://` accepted, as jstat takes it). */
export function openTarget(spec: string): Target {
  // A file named like a pid in the current directory is still a pid, as jstat reads it.
  if (PID.test(spec)) return openPid(Number(spec));
  const path = spec.startsWith('file://') ? spec.slice('file://'.length) : spec;
  if (!existsSync(path)) {
    throw new UsageError(/^-?\d+$/.test(spec) ? `process ${escapeTerminal(spec)} not found` : `no such process or file: ${escapeTerminal(spec)}`, 1);
  }
  const st = statSync(path, { throwIfNoEntry: false });
  if (st !== undefined && !st.isFile()) {
    throw new UsageError(`${escapeTerminal(path)}: not a regular file (give a pid or a region file)`, 1);
  }
  const view = userFacing(() => attachFile(path), path);
  const data = userFacing(() => view.snapshot(), path);
  view.detach();
  return { label: path, read: () => data, close() {} };
}

function openPid(pid: number): Target {
  if (pid > 0x7fffffff) throw notFound(pid);
  const view = userFacing(() => {
    try {
      return attach(pid);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_PROCESS_NOT_FOUND' && liveness(pid) !== 'gone') throw notInstrumented(pid);
      throw err;
    }
  }, String(pid));
  // /proc/<pid>/stat once: the live process's start, for the staleness judgement and read()'s checks.
  const stat = readProcStat(pid);
  const started = stat?.startSeconds;
  let first: ParsedPerfData | undefined;
  let stale: string | undefined;
  try {
    first = view.snapshot();
    stale = staleness(pid, first.counters, stat);
  } catch (err) {
    view.detach();
    return userFacing(() => { throw err; }, String(pid));
  }
  let gone = false;
  if (stale !== undefined) {
    // The dead writer's last data, once: it will not change, and the pid is someone else's.
    const data = first;
    view.detach();
    return { pid, label: String(pid), stale, read: () => data, close() {} };
  }
  return {
    pid,
    label: String(pid),
    read() {
      if (first !== undefined) {
        // The snapshot just judged: taken while the process was alive and the region its own
        // (`perfmem snap` reads once: one read of the region and of /proc, not two).
        const data = first;
        first = undefined;
        return data;
      }
      // A killed process leaves its file behind: liveness, not the file, says it is gone; and a
      // pid that now belongs to a process started later is not the one we were reading.
      const now = readProcStat(pid)?.startSeconds;
      if (gone || !isAlive(pid) || (started !== undefined && now !== undefined && now !== started)) {
        gone = true;
        return undefined;
      }
      return userFacing(() => view.snapshot(), String(pid));
    },
    close() {
      view.detach();
    },
  };
}

/**
 * Why the region found for `pid` is not the live process's, or undefined when it is. perfmem's
 * regions carry the writer's start in clock ticks after boot (perfmem.proc.starttime), an exact
 * match; a JVM's sun.rt.createVmBeginTime (ms since the epoch) is compared with a second of slack.
 * `stat` is the live process's /proc/<pid>/stat, when the caller has just read it.
 */
export function staleness(pid: number, counters: readonly { name: string; value: unknown }[],
  stat: ProcStat | undefined = readProcStat(pid)): string | undefined {
  if (stat === undefined || liveness(pid) === 'gone') return `process ${pid} is not running: this region is a dead process's last data`;
  const get = (name: string): number | undefined => {
    const v = counters.find((c) => c.name === name)?.value;
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
  };
  const ticks = get('perfmem.proc.starttime');
  if (ticks !== undefined && ticks > 0) {
    if (ticks === stat.startTicks) return undefined;
    return `pid ${pid} was reused: the region's writer started at tick ${ticks} after boot, the live process at tick ${stat.startTicks}; showing the dead process's last data`;
  }
  const begin = get('sun.rt.createVmBeginTime');
  if (begin !== undefined && begin > 0) {
    const liveStart = Date.now() - (uptimeSeconds() - stat.startSeconds) * 1000;
    if (liveStart > begin + 1000) {
      return `pid ${pid} was reused: the region's process started ${new Date(begin).toISOString()}, the live process ${new Date(liveStart).toISOString()}; showing the dead process's last data`;
    }
  }
  return undefined;
}

/** kill(pid, 0): alive, or alive but someone else's (EPERM). */
export function isAlive(pid: number): boolean {
  return liveness(pid) !== 'gone';
}

export function notFound(pid: number | string): UsageError {
  return new UsageError(`process ${escapeTerminal(String(pid))} not found`, 1);
}

/** A live process without a region: say so, and how to give it one. */
export function notInstrumented(pid: number): UsageError {
  return new UsageError(`process ${pid} is running but publishes no perfdata region: start a Node process with ` +
    'NODE_OPTIONS="--import $(perfmem register-path)" (see perfmem help register-path); a JVM with -XX:+UsePerfData', 1);
}

/** Runs `fn`, rewording permission and format errors as one line naming the target. */
export function userFacing<T>(fn: () => T, label: string): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'ERR_PERFDATA_ACCESS') {
      throw new UsageError(`permission denied: cannot read the counters of ${escapeTerminal(label)} (run as its owner or as root)`, 1);
    }
    if (err instanceof UsageError) throw err;
    if (e.code === 'ERR_PROCESS_NOT_FOUND') throw notFound(label);
    if (e.code === 'ERR_INSECURE_FILE' && typeof e.message === 'string' && / is not a regular file$/.test(e.message)) {
      throw new UsageError(`${escapeTerminal(label)}: not a regular file (give a pid or a region file)`, 1);
    }
    if (e.code === 'ERR_PERFDATA_MAGIC') {
      // Not "bad magic 0x726f6f74": a refused file's bytes never appear in a message.
      throw new UsageError(`${escapeTerminal(label)}: not a perfdata region (it does not start with the hsperfdata magic number)`, 1);
    }
    if (typeof e.code === 'string' && typeof e.message === 'string') throw new UsageError(`${escapeTerminal(label)}: ${escapeTerminal(e.message)}`, 1);
    throw err;
  }
}

/** Node (a region written by perfmem), a JVM, or another writer of the format: as listProcesses() says. */
export function kindOf(sample: Sample): ProcessKind {
  if (sample.get(KIND_COUNTER) === 'node' || sample.get('java.property.java.vm.name') === 'Node.js') return 'node';
  return sample.has('java.property.java.vm.name') || sample.has('sun.rt.javaCommand') ? 'jvm' : 'other';
}
