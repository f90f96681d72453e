/**
 * Stale-file cleanup in a user directory, as a starting HotSpot JVM does it (with the flock
 * rule of JDK-8286030): a file whose name is not a pid is removed; a file named after this
 * process or after a process that is gone (kill(pid, 0) fails with ESRCH, or EPERM: such a
 * process files its region under another user) is removed unless some live process holds an
 * exclusive flock on it (a process in another pid namespace sharing this /tmp, say). A live
 * process's file is never touched.
 *
 * When: a region's creation cleans up only its own name at once (what it must, to create its
 * file); the sweep of the whole directory runs later, on an unref'd timer (scheduleStaleSweep),
 * so that it costs the app's start nothing and a process that ends sooner leaves it to the next.
 */
import { closeSync, constants, openSync, unlinkSync } from 'node:fs';
import { flock, LOCK_EX, LOCK_NB } from '../sys/index.js';
import type { SecureDirectory } from './directory.js';
import { pidFromFileName } from './paths.js';
import { liveness } from './proc.js';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * True when nobody holds a lock on the file at `path` (then it is locked by us until `fd`
 * closes). O_NONBLOCK keeps a planted FIFO from blocking the open.
 */
function unlockedFile(path: string): { fd: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    // A symlink (ELOOP) or something we cannot open is not a live region: let unlink decide.
    return (err as { code?: string }).code === 'ENOENT' ? undefined : { fd: -1 };
  }
  try {
    if (flock(fd, LOCK_EX | LOCK_NB)) return { fd };
  } catch {
    // flock unsupported on this file (e.g. a socket): treat as unlocked
    return { fd };
  }
  closeSync(fd);
  return undefined;
}

function remove(dir: SecureDirectory, name: string): boolean {
  try {
    unlinkSync(dir.at(name));
    return true;
  } catch {
    // Gone already, a directory planted here, or not ours to remove: harmless either way.
    return false;
  }
}

/** Called with a stale region's file (a path that reaches it, and its display path) just before it is removed. */
export type StaleRegionHook = (openPath: string, path: string) => void;
const staleHooks: StaleRegionHook[] = [];

/**
 * Registers `fn` to see every stale region this process is about to remove (perfmem/metrics
 * saves a dead worker's final counts this way). Errors in `fn` are ignored.
 */
export function onStaleRegion(fn: StaleRegionHook): void {
  staleHooks.push(fn);
}

/**
 * Removes stale files from `dir` (or, with `only`, just that name if it is there and stale);
 * returns the names removed.
 */
export function cleanupStaleFiles(dir: SecureDirectory, selfPid = process.pid, only?: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = only === undefined ? dir.names() : [only];
  } catch {
    return removed;
  }
  for (const name of names) {
    const pid = pidFromFileName(name);
    if (pid === 0) {
      if (remove(dir, name)) removed.push(name);
      continue;
    }
    if (pid !== selfPid && liveness(pid) === 'alive') continue;
    const held = unlockedFile(dir.at(name));
    if (held === undefined) continue;
    try {
      for (const hook of staleHooks) {
        try {
          hook(dir.at(name), dir.display(name));
        } catch {
          // a hook never keeps a stale file alive
        }
      }
      if (remove(dir, name)) removed.push(name);
    } finally {
      if (held.fd >= 0) closeSync(held.fd);
    }
  }
  return removed;
}

/**
 * How long after a region's creation the sweep of its directory runs: after the app's own
 * start-up, and within the first sample period (1 s by default).
 */
export const STALE_SWEEP_DELAY_MS = 500;

/**
 * Sweeps `dir` once, `delayMs` from now, on an unref'd timer (it never keeps the process
 * alive). The caller cancels it before closing `dir`: its descriptor number could otherwise
 * name another directory by the time the timer fires.
 */
export function scheduleStaleSweep(dir: SecureDirectory, selfPid = process.pid, delayMs = STALE_SWEEP_DELAY_MS): { cancel(): void } {
  const timer = setTimeout(() => {
    try {
      cleanupStaleFiles(dir, selfPid);
    } catch {
      // best effort: the next process's sweep tries again
    }
  }, delayMs);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
}
