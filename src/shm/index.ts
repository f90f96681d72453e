/**
 * perfmem/shm: POSIX shared memory objects for Node, with the semantics of FreeBSD's
 * shm_open(2) where Linux differs, and mappings that cannot crash the process.
 */
export { mapFd, Mapping } from './mapping.js';
export type { MapAccess, MapFdOptions } from './mapping.js';
export { getPageSizes } from './pagesizes.js';
export { ShmError } from './errors.js';
