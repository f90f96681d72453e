/** An open shared memory object: its descriptor, size, contents, mappings and seals. */
import { closeSync, fstatSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { addSeals as sysAddSeals, getSeals as sysGetSeals, fallocate, isErrorCode, relabel } from '../sys/index.js';
import { checkByteCount, fail, invalidType } from './errors.js';
import { mapFd, writeThroughMapping, type MapAccess, type Mapping } from './mapping.js';
import { getPageSizes, hugePageSizeOf } from './pagesizes.js';

/** What FreeBSD's fstat(2) of a shm object tells; `mode` is the permission bits only. */
export interface ShmStat {
  size: number;
  mode: number;
  uid: number;
  gid: number;
  ino: number;
  nlink: number;
  atime: Date;
  mtime: Date;
  ctime: Date;
}

export interface MapOptions {
  /** Default 0. */
  offset?: number;
  /** Default: the object's size less `offset`. */
  length?: number;
  /** Default 'readwrite', or 'read' for an object opened O_RDONLY. */
  access?: MapAccess;
}

/** FreeBSD's `struct shm_largepage_conf`. */
export interface LargepageConfig {
  /** Index into `getPageSizes()` of the page size backing the object. */
  psind: number;
  /** SHM_LARGEPAGE_ALLOC_DEFAULT, _NOWAIT or _HARD. */
  allocPolicy: number;
}

/** How an object was made; decides the few behaviours that differ between kinds. */
export interface ObjectOrigin {
  /** '/name' for a named object, null for an anonymous one. */
  path: string | null;
  /** How errors name the object: the path, 'SHM_ANON', or 'memfd:<name>'. */
  label: string;
  /** memfd objects grow on write; shm_open ones never do (FreeBSD). */
  growsOnWrite: boolean;
  readOnly: boolean;
  allocPolicy?: number;
  /** st_blksize when the opener has already called fstat. */
  blksize?: number;
}

const token = Symbol('ShmObject');

export class ShmObject {
  /** '/name' for a named object, null for an anonymous one (SHM_ANON, memfd). */
  readonly path: string | null;
  #fd: number;
  readonly #label: string;
  readonly #growsOnWrite: boolean;
  readonly #readOnly: boolean;
  /** Set for objects on hugetlb memory. */
  #largepage: { pageSize: number; config: LargepageConfig } | null;

  /** @internal Made by shmOpen, memfdCreate and shmCreateLargepage. */
  constructor(key: symbol, fd: number, origin: ObjectOrigin) {
    if (key !== token) throw new TypeError('ShmObject is made by shmOpen(), memfdCreate() or shmCreateLargepage()');
    this.#fd = fd;
    this.path = origin.path;
    this.#label = origin.label;
    this.#growsOnWrite = origin.growsOnWrite;
    this.#readOnly = origin.readOnly;
    const huge = hugePageSizeOf(fd, origin.blksize);
    this.#largepage = huge === 0 ? null : {
      pageSize: huge,
      config: { psind: getPageSizes().indexOf(huge), allocPolicy: origin.allocPolicy ?? 0 },
    };
  }

  /** The descriptor (close-on-exec unless made by memfdCreate without MFD_CLOEXEC); -1 once closed. */
  get fd(): number {
    return this.#fd;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  #open(syscall: string): number {
    if (this.#fd < 0) throw fail('EBADF', syscall, this.#label);
    return this.#fd;
  }

  /** The current size in bytes (fstat: another process may have changed it). */
  get size(): number {
    return this.stat().size;
  }

  stat(): ShmStat {
    const fd = this.#open('fstat');
    try {
      const s = fstatSync(fd);
      return { size: s.size, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, ino: s.ino, nlink: s.nlink, atime: s.atime, mtime: s.mtime, ctime: s.ctime };
    } catch (err) {
      throw relabel(err, 'fstat', this.#label);
    }
  }

  /**
   * Sets the size (ftruncate). On a large-page object the length must be a multiple of the
   * large page (EINVAL), and the memory is allocated now: ENOMEM when the kernel has no huge
   * pages to give, with the size left as it was.
   */
  truncate(length: number): void {
    const fd = this.#open('ftruncate');
    if (typeof length !== 'number') throw invalidType('length', 'of type number', length);
    if (!Number.isSafeInteger(length) || length < 0) throw fail('EINVAL', 'ftruncate', this.#label);
    const lp = this.#largepage;
    if (lp !== null && length % lp.pageSize !== 0) throw fail('EINVAL', 'ftruncate', this.#label);
    const before = lp === null ? 0 : fstatSync(fd).size;
    try {
      ftruncateSync(fd, length);
    } catch (err) {
      throw relabel(err, 'ftruncate', this.#label);
    }
    if (lp === null || length <= before) return;
    try {
      fallocate(fd, before, length - before, this.#label);
    } catch (err) {
      ftruncateSync(fd, before);
      // hugetlbfs says ENOSPC when its pool is empty; FreeBSD's ftruncate says ENOMEM.
      if (isErrorCode(err, 'ENOSPC', 'ENOMEM')) throw fail('ENOMEM', 'ftruncate', this.#label);
      throw relabel(err, 'ftruncate', this.#label);
    }
  }

  /** pread: reads up to `buffer.byteLength` bytes at `position`; returns how many (0 at the end). */
  read(buffer: NodeJS.ArrayBufferView, position = 0): number {
    const fd = this.#open('pread');
    checkByteCount('position', position, 0);
    try {
      return readSync(fd, buffer, 0, buffer.byteLength, position);
    } catch (err) {
      throw relabel(err, 'pread', this.#label);
    }
  }

  /**
   * pwrite: writes `buffer` at `position` and returns the bytes written. A shm_open object
   * never grows by a write (FreeBSD): past its end the write is short, 0 at or beyond it.
   * A memfd object grows, as on Linux and FreeBSD (except on hugetlb memory, which never does).
   */
  write(buffer: NodeJS.ArrayBufferView, position = 0): number {
    const fd = this.#open('pwrite');
    checkByteCount('position', position, 0);
    try {
      const lp = this.#largepage;
      let length = buffer.byteLength;
      // hugetlb memory cannot grow by a write either, whatever made it.
      if (!this.#growsOnWrite || lp !== null) length = Math.max(0, Math.min(length, fstatSync(fd).size - position));
      if (length === 0) return 0;
      if (lp !== null) {
        // hugetlbfs has no write(2); a large-page object is written through a mapping instead.
        const part = new Uint8Array(buffer.buffer, buffer.byteOffset, length);
        return writeThroughMapping(fd, part, position, lp.pageSize, this.#label);
      }
      return writeSync(fd, buffer, 0, length, position);
    } catch (err) {
      throw relabel(err, 'pwrite', this.#label);
    }
  }

  /** Maps a range of the object (see `mapFd`). */
  map(options: MapOptions = {}): Mapping {
    const fd = this.#open('mmap');
    const offset = options.offset ?? 0;
    const length = options.length ?? Math.max(0, this.size - (typeof offset === 'number' ? offset : 0));
    return mapFd(fd, { offset, length, access: options.access ?? (this.#readOnly ? 'read' : 'readwrite'), path: this.#label });
  }

  /** fcntl(F_ADD_SEALS). EPERM without MFD_ALLOW_SEALING or after F_SEAL_SEAL; EBUSY for F_SEAL_WRITE while a writable mapping exists. */
  addSeals(seals: number): void {
    const fd = this.#open('fcntl');
    if (!Number.isInteger(seals) || seals < 0) throw fail('EINVAL', 'fcntl', this.#label);
    try {
      sysAddSeals(fd, seals);
    } catch (err) {
      throw relabel(err, 'fcntl', this.#label);
    }
  }

  /** fcntl(F_GET_SEALS). An object that does not allow sealing reports F_SEAL_SEAL. */
  getSeals(): number {
    const fd = this.#open('fcntl');
    try {
      return sysGetSeals(fd);
    } catch (err) {
      throw relabel(err, 'fcntl', this.#label);
    }
  }

  /** @internal largepageConfig() reads and updates this. */
  static largepage(obj: ShmObject): { pageSize: number; config: LargepageConfig } | null {
    obj.#open('ioctl');
    return obj.#largepage;
  }

  /** Closes the descriptor; mappings stay valid. Calling it again does nothing. */
  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeSync(fd);
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** @internal Wraps a fresh descriptor; closes it if wrapping fails. */
export function wrapFd(fd: number, origin: ObjectOrigin): ShmObject {
  try {
    return new ShmObject(token, fd, origin);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
