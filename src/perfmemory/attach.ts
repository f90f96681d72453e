/**
 * attach(pid) and attachFile(path): read-only views of another process's region or of a saved
 * file. Only read access exists (HotSpot's PERF_MODE_RW was never implemented either).
 */
import { PerfMemoryError, invalidArg } from './errors.js';
import { findRegion } from './locate.js';
import { FileSource, MemorySource, RegionView } from './view.js';
import { currentRegion } from './region.js';

export interface AttachOptions {
  /** A base directory to look in instead of /tmp, /dev/shm and $PERFMEM_DIR. */
  dir?: string;
  /** The user whose hsperfdata_<user> directory holds the file (found by scanning when omitted). */
  user?: string;
  /** Only 'read' is supported; 'readwrite' throws ERR_READ_WRITE_UNSUPPORTED. */
  access?: 'read' | 'readwrite';
}

/**
 * A read-only view of process `pid`'s region. Attaching to this process's own pid gives a view
 * of its own region (created with createRegion()).
 */
export function attach(pid: number, options: AttachOptions = {}): RegionView {
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
  if (pid === process.pid) {
    const own = currentRegion();
    if (own !== undefined) return new RegionView(new MemorySource(() => own.bytes()), pid, own.path ?? `(private region of ${pid})`);
  }
  const found = findRegion(pid, options);
  try {
    return new RegionView(FileSource.open(found.handle.at(String(found.filePid)), found.path), pid, found.path);
  } finally {
    found.handle.close(); // the open file keeps its own reference
  }
}

/**
 * A read-only view of a region saved to a file (PerfDataSaveFile, perfmem's saveFile, or a
 * copy). Any size is accepted from a prologue up; the reader checks the rest.
 */
export function attachFile(path: string): RegionView {
  if (typeof path !== 'string' || path === '') throw invalidArg('path', 'a file path', path);
  return new RegionView(FileSource.open(path, path, { strict: false, pageMultiple: false }), undefined, path);
}
