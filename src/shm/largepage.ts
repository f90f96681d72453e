/**
 * Large-page objects (FreeBSD's shm_create_largepage), backed on Linux by hugetlb memory:
 * a memfd with MFD_HUGETLB for SHM_ANON, a file on a hugetlbfs mount for a named object.
 */
import { constants, openSync } from 'node:fs';
import { memfdCreate as sysMemfdCreate, relabel, MFD_CLOEXEC, MFD_HUGETLB, MFD_HUGE_SHIFT } from '../sys/index.js';
import { ShmError, fail } from './errors.js';
import { SHM_ANON, checkMode, checkName, checkOpenFlags, fileOf, isReadOnly, type ShmPath } from './names.js';
import { ShmObject, wrapFd, type LargepageConfig } from './object.js';
import { getPageSizes, hugetlbfsMounts } from './pagesizes.js';

/** Try to allocate, and if memory is short let the kernel reclaim and try again (on Linux: as NOWAIT). */
export const SHM_LARGEPAGE_ALLOC_DEFAULT = 0;
/** Fail at once with ENOMEM when no large page is free. */
export const SHM_LARGEPAGE_ALLOC_NOWAIT = 1;
/** On FreeBSD, defragment until it works; Linux has no such wait, so this too fails with ENOMEM. */
export const SHM_LARGEPAGE_ALLOC_HARD = 2;

function checkPolicy(policy: unknown, syscall: string, label: string): number {
  if (policy !== SHM_LARGEPAGE_ALLOC_DEFAULT && policy !== SHM_LARGEPAGE_ALLOC_NOWAIT && policy !== SHM_LARGEPAGE_ALLOC_HARD) {
    throw fail('EINVAL', syscall, label);
  }
  return policy;
}

/**
 * Creates (O_CREAT is implied) a large-page object whose memory comes in pages of
 * `getPageSizes()[psind]` bytes (psind >= 1). Its size must be a multiple of that page, and
 * `truncate()` allocates the pages at once (ENOMEM when the kernel has none to give: on Linux
 * reserve them in /proc/sys/vm/nr_hugepages). ENOTTY where the kernel has no huge pages.
 * A named object needs a hugetlbfs mount of that page size (ERR_SHM_NO_HUGETLBFS otherwise).
 */
export function shmCreateLargepage(path: ShmPath, flags: number, psind: number, allocPolicy: number, mode = 0o600): ShmObject {
  const label = typeof path === 'string' ? path : 'SHM_ANON';
  checkOpenFlags(flags | constants.O_CREAT, 'shm_create_largepage', label);
  const sizes = getPageSizes();
  if (sizes.length < 2) throw fail('ENOTTY', 'shm_create_largepage', label);
  if (!Number.isInteger(psind) || psind < 1 || psind >= sizes.length) throw fail('EINVAL', 'shm_create_largepage', label);
  checkPolicy(allocPolicy, 'shm_create_largepage', label);
  const pageSize = sizes[psind]!;
  if (path === SHM_ANON) {
    if (isReadOnly(flags)) throw fail('EINVAL', 'shm_create_largepage', label);
    const fd = sysMemfdCreate('SHM_ANON', MFD_CLOEXEC | MFD_HUGETLB | (Math.log2(pageSize) << MFD_HUGE_SHIFT));
    return wrapFd(fd, { path: null, label, growsOnWrite: false, readOnly: false, allocPolicy });
  }
  const name = checkName(path, 'shm_create_largepage');
  const perm = checkMode(mode);
  const mount = hugetlbfsMounts().find((m) => m.pageSize === pageSize);
  if (mount === undefined) {
    throw new ShmError('ERR_SHM_NO_HUGETLBFS',
      `cannot create the named large-page object '${path}': no hugetlbfs is mounted for ${pageSize / 1024} KiB pages ` +
      `(mount -t hugetlbfs -o pagesize=${pageSize / 1024}K none <dir>), and Linux can only name hugetlb memory there; SHM_ANON works without one`);
  }
  let fd: number;
  try {
    fd = openSync(fileOf(name, mount.dir), flags | constants.O_CREAT | constants.O_NOFOLLOW, perm);
  } catch (err) {
    throw relabel(err, 'shm_create_largepage', path);
  }
  return wrapFd(fd, { path, label, growsOnWrite: false, readOnly: isReadOnly(flags), allocPolicy });
}

/**
 * Gets, and with `update` sets, an object's large-page configuration (FreeBSD's
 * FIOGSHMLPGCNF / FIOSSHMLPGCNF ioctls). Only `allocPolicy` can change; another psind is
 * EINVAL. ENOTTY for an object that is not a large-page object.
 */
export function largepageConfig(obj: ShmObject, update?: Partial<LargepageConfig>): LargepageConfig {
  const lp = ShmObject.largepage(obj);
  const label = obj.path ?? 'anonymous object';
  if (lp === null) throw fail('ENOTTY', 'ioctl', label);
  if (update !== undefined) {
    if (update.psind !== undefined && update.psind !== lp.config.psind) throw fail('EINVAL', 'ioctl', label);
    if (update.allocPolicy !== undefined) lp.config.allocPolicy = checkPolicy(update.allocPolicy, 'ioctl', label);
  }
  return { ...lp.config };
}
