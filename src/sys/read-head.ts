/**
 * readHead(): the start of a file in one read (open, read, close). For /proc files of a few
 * hundred bytes and for file headers, where readFileSync's probe of the size and its second
 * read to find the end cost more (they run at every process start and per process listed).
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Reads up to `into.length` bytes from the start of `path` into `into`; the number read. */
export function readHead(path: string, into: Uint8Array): number {
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, into, 0, into.length, 0);
  } finally {
    closeSync(fd);
  }
}
