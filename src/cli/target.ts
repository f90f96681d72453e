/**
 * What `snap` and `stat` read: a live process's region (by pid) or a saved file (by path).
 * Turns perfmem's coded errors into the one-line messages a person at a terminal expects.
 */
import { existsSync } from 'node:fs';
import { attach, attachFile, KIND_COUNTER, liveness, readProcStat, type ProcessKind } from '../perfmemory/index.js';
import type { ParsedPerfData } from '../perfdata/types.js';
import { UsageError } from './errors.js';
import type { Sample } from './columns.js';

export interface Target {
  /** The process, for a live target. */
  pid?: number;
  /** A name for messages: the pid or the file's path. */
  label: string;
  /** A fresh consistent read; undefined once the process has gone. */
  read(): ParsedPerfData | undefined;
  close(): void;
}

export const PID = /^[1-9]\d{0,9}$/;

/** `spec` is a pid, or the path of a region file (`file://` accepted, as jstat takes it). */
export function openTarget(spec: string): Target {
  if (PID.test(spec)) return openPid(Number(spec));
  const path = spec.startsWith('file://') ? spec.slice('file://'.length) : spec;
  if (!existsSync(path)) {
    throw new UsageError(/^-?\d+$/.test(spec) ? `process ${spec} not found` : `no such process or file: ${spec}`, 1);
  }
  const view = userFacing(() => attachFile(path), path);
  const data = userFacing(() => view.snapshot(), path);
  view.detach();
  return { label: path, read: () => data, close() {} };
}

function openPid(pid: number): Target {
  if (pid > 0x7fffffff) throw notFound(pid);
  const view = userFacing(() => attach(pid), String(pid));
  const started = readProcStat(pid)?.startSeconds;
  let gone = false;
  return {
    pid,
    label: String(pid),
    read() {
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

/** kill(pid, 0): alive, or alive but someone else's (EPERM). */
export function isAlive(pid: number): boolean {
  return liveness(pid) !== 'gone';
}

export function notFound(pid: number | string): UsageError {
  return new UsageError(`process ${pid} not found`, 1);
}

/** Runs `fn`, rewording permission and format errors as one line naming the target. */
export function userFacing<T>(fn: () => T, label: string): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    if (e.code === 'EACCES' || e.code === 'EPERM' || e.code === 'ERR_PERFDATA_ACCESS') {
      throw new UsageError(`permission denied: cannot read the counters of ${label} (run as its owner or as root)`, 1);
    }
    if (e.code === 'ERR_PROCESS_NOT_FOUND') throw notFound(label);
    if (typeof e.code === 'string' && typeof e.message === 'string') throw new UsageError(`${label}: ${e.message}`, 1);
    throw err;
  }
}

/** Node (a region written by perfmem), a JVM, or another writer of the format: as listProcesses() says. */
export function kindOf(sample: Sample): ProcessKind {
  if (sample.get(KIND_COUNTER) === 'node' || sample.get('java.property.java.vm.name') === 'Node.js') return 'node';
  return sample.has('java.property.java.vm.name') || sample.has('sun.rt.javaCommand') ? 'jvm' : 'other';
}
