/** shm_open, shm_unlink, shm_rename and memfd_create, after FreeBSD's shm_open(2). */
import { accessSync, closeSync, constants, fstatSync, lstatSync, openSync, unlinkSync, type Stats } from 'node:fs';
import {
  memfdCreate as sysMemfdCreate, renameat2, getStatusFlags, setStatusFlags, isErrorCode, relabel,
  MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB, RENAME_NOREPLACE, RENAME_EXCHANGE,
} from '../sys/index.js';
import { fail, invalidType } from './errors.js';
import { SHM_ANON, checkMode, checkName, checkOpenFlags, fileOf, isReadOnly, type ShmPath } from './names.js';
import { ShmObject, wrapFd } from './object.js';
import { hugetlbfsMounts } from './pagesizes.js';

export const SHM_RENAME_NOREPLACE = 1;
export const SHM_RENAME_EXCHANGE = 2;

/** memfd_create's limit: NAME_MAX less the 6 bytes of the 'memfd:' prefix the kernel adds. */
export const MFD_NAME_MAX = 249;

const { O_CREAT, O_TRUNC, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * Opens (with O_CREAT, creates) the shared memory object `path` ('/name'), or with SHM_ANON
 * makes an anonymous one. `flags` from fs.constants: O_RDONLY or O_RDWR, plus O_CREAT, O_EXCL,
 * O_TRUNC. A new object has size 0 and permissions `mode` less the umask; the descriptor is
 * close-on-exec; a symlink is never followed (ELOOP).
 */
export function shmOpen(path: ShmPath, flags: number, mode = 0o600): ShmObject {
  checkOpenFlags(flags, 'shm_open', path === SHM_ANON ? 'SHM_ANON' : typeof path === 'string' ? path : undefined);
  const perm = checkMode(mode);
  const readOnly = isReadOnly(flags);
  if (path === SHM_ANON) {
    if (readOnly) throw fail('EINVAL', 'shm_open', 'SHM_ANON');
    // Anonymous objects are memfds that, like FreeBSD's, neither grow on write nor take seals.
    const fd = sysMemfdCreate('SHM_ANON', MFD_CLOEXEC);
    return wrapFd(fd, { path: null, label: 'SHM_ANON', growsOnWrite: false, readOnly: false });
  }
  const name = checkName(path, 'shm_open');
  // FreeBSD truncates only objects opened for writing; Linux would truncate on O_RDONLY too.
  const osFlags = (readOnly ? flags & ~O_TRUNC : flags) | O_NOFOLLOW | O_NONBLOCK;
  let fd: number | undefined;
  try {
    fd = openSync(fileOf(name), osFlags, perm);
  } catch (err) {
    // A named large-page object lives on hugetlbfs; look there before saying ENOENT.
    try {
      if (isErrorCode(err, 'ENOENT') && (flags & O_CREAT) === 0) fd = openOnHugetlbfs(name, osFlags);
    } catch (other) {
      throw relabel(other, 'shm_open', path);
    }
    if (fd === undefined) throw relabel(err, 'shm_open', path);
  }
  return finishOpen(fd, path, readOnly);
}

function openOnHugetlbfs(name: string, osFlags: number): number | undefined {
  for (const { dir } of hugetlbfsMounts()) {
    try {
      return openSync(fileOf(name, dir), osFlags);
    } catch (err) {
      if (!isErrorCode(err, 'ENOENT')) throw err;
    }
  }
  return undefined;
}

/**
 * O_NONBLOCK was only there so that a FIFO planted under the name cannot hang the open;
 * anything but a regular file is not a shm object.
 */
function finishOpen(fd: number, path: string, readOnly: boolean): ShmObject {
  let blksize: number;
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw fail('EINVAL', 'shm_open', path);
    blksize = stats.blksize;
    setStatusFlags(fd, getStatusFlags(fd) & ~O_NONBLOCK);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  return wrapFd(fd, { path, label: path, growsOnWrite: false, readOnly, blksize });
}

/**
 * Where a name's file is (/dev/shm, or a hugetlbfs mount for a named large-page object) and
 * its lstat; `stats` is undefined when the name exists nowhere.
 */
function locate(name: string): { file: string; stats?: Stats } {
  const file = fileOf(name);
  try {
    return { file, stats: lstatSync(file) };
  } catch (err) {
    if (!isErrorCode(err, 'ENOENT')) throw err;
  }
  for (const { dir } of hugetlbfsMounts()) {
    try {
      return { file: fileOf(name, dir), stats: lstatSync(fileOf(name, dir)) };
    } catch {
      // not there either
    }
  }
  return { file };
}

/**
 * Removes the name `path`; open descriptors and mappings keep the object alive. As on
 * FreeBSD this needs write permission to the object (EACCES), and Linux's sticky-bit refusal
 * (EPERM) is reported as EACCES too.
 */
export function shmUnlink(path: ShmPath): void {
  const name = checkName(path, 'shm_unlink');
  const label = `/${name}`;
  try {
    const { file, stats } = locate(name);
    // Only regular files are objects: a directory or symlink planted in /dev/shm is no object.
    if (stats === undefined || !stats.isFile()) throw fail('ENOENT', 'shm_unlink', label);
    accessSync(file, constants.W_OK);
    unlinkSync(file);
  } catch (err) {
    if (isErrorCode(err, 'EPERM')) throw fail('EACCES', 'shm_unlink', label);
    throw relabel(err, 'shm_unlink', label);
  }
}

/**
 * Atomically moves the object `from` to the name `to`, replacing what is there unless
 * SHM_RENAME_NOREPLACE (EEXIST, nothing changes) or SHM_RENAME_EXCHANGE (the two swap; onto a
 * missing `to` it is a plain rename, as on FreeBSD). Both flags, or other bits: EINVAL.
 */
export function shmRename(from: ShmPath, to: ShmPath, flags = 0): void {
  const badFlags = typeof flags !== 'number' || !Number.isInteger(flags) ||
    (flags & ~(SHM_RENAME_NOREPLACE | SHM_RENAME_EXCHANGE)) !== 0 || flags === (SHM_RENAME_NOREPLACE | SHM_RENAME_EXCHANGE);
  if (badFlags || from === SHM_ANON || to === SHM_ANON) {
    throw fail('EINVAL', 'shm_rename', typeof from === 'string' ? from : 'SHM_ANON', typeof to === 'string' ? to : 'SHM_ANON');
  }
  const fromName = checkName(from, 'shm_rename');
  const toName = checkName(to, 'shm_rename');
  let located: ReturnType<typeof locate>;
  try {
    located = locate(fromName);
  } catch (err) {
    throw relabel(err, 'shm_rename', from, to);
  }
  const fromFile = located.file;
  if (located.stats === undefined || !located.stats.isFile()) throw fail('ENOENT', 'shm_rename', from, to);
  const toFile = fileOf(toName, fromFile.slice(0, fromFile.lastIndexOf('/')));
  const osFlags = flags === SHM_RENAME_NOREPLACE ? RENAME_NOREPLACE : flags === SHM_RENAME_EXCHANGE ? RENAME_EXCHANGE : 0;
  try {
    try {
      renameat2(fromFile, toFile, osFlags, from, to, 'shm_rename');
    } catch (err) {
      // Linux refuses to exchange with a missing name; FreeBSD then simply renames. NOREPLACE
      // keeps that atomic: should `to` appear meanwhile, the exchange is tried again.
      if (osFlags !== RENAME_EXCHANGE || !isErrorCode(err, 'ENOENT') || !isRegularFile(fromFile)) throw err;
      for (;;) {
        try {
          renameat2(fromFile, toFile, RENAME_NOREPLACE, from, to, 'shm_rename');
          return;
        } catch (e) {
          if (!isErrorCode(e, 'EEXIST')) throw e;
        }
        try {
          renameat2(fromFile, toFile, RENAME_EXCHANGE, from, to, 'shm_rename');
          return;
        } catch (e) {
          if (!isErrorCode(e, 'ENOENT') || !isRegularFile(fromFile)) throw e;
        }
      }
    }
  } catch (err) {
    if (isErrorCode(err, 'EPERM')) throw fail('EACCES', 'shm_rename', from, to);
    throw err;
  }
}

function isRegularFile(file: string): boolean {
  try {
    return lstatSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * memfd_create: an anonymous object named `memfd:<name>` in /proc/<pid>/fd. flags: MFD_CLOEXEC,
 * MFD_ALLOW_SEALING, MFD_HUGETLB (the default huge page size). A name over 249 bytes or other
 * flags: EINVAL. Unlike shm_open objects, a memfd grows when written past its end.
 */
export function memfdCreate(name: string, flags = MFD_CLOEXEC): ShmObject {
  // FreeBSD's EBADF for a NULL name; JS's null and undefined are the nearest thing.
  if (name === null || name === undefined) throw fail('EBADF', 'memfd_create');
  if (typeof name !== 'string') throw invalidType('name', 'of type string', name);
  if (typeof flags !== 'number' || !Number.isInteger(flags) || (flags & ~(MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB)) !== 0 ||
      Buffer.byteLength(name) > MFD_NAME_MAX || name.includes('\0')) {
    throw fail('EINVAL', 'memfd_create', name);
  }
  const fd = sysMemfdCreate(name, flags);
  return wrapFd(fd, { path: null, label: `memfd:${name}`, growsOnWrite: true, readOnly: false });
}
