/**
 * The shm_open name space: validation of names and flags (FreeBSD's rules), and where a
 * name lives on Linux (a file in /dev/shm).
 */
import { constants } from 'node:fs';
import { fail, invalidType } from './errors.js';

/** Pass as the path to `shmOpen` for an anonymous object, as FreeBSD's SHM_ANON. */
export const SHM_ANON: unique symbol = Symbol('SHM_ANON');
export type ShmPath = string | typeof SHM_ANON;

/** The directory that holds named objects on Linux (glibc's choice, a tmpfs). */
export const SHM_DIR = '/dev/shm';

/** FreeBSD's MAXPATHLEN (1024) less the terminating NUL. */
export const SHM_PATH_MAX = 1023;
/** The longest file name the filesystem takes (NAME_MAX). */
export const SHM_NAME_MAX = 255;

const { O_ACCMODE = 3, O_RDONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC } = constants as typeof constants & { O_ACCMODE?: number };
const OPEN_FLAGS = O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC;

/**
 * Checks `flags` as FreeBSD's shm_open does: the access mode must be O_RDONLY or O_RDWR, and
 * only O_CREAT, O_EXCL and O_TRUNC may join it. Anything else: EINVAL.
 */
export function checkOpenFlags(flags: unknown, syscall: string, label?: string): number {
  if (typeof flags !== 'number') throw invalidType('flags', 'of type number', flags);
  if (!Number.isInteger(flags) || flags < 0 || flags > 0x7fffffff) throw fail('EINVAL', syscall, label);
  const access = flags & O_ACCMODE;
  if ((access !== O_RDONLY && access !== O_RDWR) || (flags & ~OPEN_FLAGS) !== 0) throw fail('EINVAL', syscall, label);
  return flags;
}

/**
 * Checks a shm name and returns the part after the slash. In FreeBSD's order: too long
 * (over 1023 bytes, or over 255 after the slash) is ENAMETOOLONG; no leading slash, another
 * slash, NUL, or nothing (or '.' or '..') after the slash is EINVAL. Lengths are UTF-8 bytes.
 */
export function checkName(path: unknown, syscall: string): string {
  // SHM_ANON names no object: it cannot be unlinked or renamed.
  if (path === SHM_ANON) throw fail('EINVAL', syscall, 'SHM_ANON');
  if (typeof path !== 'string') throw invalidType('path', 'a string or SHM_ANON', path);
  const bytes = Buffer.byteLength(path);
  if (bytes > SHM_PATH_MAX) throw fail('ENAMETOOLONG', syscall, path);
  if (!path.startsWith('/')) throw fail('EINVAL', syscall, path);
  const name = path.slice(1);
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw fail('EINVAL', syscall, path);
  if (bytes - 1 > SHM_NAME_MAX) throw fail('ENAMETOOLONG', syscall, path);
  return name;
}

/** The file behind a valid name. */
export function fileOf(name: string, dir = SHM_DIR): string {
  return `${dir}/${name}`;
}

/** True when open flags ask for read-only access. */
export function isReadOnly(flags: number): boolean {
  return (flags & O_ACCMODE) === O_RDONLY;
}

/** Validates a permission mode (a non-negative integer) and keeps its permission bits. */
export function checkMode(mode: unknown): number {
  if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0) throw invalidType('mode', 'a non-negative integer', mode);
  return mode & 0o777;
}
