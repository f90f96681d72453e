/**
 * Another thread's way into this process's own region: a worker thread cannot be handed the
 * main thread's mapping (koffi's ArrayBuffers are not transferable), so it maps the region
 * itself, read-write, and finds existing long counters by name. Stores through the returned
 * handles are 64-bit and never torn, as the main thread's are.
 *
 * It maps the descriptor the region was created with (Region#threadHandle: threads share a
 * process's descriptors), never the file's path: a path can be made to lead to another file
 * (a directory renamed in a base others can write, a region swapped for a file someone else can
 * truncate, which would kill this process with SIGBUS). The descriptor must still be the very
 * file the region made (device and inode), or the region was closed meanwhile.
 */
import { fstatSync } from 'node:fs';
import { mapFd } from '../shm/index.js';
import { attachLongCounter, entriesByName, HOST_LITTLE_ENDIAN, readHeader, StringCounter, type LongCounter } from '../perfdata/index.js';

/** What another thread needs to map this process's region (structured-clonable). */
export interface RegionThreadHandle {
  /** The descriptor the region was created with (valid in every thread of the process). */
  fd: number;
  /** The file it must still be. */
  dev: number;
  ino: number;
  /** Bytes to map. */
  size: number;
  /** For messages only: never opened. */
  path: string;
}

export interface RegionCounters {
  /** The handle of an existing long counter; throws when the region has none by that name. */
  long(name: string): LongCounter;
  /** The handle of an existing string counter (the watchdog's stack); throws when missing. */
  string(name: string): StringCounter;
}

export function openRegionCounters(region: RegionThreadHandle): RegionCounters {
  const { fd, path } = region;
  const st = fstatSync(fd);
  if (st.dev !== region.dev || st.ino !== region.ino) {
    throw new Error(`perfmem: the region ${path} was closed (its descriptor ${fd} is now another file)`);
  }
  // The descriptor stays the creator's (it holds the region's lock): map it, do not close it.
  const buffer = mapFd(fd, { length: region.size, access: 'readwrite', path }).buffer;
  const header = readHeader(buffer);
  if (header.byteOrder !== (HOST_LITTLE_ENDIAN ? 'little' : 'big')) {
    throw new Error(`perfmem: region ${path} is not in this host's byte order`);
  }
  const entries = entriesByName(buffer, header);
  return {
    long(name: string): LongCounter {
      const e = entries.get(name);
      if (e === undefined || e.type !== 'long') throw new Error(`perfmem: long counter ${name} is missing from ${path}`);
      return attachLongCounter(buffer, e);
    },
    string(name: string): StringCounter {
      const e = entries.get(name);
      if (e === undefined || e.type !== 'string' || e.vectorLength < 1) throw new Error(`perfmem: string counter ${name} is missing from ${path}`);
      return new StringCounter(name, buffer, e.dataOffset, e.vectorLength);
    },
  };
}
