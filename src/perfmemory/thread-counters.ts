/**
 * Another thread's way into this process's own region: a worker thread cannot be handed the
 * main thread's mapping (koffi's ArrayBuffers are not transferable), so it maps the region file
 * itself, read-write, and finds existing long counters by name. Stores through the returned
 * handles are 64-bit and never torn, as the main thread's are.
 */
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import { mapFd } from '../shm/index.js';
import { attachLongCounter, entriesByName, HOST_LITTLE_ENDIAN, readHeader, StringCounter, type LongCounter } from '../perfdata/index.js';

export interface RegionCounters {
  /** The handle of an existing long counter; throws when the region has none by that name. */
  long(name: string): LongCounter;
  /** The handle of an existing string counter (the watchdog's stack); throws when missing. */
  string(name: string): StringCounter;
}

export function openRegionCounters(path: string): RegionCounters {
  const fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
  let buffer: ArrayBuffer;
  try {
    buffer = mapFd(fd, { length: fstatSync(fd).size, access: 'readwrite', path }).buffer;
  } finally {
    closeSync(fd); // the mapping stays valid without the descriptor
  }
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
