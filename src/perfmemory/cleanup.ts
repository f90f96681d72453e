/**
 * Stale-file cleanup in a user directory, as a starting HotSpot JVM does it (with the flock
 * rule of JDK-8286030): a file whose name is not a pid is removed; a file named after this
 * process or after a process that is gone (kill(pid, 0) fails with ESRCH, or EPERM: such a
 * process files its region under another user) is removed unless some live process holds an
 * exclusive flock on it (a process in another pid namespace sharing this /tmp, say). A live
 * process's file is never touched. One exception: see holdsAppMemberMetrics.
 *
 * When: a region's creation cleans up only its own name at once (what it must, to create its
 * file); the sweep of the whole directory runs later, on an unref'd timer (scheduleStaleSweep),
 * so that it costs the app's start nothing and a process that ends sooner leaves it to the next.
 */
import { closeSync, constants, fstatSync, openSync, readSync, unlinkSync } from 'node:fs';
import { MAX_REGION_SIZE } from '../perfdata/limits.js';
import { flock, LOCK_EX, LOCK_NB } from '../sys/index.js';
import { SecureDirectory } from './directory.js';
import { effectiveUser, pidFromFileName, userDirectory } from './paths.js';
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
 * saves a dead worker's final counts this way). `fn` throws when it could not save what it
 * must: the file then stays for a later sweep (its contents still count where they are),
 * except a file in the way of this process's own region, which goes regardless.
 */
export function onStaleRegion(fn: StaleRegionHook): void {
  staleHooks.push(fn);
}

/**
 * A dead member of a multi-process app that used perfmem/metrics holds final counts that its
 * app's totals still need (docs/metrics.md, "No lost counts"). A process with no onStaleRegion
 * hook (perfmem/metrics not loaded in it, e.g. perfmem/register's start before the app's own
 * imports) cannot save them, so it leaves such a region in place; perfmem/metrics folds and
 * removes it when it next starts in any process (sweepStaleRegions). It is recognised by the
 * app record perfmem/metrics writes (src/metrics/layout.ts, APP_ENTRY, a JSON AppIdentity)
 * naming an app or a cluster worker: perfmemory reads those bytes only, never imports metrics.
 */
const APP_RECORD = Buffer.from('perfmem.metrics.v1.app\0');
const MEMBER = /"(app":"|clusterWorker":true)/;

function holdsAppMemberMetrics(fd: number): boolean {
  try {
    const size = Math.min(fstatSync(fd).size, MAX_REGION_SIZE);
    const bytes = Buffer.allocUnsafe(size);
    const n = readSync(fd, bytes, 0, size, 0);
    const at = bytes.subarray(0, n).indexOf(APP_RECORD);
    // The record's text follows its name within an entry: a few hundred bytes at most.
    return at >= 0 && MEMBER.test(bytes.subarray(at, Math.min(n, at + 1024)).toString('latin1'));
  } catch {
    return false;
  }
}

/**
 * Sweeps the stale files of `<base>/hsperfdata_<user>` as a region's creation does (this
 * process's own file and live ones are never touched), with this process's hooks: what
 * perfmem/metrics runs at its start to fold and remove the regions that cleanups without it
 * left. Returns the names removed; [] when the directory is missing or unsafe.
 */
export function sweepStaleRegions(base: string): string[] {
  const user = effectiveUser();
  let dir: SecureDirectory;
  try {
    dir = SecureDirectory.open(userDirectory(base, user.name), user.uid);
  } catch {
    return [];
  }
  try {
    return cleanupStaleFiles(dir, 0);
  } finally {
    dir.close();
  }
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
      if (staleHooks.length === 0 && pid !== selfPid && held.fd >= 0 && holdsAppMemberMetrics(held.fd)) continue;
      let saved = true;
      for (const hook of staleHooks) {
        try {
          hook(dir.at(name), dir.display(name));
        } catch {
          saved = false;
        }
      }
      if ((saved || pid === selfPid) && remove(dir, name)) removed.push(name);
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
