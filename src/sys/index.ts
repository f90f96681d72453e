/**
 * The one module that talks to libc through koffi. It holds only what Node itself lacks:
 * mmap/munmap, memfd_create, fcntl seals, renameat2, flock, fallocate. Every call captures
 * errno at once and turns a failure into a Node-shaped SystemError.
 *
 * koffi is loaded on the first libc call, not at import: readers (`perfmem ps`, `snap`,
 * `stat`, attach) never need it, and loading it costs tens of milliseconds of start-up.
 */
import { constants } from 'node:os';
import { systemError } from './errors.js';
import { loadKoffi, type Koffi } from './koffi-load.js';
import { readHead } from './read-head.js';

export { systemError, isErrorCode, relabel } from './errors.js';
export type { SystemError } from './errors.js';
export { koffiLoader } from './koffi-load.js';
export { readHead } from './read-head.js';

if (process.platform !== 'linux') {
  throw new Error(`perfmem supports Linux only (this is ${process.platform})`);
}

type CFunction = (...args: unknown[]) => unknown;

// Addresses travel as plain numbers: user-space addresses on x86-64 and arm64 fit in 2^53.
const SIGNATURES = {
  mmap: 'intptr_t mmap(intptr_t addr, size_t length, int prot, int flags, int fd, int64_t offset)',
  munmap: 'int munmap(intptr_t addr, size_t length)',
  memfd_create: 'int memfd_create(const char *name, unsigned int flags)',
  fcntl: 'int fcntl(int fd, int cmd, int arg)',
  renameat2: 'int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)',
  flock: 'int flock(int fd, int operation)',
  sysconf: 'long sysconf(int name)',
  fallocate: 'int fallocate(int fd, int mode, int64_t offset, int64_t len)',
  lseek: 'int64_t lseek(int fd, int64_t offset, int whence)',
} as const;
type LibcName = keyof typeof SIGNATURES;

let loaded: { koffi: Koffi; lib: ReturnType<Koffi['load']> } | undefined;
const bound: Partial<Record<LibcName, CFunction>> = {};

function koffi(): Koffi {
  loaded ??= (() => {
    const k = loadKoffi();
    return { koffi: k, lib: k.load('libc.so.6') };
  })();
  return loaded.koffi;
}

/** The libc function `name`, declared on its first use (a process that only locks binds flock alone). */
function libc(name: LibcName): CFunction {
  let f = bound[name];
  if (f === undefined) {
    koffi();
    f = bound[name] = loaded!.lib.func(SIGNATURES[name]) as CFunction;
  }
  return f;
}

/** Linux values (identical on x86-64 and arm64). */
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_NORESERVE = 0x4000;

export const MFD_CLOEXEC = 0x1;
export const MFD_ALLOW_SEALING = 0x2;
export const MFD_HUGETLB = 0x4;
/** memfd_create with MFD_HUGETLB: log2 of the huge page size, shifted by this, picks the size. */
export const MFD_HUGE_SHIFT = 26;

export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_ADD_SEALS = 1033;
export const F_GET_SEALS = 1034;
export const F_SEAL_SEAL = 0x1;
export const F_SEAL_SHRINK = 0x2;
export const F_SEAL_GROW = 0x4;
export const F_SEAL_WRITE = 0x8;
export const F_SEAL_FUTURE_WRITE = 0x10;

export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;

export const AT_FDCWD = -100;

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

const _SC_CLK_TCK = 2;
const AT_PAGESZ = 6;
const AT_CLKTCK = 17;

/**
 * This process's auxiliary vector (what the kernel told it at exec: the page size, the clock
 * tick rate), read once from /proc/self/auxv without loading koffi; empty without /proc.
 */
function readAuxv(): Map<number, number> {
  const entries = new Map<number, number>();
  try {
    // One read into a small buffer (the vector is a few hundred bytes; what does not fit is
    // left out, and the two entries perfmem wants come early): every process that loads
    // perfmem runs this, and readFileSync's way for a file of unknown size costs more.
    const bytes = new Uint8Array(1024);
    const n = readHead('/proc/self/auxv', bytes);
    // Pairs of native-endian unsigned longs (8 bytes on the 64-bit little-endian platforms
    // perfmem runs on), read as two 32-bit halves: no bigint per word. A DataView: Buffer's
    // read methods would run as interpreted code, once, at every start.
    const v = new DataView(bytes.buffer);
    const word = (at: number): number => v.getUint32(at, true) + v.getUint32(at + 4, true) * 2 ** 32;
    for (let at = 0; at + 16 <= n; at += 16) {
      const key = word(at);
      if (key === 0) break;
      entries.set(key, word(at + 8));
    }
  } catch {
    // No /proc: sysconf through koffi answers instead.
  }
  return entries;
}
const auxv = readAuxv();
const _SC_PAGESIZE = 30;

