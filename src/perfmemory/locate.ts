/**
 * Finding another process's region file, as HotSpot's attach does: the owning user is found by
 * scanning the `hsperfdata_*` directories (get_user_name_slow: secure directories only, a
 * regular non-empty file named after the pid, the newest ctime wins), in /tmp and in perfmem's
 * other bases, and inside a container's /tmp (`/proc/<pid>/root/tmp`, where the file is named
 * after the process's pid in its own namespace).
 */
import { lstatSync, statSync } from 'node:fs';
import { PerfMemoryError } from './errors.js';
import { fileInsecurity, insecureFile, readerOwner, SecureDirectory } from './directory.js';
import { DEFAULT_BASE, SHM_BASE, userDirectory, userDirectoryNames } from './paths.js';
import { liveness, namespacePids } from './proc.js';

/** A base directory to search, and the name the region file has there. */
export interface SearchPlace {
  base: string;
  /** The pid the file is named after: the pid in the process's own pid namespace. */
  filePid: number;
  /** Looked at only when no other place has the file. */
  fallback?: boolean;
}

export interface FoundRegion {
  /** The user directory, still open: the file is opened through it (then close it). */
  handle: SecureDirectory;
  /** The file's name: the pid, or its pid inside a container's namespace. */
  filePid: number;
  path: string;
}

/** The bases perfmem's own regions may live in: /tmp, /dev/shm and $PERFMEM_DIR. */
export function localBases(): string[] {
  const bases = [DEFAULT_BASE, SHM_BASE];
  const env = process.env.PERFMEM_DIR;
  if (env !== undefined && env !== '' && env.startsWith('/') && !bases.includes(env)) bases.push(env);
  return bases;
}

function sameRootAsOurs(pid: number): boolean {
  try {
    const theirs = statSync(`/proc/${pid}/root`);
    const ours = statSync('/');
    return theirs.dev === ours.dev && theirs.ino === ours.ino;
  } catch {
    return true; // cannot look inside: treat it as ours
  }
}

/** Where to look for `pid`'s region. */
export function searchPlaces(pid: number, dir?: string): SearchPlace[] {
  if (dir !== undefined) return [{ base: dir, filePid: pid }];
  const places: SearchPlace[] = localBases().map((base) => ({ base, filePid: pid }));
  const nspids = namespacePids(pid);
  const inner = nspids[nspids.length - 1] ?? pid;
  if (inner !== pid || !sameRootAsOurs(pid)) {
    // A container: its /tmp is reached through the process's root, the file named by its inner pid.
    places.push({ base: `/proc/${pid}/root/tmp`, filePid: inner });
    if (inner !== pid) places.push({ base: `/proc/${pid}/root/tmp`, filePid: pid });
  } else {
    // Same root, but perhaps a /tmp of its own (a mount namespace, systemd's PrivateTmp): as
    // HotSpot does, look there too when nothing is found in ours.
    places.push({ base: `/proc/${pid}/root/tmp`, filePid: pid, fallback: true });
  }
  return places;
}

/**
 * Finds the region file of `pid`. With `user`, only that user's directories are considered.
 * Throws ERR_PROCESS_NOT_FOUND when the process is gone or has no file, ERR_PERFDATA_ACCESS when
 * it belongs to someone this process may not signal, ERR_INSECURE_DIRECTORY when the only
 * candidate lies in an unsafe directory.
 */
export function findRegion(pid: number, options: { dir?: string; user?: string } = {}): FoundRegion {
  const alive = liveness(pid);
  if (alive === 'gone') throw new PerfMemoryError('ERR_PROCESS_NOT_FOUND', `Process not found: no process ${pid}`);
  if (alive === 'denied') throw new PerfMemoryError('ERR_PERFDATA_ACCESS', `Operation not permitted: cannot signal process ${pid}`);
  const owner = readerOwner();
  let best: (FoundRegion & { ctimeMs: number }) | undefined;
  let keep = false;
  let insecure: PerfMemoryError | undefined;
  const places = searchPlaces(pid, options.dir);
  for (const { base, filePid, fallback } of places) {
    if (fallback === true && best !== undefined) continue;
    const users = options.user !== undefined
      ? [options.user]
      : userDirectoryNames(base);
    for (const user of users) {
      const dir = userDirectory(base, user);
      let secure: SecureDirectory;
      try {
        secure = SecureDirectory.open(dir, owner);
      } catch (err) {
        // Remember why a directory holding the file was refused, to say so if nothing else is found.
        if (err instanceof PerfMemoryError && hasEntry(dir, filePid)) insecure ??= err;
        continue;
      }
      try {
        const st = lstatSync(secure.at(String(filePid)), { throwIfNoEntry: false });
        if (st === undefined) continue;
        const path = `${dir}/${filePid}`;
        const why = fileInsecurity(st);
        if (why !== undefined) {
          // Skipped as HotSpot skips it; remembered to explain an empty result.
          insecure ??= insecureFile(path, why);
          continue;
        }
        if (st.size <= 0) continue;
        if (best === undefined || st.ctimeMs > best.ctimeMs) {
          best?.handle.close();
          best = { handle: secure, filePid, path, ctimeMs: st.ctimeMs };
          keep = true;
        }
      } finally {
        if (!keep) secure.close();
        keep = false;
      }
    }
  }
  if (best !== undefined) {
    const { ctimeMs: _ctime, ...found } = best;
    return found;
  }
  if (insecure !== undefined) throw insecure;
  const where = places.filter((p) => p.fallback !== true).map((p) => `${userDirectory(p.base, options.user ?? '*')}/${p.filePid}`).join(', ');
  throw new PerfMemoryError('ERR_PROCESS_NOT_FOUND', `Process not found: could not map vmid ${pid} to a user name (no file ${where})`);
}

function hasEntry(dir: string, name: number): boolean {
  try {
    lstatSync(`${dir}/${name}`);
    return true;
  } catch {
    return false;
  }
}
