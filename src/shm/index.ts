/**
 * perfmem/shm: POSIX shared memory objects for Node, with the semantics of FreeBSD's
 * shm_open(2) where Linux differs, and mappings that cannot crash the process.
 */
export { SHM_ANON, SHM_DIR } from './names.js';
export type { ShmPath } from './names.js';
export { shmOpen, shmUnlink, shmRename, memfdCreate, SHM_RENAME_NOREPLACE, SHM_RENAME_EXCHANGE, MFD_NAME_MAX } from './open.js';
export { ShmObject } from './object.js';
export type { ShmStat, MapOptions, LargepageConfig } from './object.js';
export { mapFd, Mapping, MAX_LIVE_MAPPINGS } from './mapping.js';
export type { MapAccess, MapFdOptions } from './mapping.js';
export {
  shmCreateLargepage, largepageConfig,
  SHM_LARGEPAGE_ALLOC_DEFAULT, SHM_LARGEPAGE_ALLOC_NOWAIT, SHM_LARGEPAGE_ALLOC_HARD,
} from './largepage.js';
export { getPageSizes } from './pagesizes.js';
export { listObjects } from './list.js';
export type { ShmObjectInfo } from './list.js';
export { ShmError } from './errors.js';
export {
  MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_HUGETLB,
  F_SEAL_SEAL, F_SEAL_SHRINK, F_SEAL_GROW, F_SEAL_WRITE, F_SEAL_FUTURE_WRITE,
} from '../sys/index.js';