function check(result: number, syscall: string, path?: string, dest?: string): number {
  if (result === -1) throw systemError(koffi().errno(), syscall, path, dest);
  return result;
}

/** mmap(2). Returns the address; throws a SystemError (syscall 'mmap') on failure. */
export function mmap(addr: number, length: number, prot: number, flags: number, fd: number, offset: number, path?: string): number {
  return check(libc('mmap')(addr, length, prot, flags, fd, offset) as number, 'mmap', path);
}

/** munmap(2). */
export function munmap(addr: number, length: number): void {
  check(libc('munmap')(addr, length) as number, 'munmap');
}

/**
 * Replaces [addr, addr+length) with private zero pages (MAP_FIXED), so that views over the
 * old mapping stay harmless: they neither fault nor reach the object any more.
 */
export function mmapAnonymousOver(addr: number, length: number): void {
  mmap(addr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
}

/** An ArrayBuffer over `length` bytes of mapped memory at `addr` (no copy). */
export function view(addr: number, length: number): ArrayBuffer {
  return koffi().view(addr, length);
}

/** memfd_create(2). */
export function memfdCreate(name: string, flags: number): number {
  return check(libc('memfd_create')(name, flags) as number, 'memfd_create', name);
}

/** fcntl(fd, F_GET_SEALS). */
export function getSeals(fd: number): number {
  return check(libc('fcntl')(fd, F_GET_SEALS, 0) as number, 'fcntl');
}

/** fcntl(fd, F_ADD_SEALS, seals). */
export function addSeals(fd: number, seals: number): void {
  check(libc('fcntl')(fd, F_ADD_SEALS, seals) as number, 'fcntl');
}

/** fcntl(fd, F_GETFL): the open file description's status flags (O_NONBLOCK, O_APPEND, ...). */
export function getStatusFlags(fd: number): number {
  return check(libc('fcntl')(fd, F_GETFL, 0) as number, 'fcntl');
}

/** fcntl(fd, F_SETFL, flags): only O_APPEND, O_ASYNC, O_DIRECT, O_NOATIME, O_NONBLOCK change. */
export function setStatusFlags(fd: number, flags: number): void {
  check(libc('fcntl')(fd, F_SETFL, flags) as number, 'fcntl');
}

/** fallocate(2) with mode 0: allocates [offset, offset+len) now (hugetlbfs: the huge pages). */
export function fallocate(fd: number, offset: number, len: number, path?: string): void {
  check(libc('fallocate')(fd, 0, offset, len) as number, 'fallocate', path);
}

const SEEK_DATA = 3;

/**
 * lseek(fd, offset, SEEK_DATA): the first offset at or after `offset` that holds data, or
 * undefined when only a hole follows (ENXIO). Lets a reader skip the holes of a sparse object
 * instead of reading terabytes of zeros. File systems without hole tracking answer `offset`.
 */
export function seekData(fd: number, offset: number): number | undefined {
  const r = Number(libc('lseek')(fd, offset, SEEK_DATA));
  if (r >= 0) return r;
  const errno = koffi().errno();
  if (errno === constants.errno.ENXIO) return undefined;
  throw systemError(errno, 'lseek');
}

/** renameat2(2) relative to the current directory; `label*` name the paths in errors. */
export function renameat2(from: string, to: string, flags: number, labelFrom = from, labelTo = to, syscall = 'rename'): void {
  check(libc('renameat2')(AT_FDCWD, from, AT_FDCWD, to, flags) as number, syscall, labelFrom, labelTo);
}

/**
 * flock(2). With LOCK_NB, returns false when another open file description holds a
 * conflicting lock; other failures throw.
 */
export function flock(fd: number, operation: number): boolean {
  const r = libc('flock')(fd, operation) as number;
  if (r === 0) return true;
  const errno = koffi().errno();
  if (errno === constants.errno.EWOULDBLOCK) return false;
  throw systemError(errno, 'flock');
}

/** The base page size of this machine. */
export const pageSize: number = auxv.get(AT_PAGESZ) ?? Number(libc('sysconf')(_SC_PAGESIZE));

/** Clock ticks per second, the unit of times in /proc/<pid>/stat. */
export const clockTicks: number = auxv.get(AT_CLKTCK) ?? Number(libc('sysconf')(_SC_CLK_TCK));
