/**
 * attachProcess(pid), attachFile(path) and attachListed(info): read-only views of another
 * process's region or of a saved file, found and opened without this process's own region code
 * (attach() in attach.ts adds that: a short command such as `perfmem snap` then loads neither
 * the region writer nor shared memory). Only read access exists (HotSpot's PERF_MODE_RW was
 * never implemented either).
 */
import { PerfMemoryError, invalidArg } from './errors.js';
import { findRegion } from './locate.js';
import { FileSource, RegionView, type ByteSource } from './view.js';
import { liveness } from './proc.js';
import { SecureDirectory } from './directory.js';
import type { ProcessInfo } from './discover.js';

/** Where a pid's region was found and validated: the file's display path and identity. */
interface Located {
  path: string;
  dev: number;
  ino: number;
}

/**
 * The region files attach() has found, by pid and options: attaching again to the same process
 * (a tool polling it) opens the file directly and revalidates on the descriptor (O_NOFOLLOW, a
 * regular file with one link, and the very device and inode found before) instead of scanning
 * the bases again. Anything else (the file gone or replaced) falls back to a full search.
 */
const located = new Map<string, Located>();
const LOCATED_MAX = 256;

/**
 * The descriptors of detached views of attach(pid), by the same key: attaching again reuses one
 * when the file is still as it was checked (FileSource.stillValid), instead of opening, checking
 * and closing it again. Bounded: the least recently kept is closed.
 */
const kept = new Map<string, FileSource>();
const KEPT_MAX = 16;

function keeper(key: string): (source: ByteSource) => boolean {
  return (source) => {
    if (!(source instanceof FileSource) || kept.has(key) || !located.has(key)) return false;
    if (kept.size >= KEPT_MAX) {
      const [oldest, old] = kept.entries().next().value as [string, FileSource];
      kept.delete(oldest);
      old.close();
    }
    kept.set(key, source);
    return true;
  };
}

function openLocated(pid: number, key: string): RegionView | undefined {
  const known = located.get(key);
  if (known === undefined) return undefined;
  const source = kept.get(key);
  if (source !== undefined) kept.delete(key);
  if (liveness(pid) !== 'alive') {
    source?.close();
    located.delete(key);
    return undefined; // the full search says why
  }
  if (source !== undefined) {
    if (source.stillValid()) return new RegionView(source, pid, known.path, keeper(key));
    source.close();
  }
  try {
    return new RegionView(FileSource.open(known.path, known.path, { expect: known }), pid, known.path, keeper(key));
  } catch {
    located.delete(key);
    return undefined;
  }
}

function remember(key: string, source: FileSource): void {
  if (located.size >= LOCATED_MAX) located.delete(located.keys().next().value as string);
  kept.get(key)?.close();
  kept.delete(key);
  located.set(key, { path: source.path, dev: source.file.dev, ino: source.file.ino });
}

/** Forgets every located region and closes the kept descriptors (for benchmarks of a first attach). */
export function forgetLocatedRegions(): void {
  located.clear();
  for (const source of kept.values()) source.close();
  kept.clear();
}

export interface AttachOptions {
  /** A base directory to look in instead of /tmp, /dev/shm and $PERFMEM_DIR. */
  dir?: string;
  /** The user whose hsperfdata_<user> directory holds the file (found by scanning when omitted). */
  user?: string;
  /** Only 'read' is supported; 'readwrite' throws ERR_READ_WRITE_UNSUPPORTED. */
  access?: 'read' | 'readwrite';
}

/** Throws ERR_INVALID_ARG_VALUE / ERR_READ_WRITE_UNSUPPORTED for arguments attach() does not take. */
export function checkAttachArguments(pid: number, options: AttachOptions): void {
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid > 0x7fffffff) throw invalidArg('pid', 'a positive integer process id', pid);
  if (options.access !== undefined && options.access !== 'read') {
    if (options.access === 'readwrite') {
      throw new PerfMemoryError('ERR_READ_WRITE_UNSUPPORTED', 'Unsupported access mode: attach() gives read-only views only');
    }
    throw invalidArg('access', "'read'", options.access);
  }
  if (options.dir !== undefined && (typeof options.dir !== 'string' || !options.dir.startsWith('/'))) {
    throw invalidArg('dir', 'an absolute path', options.dir);
  }
  if (options.user !== undefined && (typeof options.user !== 'string' || options.user === '' || options.user.includes('/'))) {
    throw invalidArg('user', 'a user name', options.user);
  }
}

/**
 * A read-only view of process `pid`'s region file, found as HotSpot's attach finds it (this
 * process's own pid included: its file, not its memory; attach() gives its private region too).
 */
export function attachProcess(pid: number, options: AttachOptions = {}): RegionView {
  checkAttachArguments(pid, options);
  const key = `${pid}\0${options.dir ?? ''}\0${options.user ?? ''}`;
  const warm = openLocated(pid, key);
  if (warm !== undefined) return warm;
  const found = findRegion(pid, options);
  let source: FileSource;
  try {
    source = FileSource.open(found.handle.at(String(found.filePid)), found.path);
  } finally {
    found.handle.close(); // the open file keeps its own reference
  }
  remember(key, source);
  return new RegionView(source, pid, found.path, keeper(key));
}

/**
 * A read-only view of a region listProcesses() returned, opened again with the listing's rules:
 * its directory must still be a real directory nobody else can write into, the file is opened
 * without following links through that directory's descriptor, and it must be the very file
 * (device and inode) that was listed, a regular file with one link. Otherwise a coded error
 * (ERR_INSECURE_DIRECTORY, ERR_INSECURE_FILE, ERR_PROCESS_NOT_FOUND).
 */
export function attachListed(info: Pick<ProcessInfo, 'pid' | 'path' | 'file'>): RegionView {
  const slash = info.path.lastIndexOf('/');
  if (slash <= 0) throw invalidArg('path', 'a listed region path', info.path);
  const dir = SecureDirectory.open(info.path.slice(0, slash), 'any');
  try {
    const source = FileSource.open(dir.at(info.path.slice(slash + 1)), info.path, info.file === undefined ? {} : { expect: info.file });
    return new RegionView(source, info.pid, info.path);
  } finally {
    dir.close();
  }
}

/**
 * A read-only view of a region saved to a file (PerfDataSaveFile, perfmem's saveFile, or a
 * copy). Any size from a prologue up to the region limit is accepted; the reader checks the
 * rest. The file itself must be a regular file with one link, not a symlink (O_NOFOLLOW,
 * checked on the open descriptor): otherwise ERR_INSECURE_FILE, and never any of its content
 * in the message.
 */
export function attachFile(path: string): RegionView {
  if (typeof path !== 'string' || path === '') throw invalidArg('path', 'a file path', path);
  return new RegionView(FileSource.open(path, path, { pageMultiple: false }), undefined, path);
}
