/**
 * The file behind a shared region: `<base>/hsperfdata_<user>/<pid>`, made as HotSpot's
 * create_sharedmem_resources makes it, plus the flock of JDK-8286030:
 *  - the user directory is created 0755 if missing, and must be safe (see directory.ts);
 *  - a stale file of our own pid is cleaned up first, the rest of the directory half a second
 *    later, off the start-up path (see cleanup.ts);
 *  - the file is opened through the directory's descriptor, O_NOFOLLOW, mode 0600, and must be
 *    a regular file with a single link, owned by us; only then is it truncated (never before
 *    the check, so a planted link cannot make us truncate someone else's file);
 *  - an exclusive flock is taken and held until the region is closed, so neither a starting JVM
 *    nor another perfmem process deletes it as stale;
 *  - every page is written once, so a full disk fails here (ENOSPC), not as SIGBUS later;
 *  - it is mapped shared, read-write.
 * It can grow in place (grow()): the file is made larger and mapped again at its new size;
 * earlier mappings stay mapped (they share the file's pages, so handles into them keep working)
 * and are unmapped with the region.
 */
import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { flock, LOCK_EX, LOCK_NB } from '../sys/index.js';
import { mapFd, type Mapping } from '../shm/mapping.js';
import { cleanupStaleFiles, scheduleStaleSweep } from './cleanup.js';
import { insecureFile, makeUserDirectory, SecureDirectory, writerFileInsecurity } from './directory.js';
import { PerfMemoryError } from './errors.js';
import { userDirectory } from './paths.js';
import type { RegionThreadHandle } from './thread-counters.js';

const { O_RDWR, O_CREAT, O_NOFOLLOW, O_NONBLOCK } = constants;

/** Unlinks `name` only while it still refers to the file (dev, ino) we created: never a successor's. */
function unlinkIfSame(dir: SecureDirectory, name: string, dev: number, ino: number): void {
  const now = lstatSync(dir.at(name), { throwIfNoEntry: false });
  if (now !== undefined && now.ino === ino && now.dev === dev) unlinkSync(dir.at(name));
}

export class RegionFile {
  #closed = false;
  #sweep: { cancel(): void } | undefined;
  #mapping: Mapping;
  /** Mappings of the file's earlier sizes: views into them may still be reachable. */
  readonly #earlier: Mapping[] = [];

  private constructor(
    readonly path: string,
    mapping: Mapping,
    private readonly dir: SecureDirectory,
    private readonly name: string,
    private readonly fd: number,
    private readonly dev: number,
    private readonly ino: number,
    /** Names of stale files removed while creating it (its own name, if stale; the rest of the directory is swept later). */
    readonly removedStale: string[],
  ) {
    this.#mapping = mapping;
  }

  /** The mapping of the file at its current size. */
  get mapping(): Mapping {
    return this.#mapping;
  }

  /**
   * Makes the file `size` bytes (a page multiple, larger than now) and maps it again; returns
   * the new mapping, or undefined when the file cannot grow (e.g. ENOSPC: it is cut back to its
   * old size, so nothing maps a page the disk cannot hold). The size changes in one ftruncate
   * (a reader never sees a size that is not a page multiple), then every new page is written
   * once, as at creation, so a full disk fails here and not as SIGBUS later. `used` in the
   * prologue still ends inside the old size, so readers ignore the new zeros until an entry
   * there is published.
   */
  grow(size: number): Mapping | undefined {
    const old = this.#mapping.byteLength;
    if (this.#closed || !(size > old)) return undefined;
    try {
      ftruncateSync(this.fd, size);
      const zeros = new Uint8Array(Math.min(size - old, 1 << 20));
      for (let done = old; done < size;) done += writeSync(this.fd, zeros, 0, Math.min(zeros.length, size - done), done);
      const mapping = mapFd(this.fd, { length: size, access: 'readwrite', path: this.path });
      this.#earlier.push(this.#mapping);
      this.#mapping = mapping;
      return mapping;
    } catch {
      try {
        ftruncateSync(this.fd, old);
      } catch {
        // the file stays larger; nothing maps the extra pages
      }
      return undefined;
    }
  }

  static create(base: string, user: string, euid: number, pid: number, size: number): RegionFile {
    const dirPath = userDirectory(base, user);
    makeUserDirectory(dirPath, euid);
    const dir = SecureDirectory.open(dirPath, euid);
    let fd = -1;
    let locked = false;
    const name = String(pid);
    const path = dir.display(name);
    try {
      const removedStale = cleanupStaleFiles(dir, pid, name);
      try {
        fd = openSync(dir.at(name), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600);
      } catch (err) {
        if ((err as { code?: string }).code === 'ELOOP') {
          throw insecureFile(path, 'is a symbolic link');
        }
        throw err;
      }
      const st = fstatSync(fd);
      // Checked on the descriptor, for root too: a file another user owns or can write could be
      // truncated under our mapping.
      const why = writerFileInsecurity(st, euid);
      if (why !== undefined) throw insecureFile(path, why);
      if (!flock(fd, LOCK_EX | LOCK_NB)) {
        throw new PerfMemoryError('ERR_REGION_IN_USE', `Region in use: another process (or this process's main thread) holds the lock on ${path}`, path);
      }
      locked = true;
      // Truncating to 0 first drops whatever a previous owner of this pid left in the file. Only
      // when there is something to drop: on ext4, ftruncate(fd, 0) marks the file for a forced
      // write-back when it is closed ("auto_da_alloc"), which cost 3-6 ms at every process exit.
      const zeros = new Uint8Array(size);
      if (st.size !== 0) ftruncateSync(fd, 0);
      ftruncateSync(fd, size);
      for (let done = 0; done < size;) done += writeSync(fd, zeros, done, size - done, done);
      const mapping = mapFd(fd, { length: size, access: 'readwrite', path });
      const file = new RegionFile(path, mapping, dir, name, fd, st.dev, st.ino, removedStale);
      file.#sweep = scheduleStaleSweep(dir, pid);
      return file;
    } catch (err) {
      if (fd >= 0) {
        // Remove only a file we locked (never a live peer's), and only if the name still refers to it.
        if (locked) {
          try {
            const st = fstatSync(fd);
            if (st.nlink === 1) unlinkIfSame(dir, name, st.dev, st.ino);
          } catch {
            // best effort
          }
        }
        closeSync(fd);
      }
      dir.close();
      throw err;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The creation descriptor and identity, for another thread to map (see thread-counters.ts). */
  threadHandle(): RegionThreadHandle | undefined {
    return this.#closed ? undefined : { fd: this.fd, dev: this.dev, ino: this.ino, size: this.#mapping.byteLength, path: this.path };
  }

  /**
   * At process end: only removes the file (if the name still refers to it). The mapping, the
   * descriptor and its lock, and the sweep's timer go with the process.
   */
  removeAtExit(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      unlinkIfSame(this.dir, this.name, this.dev, this.ino);
    } catch {
      // already gone
    }
  }

  /**
   * Removes the file (if the name still refers to it), unmaps the memory (views keep reading
   * zeros, see perfmem/shm), then releases the lock by closing the descriptor.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sweep?.cancel();
    try {
      unlinkIfSame(this.dir, this.name, this.dev, this.ino);
    } catch {
      // already gone
    }
    for (const mapping of [this.#mapping, ...this.#earlier.splice(0)]) {
      try {
        mapping.unmap();
      } catch {
        // the mapping is released when its buffer is collected
      }
    }
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.dir.close();
  }
}
