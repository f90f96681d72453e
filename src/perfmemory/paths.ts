/**
 * Where regions live: `<base>/hsperfdata_<user>/<pid>`, the layout HotSpot uses. The JDK
 * hard-codes the base `/tmp` (not $TMPDIR); perfmem also offers `/dev/shm` (tmpfs, never
 * written back to disk) and any base the user names.
 */
import { readdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { SHM_DIR } from '../shm/names.js';

/** The prefix of every per-user directory (HotSpot's PERFDATA_NAME). */
export const PERFDATA_DIR_PREFIX = 'hsperfdata_';
/** The base the JDK and its tools use. */
export const DEFAULT_BASE = '/tmp';
/** The base for regions in POSIX shared memory (tmpfs): `/dev/shm/hsperfdata_<user>/<pid>`. */
export const SHM_BASE = SHM_DIR;

/** The names in a directory; ENOENT/ENOTDIR/EACCES mean "nothing here for us". */
export function listOrEmpty(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** The users with an `hsperfdata_<user>` directory under `base`. */
export function userDirectoryNames(base: string): string[] {
  return listOrEmpty(base).filter((n) => n.startsWith(PERFDATA_DIR_PREFIX)).map((n) => n.slice(PERFDATA_DIR_PREFIX.length));
}

/** `<base>/hsperfdata_<user>` */
export function userDirectory(base: string, user: string): string {
  return `${base.endsWith('/') && base.length > 1 ? base.slice(0, -1) : base}/${PERFDATA_DIR_PREFIX}${user}`;
}

/**
 * The pid a region file's name stands for, or 0 when the name is not a pid (HotSpot's
 * filename_to_pid: decimal digits only, starting with a digit, fitting a pid_t).
 */
export function pidFromFileName(name: string): number {
  if (!/^[0-9]+$/.test(name)) return 0;
  const pid = Number(name);
  return pid <= 0x7fffffff ? pid : 0;
}

/** The user name this process's regions are filed under, and the effective uid that owns them. */
export interface EffectiveUser {
  uid: number;
  name: string;
}

/**
 * The effective user's login name (libuv asks getpwuid_r for geteuid(), as HotSpot does).
 * Where the passwd database has no entry (containers running an arbitrary uid), the uid in
 * decimal stands in: JDK tools list every hsperfdata_* directory, so the region stays visible.
 */
export function effectiveUser(): EffectiveUser {
  const uid = process.geteuid?.() ?? 0;
  let name = '';
  try {
    name = userInfo().username;
  } catch {
    // no passwd entry for this uid
  }
  if (name === '' || name.includes('/')) name = String(uid);
  return { uid, name };
}
