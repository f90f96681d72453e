/**
 * Mappings of a descriptor's memory that can never crash the process.
 *
 * koffi's ArrayBuffers over mapped memory cannot be detached, so a view may outlive `unmap()`.
 * `unmap()` therefore does not munmap: it maps private zero pages over the range (MAP_FIXED),
 * cutting it off from the object while keeping the addresses valid. The real munmap happens
 * when the ArrayBuffer is garbage-collected, by which time no view can reach the range.
 */
import { fstatSync, readFileSync } from 'node:fs';
import {
  mmap, munmap, mmapAnonymousOver, view, pageSize,
  PROT_READ, PROT_WRITE, MAP_SHARED, MAP_PRIVATE, MAP_NORESERVE,
} from '../sys/index.js';
import { ShmError, checkByteCount, fail, outOfRange } from './errors.js';
import { hugePageSizeOf } from './pagesizes.js';

/**
 * `readwrite`: a shared mapping; every store is visible at once to every other mapping of
 * the object, in any process. `read`: the object's bytes as they change, but stores through
 * the view stay private to this process (copy-on-write), so a stray write cannot crash the
 * process or change the object. A page this process has written stops following the object.
 */
export type MapAccess = 'read' | 'readwrite';

export interface MapFdOptions {
  /** Byte offset into the file; need not be page-aligned. Default 0. */
  offset?: number;
  /** Bytes to map; offset + length must lie within the file's current size. */
  length: number;
  /** Default 'readwrite'. */
  access?: MapAccess;
  /** The name to put in errors (e.g. '/x' for a shm object). */
  path?: string;
}

interface Region {
  address: number;
  length: number;
  /** Still a mapping of the object (not yet unmapped nor released). */
  live: boolean;
}

/**
 * Each live mapping is a kernel VMA, and a process has only vm.max_map_count of them (65530 by
 * default). Unreachable mappings are released only after a GC *and* a turn of the event loop,
 * so a synchronous loop that maps without unmapping would exhaust them, and V8 aborts the
 * process when its own heap cannot map. perfmem stops at a quarter of the limit instead, with
 * a coded error. (Unmapped ranges do not count: their overlays merge into few VMAs.)
 */
export const MAX_LIVE_MAPPINGS = Math.max(1024, Math.floor(readMaxMapCount() / 4));
let liveMappings = 0;

function readMaxMapCount(): number {
  try {
    return Number(readFileSync('/proc/sys/vm/max_map_count', 'utf8')) || 65530;
  } catch {
    return 65530;
  }
}

// Unmapped or not, the range is released once nothing can reach its ArrayBuffer any more.
const release = new FinalizationRegistry<Region>((r) => {
  if (r.live) liveMappings--;
  r.live = false;
  try {
    munmap(r.address, r.length);
  } catch {
    // Nothing sensible to do inside a finalizer; the range merely stays reserved.
  }
});

const token = Symbol('Mapping');

/** A mapped range of a shared memory object or file. */
export class Mapping {
  /** The mapped bytes. After `unmap()` it reads as zeros and writes go nowhere. */
  readonly buffer: ArrayBuffer;
  readonly byteLength: number;
  readonly offset: number;
  readonly access: MapAccess;
  readonly #region: Region;

  /** @internal Use `mapFd()` or `ShmObject.map()`. */
  constructor(key: symbol, region: Region, skew: number, length: number, offset: number, access: MapAccess) {
    if (key !== token) throw new TypeError('Mapping is made by mapFd() or ShmObject.map()');
    this.#region = region;
    this.buffer = view(region.address + skew, length);
    this.byteLength = length;
    this.offset = offset;
    this.access = access;
    release.register(this.buffer, region);
  }

  /** False once `unmap()` has run. */
  get mapped(): boolean {
    return this.#region.live;
  }

  /**
   * Detaches the range from the object. Views over `buffer` stay safe to use: they read
   * zeros and their writes reach no one. Calling it again does nothing.
   */
  unmap(): void {
    if (!this.#region.live) return;
    mmapAnonymousOver(this.#region.address, this.#region.length);
    this.#region.live = false;
    liveMappings--;
  }

  [Symbol.dispose](): void {
    this.unmap();
  }
}


/**
 * Maps `length` bytes of `fd` from `offset`. Refuses (code `ERR_SHM_MAP_RANGE`) a range that
 * reaches past the file's current size, since touching such pages would SIGBUS the process.
 * OS failures are SystemErrors with syscall 'mmap' (EACCES for 'readwrite' on a read-only
 * descriptor, EPERM on a write-sealed object, ENOMEM, ...).
 */
export function mapFd(fd: number, options: MapFdOptions): Mapping {
  const offset = checkByteCount('offset', options.offset ?? 0, 0);
  const length = checkByteCount('length', options.length, 0);
  const access = options.access ?? 'readwrite';
  if (access !== 'read' && access !== 'readwrite') throw outOfRange('access', "'read' or 'readwrite'", access);
  const path = options.path;
  if (length === 0) throw fail('EINVAL', 'mmap', path);
  if (liveMappings >= MAX_LIVE_MAPPINGS) {
    throw new ShmError('ERR_SHM_MAPPING_LIMIT',
      `cannot map ${path === undefined ? `fd ${fd}` : `'${path}'`}: ${liveMappings} mappings are live in this process ` +
      `(the limit is ${MAX_LIVE_MAPPINGS}); unmap() those no longer needed (unreachable ones are released only after a garbage collection)`);
  }
  const { size, blksize } = fstatSync(fd);
  if (offset + length > size) {
    throw new ShmError('ERR_SHM_MAP_RANGE',
      `cannot map bytes ${offset}..${offset + length} of ${path === undefined ? `fd ${fd}` : `'${path}'`}: it holds ${size} bytes (truncate it first)`);
  }
  // mmap wants a page-aligned offset (a huge page on hugetlbfs, where lengths round up too).
  const granule = hugePageSizeOf(fd, blksize) || pageSize;
  const skew = offset % granule;
  const span = Math.ceil((skew + length) / granule) * granule;
  const huge = granule !== pageSize;
  const flags = access === 'readwrite' ? MAP_SHARED : MAP_PRIVATE | (huge ? 0 : MAP_NORESERVE);
  // 'read' keeps PROT_WRITE on a private mapping: a store through the view must not SIGSEGV.
  // On hugetlb, a private mapping reserves its copy-on-write pages now (ENOMEM here, not SIGBUS later).
  const address = mmap(0, span, PROT_READ | PROT_WRITE, flags, fd, offset - skew, path);
  let mapping: Mapping;
  try {
    mapping = new Mapping(token, { address, length: span, live: true }, skew, length, offset, access);
  } catch (err) {
    munmap(address, span); // no view was made, so nothing can reach the range
    throw err;
  }
  liveMappings++;
  return mapping;
}

/**
 * Copies `source` into `fd` at `position` through a short-lived shared mapping, for files
 * whose filesystem has no write(2) (hugetlbfs). No view escapes, so it munmaps at once.
 * The caller keeps the range within the file's size.
 */
export function writeThroughMapping(fd: number, source: NodeJS.ArrayBufferView, position: number, granule: number, path?: string): number {
  const skew = position % granule;
  const span = Math.ceil((skew + source.byteLength) / granule) * granule;
  const address = mmap(0, span, PROT_READ | PROT_WRITE, MAP_SHARED, fd, position - skew, path);
  try {
    new Uint8Array(view(address, span)).set(new Uint8Array(source.buffer, source.byteOffset, source.byteLength), skew);
  } finally {
    munmap(address, span);
  }
  return source.byteLength;
}
