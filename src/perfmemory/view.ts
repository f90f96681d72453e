/**
 * A read-only view of a region that belongs to another process (or a saved file). It never maps
 * the file: a peer can shrink a mapped file and the next access would SIGBUS this process. It
 * reads with pread into its own buffer instead, and takes a copy as consistent: the prologue
 * (used, num_entries, mod_time_stamp) must read the same before and after the copy, or the copy
 * is taken again. A file that is corrupt, truncated, hostile or shrinking gives a coded Error.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import {
  allocatedLength, entriesByName, PerfDataReader, pseudoCounters, readEntryValue, readHeader, samePrologueState, PROLOGUE_SIZE,
  type CounterInfo, type EntryLocation, type ParsedPerfData, type PerfDataHeader,
} from '../perfdata/index.js';
import { pageSize } from '../sys/index.js';
import { fileInsecurity, insecureFile } from './directory.js';
import { PerfMemoryError } from './errors.js';
import { MAX_SIZE } from './options.js';
import { judgeStaleness, type Staleness } from './staleness.js';
import { START_TICKS_COUNTER } from './identity-names.js';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** How often a copy is retaken when the writer changed the region's layout meanwhile. */
const MAX_ATTEMPTS = 8;

/** Where a view's bytes come from. */
export interface ByteSource {
  /** Current size in bytes, or a coded error. */
  size(): number;
  /** Copies up to `length` bytes from `position` into `into`; returns the count copied. */
  read(into: Uint8Array, length: number, position: number): number;
  close(): void;
  /** Names the bytes' origin (device and inode of a file) so views of it share what they learn. */
  readonly identity?: string;
}

export interface OpenOptions {
  /** Require a size that is a non-zero multiple of the page size (live regions). Default true. */
  pageMultiple?: boolean;
  /** The device and inode the file must have (a listed region opened again). */
  expect?: { dev: number; ino: number };
}

/** Checks a region file's size the way HotSpot's sharedmem_filesize does, with perfmem's cap. */
export function checkRegionSize(size: number, path: string, pageMultiple: boolean): void {
  if (size === 0 || size > MAX_SIZE || (pageMultiple && size % pageSize !== 0)) {
    throw new PerfMemoryError('ERR_PERFDATA_SIZE',
      `Invalid PerfMemory size: ${path} holds ${size} bytes${size > MAX_SIZE ? `, more than the ${MAX_SIZE}-byte limit of a region` : pageMultiple ? `, not a non-zero multiple of the page size (${pageSize})` : ''}`, path);
  }
  if (size < PROLOGUE_SIZE) {
    throw new PerfMemoryError('ERR_PERFDATA_SIZE', `Invalid PerfMemory size: ${path} holds ${size} bytes, less than a prologue`, path);
  }
}

/** What the open descriptor said about the file, for a later re-open to compare with. */
export interface FileIdentity {
  dev: number;
  ino: number;
  uid: number;
  ctimeMs: number;
  size: number;
  mtimeMs: number;
}

/** A region file read with pread. */
export class FileSource implements ByteSource {
  private constructor(private readonly fd: number, readonly path: string, private readonly pageMultiple: boolean,
    readonly identity: string, private openSize: number | undefined, readonly file: FileIdentity) {}

  /**
   * Opens `openPath` read-only, never following a symlink (O_NOFOLLOW; O_NONBLOCK so a planted
   * FIFO cannot block), and checks the open descriptor (fstat): a regular file, one link, a
   * valid size; with `expect`, the very file (device and inode) a listing validated. `path`
   * names it in errors, which never quote its content.
   */
  static open(openPath: string, path: string, options: OpenOptions = {}): FileSource {
    const pageMultiple = options.pageMultiple ?? true;
    let fd: number;
    try {
      fd = openSync(openPath, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT') throw new PerfMemoryError('ERR_PROCESS_NOT_FOUND', `Process not found: ${path} does not exist`, path);
      if (code === 'EACCES' || code === 'EPERM') throw new PerfMemoryError('ERR_PERFDATA_ACCESS', `Permission denied: ${path}`, path);
      if (code === 'ELOOP') throw insecureFile(path, 'is a symbolic link');
      throw err;
    }
    try {
      const st = fstatSync(fd);
      const why = fileInsecurity(st);
      if (why !== undefined) throw insecureFile(path, why);
      if (options.expect !== undefined && (st.dev !== options.expect.dev || st.ino !== options.expect.ino)) {
        throw insecureFile(path, 'is no longer the file that was listed');
      }
      checkRegionSize(st.size, path, pageMultiple);
      // mtime is part of the identity: a file rewritten with write() gets fresh readers, while a
      // mapped writer's stores (HotSpot's, perfmem's) leave it alone.
      return new FileSource(fd, path, pageMultiple, `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`, st.size,
        { dev: st.dev, ino: st.ino, uid: st.uid, ctimeMs: st.ctimeMs, size: st.size, mtimeMs: st.mtimeMs });
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /**
   * True when the open file is still as it was checked at open (fstat on the descriptor): a
   * regular file with one link (so not removed or replaced by a rename since: the path still
   * leads to it unless its owner renamed it away), with the size and mtime it had (so the same
   * identity). A kept descriptor is then as good as opening the path again (O_NOFOLLOW, fstat,
   * the device and inode a search validated), in one syscall instead of three and no path walk.
   */
  stillValid(): boolean {
    let st;
    try {
      st = fstatSync(this.fd);
    } catch {
      return false;
    }
    const f = this.file;
    if (st.nlink !== 1 || fileInsecurity(st) !== undefined || st.size !== f.size || st.mtimeMs !== f.mtimeMs) return false;
    this.openSize = st.size;
    return true;
  }

  size(): number {
    // The size checked at open serves the first call (the view's constructor): one fstat less.
    const known = this.openSize;
    this.openSize = undefined;
    if (known !== undefined) return known;
    const size = fstatSync(this.fd).size;
    checkRegionSize(size, this.path, this.pageMultiple);
    return size;
  }

  read(into: Uint8Array, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, into, done, length - done, position + done);
      done += n;
      // A regular file's pread is short only at its end: no second call to learn that.
      if (n < length - (done - n)) break;
    }
    return done;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** This process's own region, read from its memory. */
export class MemorySource implements ByteSource {
  constructor(private readonly bytes: () => Uint8Array) {}
  size(): number {
    return this.bytes().byteLength;
  }
  read(into: Uint8Array, length: number, position: number): number {
    const src = this.bytes();
    const n = Math.max(0, Math.min(length, src.byteLength - position));
    into.set(src.subarray(position, position + n));
    return n;
  }
  close(): void {}
}

/**
 * Readers shared by every view of the same file, so that attaching again (a tool polling a
 * process) skips decoding the names it decoded before. A reader checks on every read that the
 * entries it knows are still the ones in the bytes, so a stale one costs a full parse, no more.
 * (Like jvmstat, a reader decodes a constant string once; a view that meets a file changing
 * size or failing to parse starts over with a fresh reader.)
 */
const sharedReaders = new Map<string, PerfDataReader>();
const SHARED_READERS_MAX = 64;

/** Drops every shared reader (for benchmarks of a first attach). */
export function forgetSharedReaders(): void {
  sharedReaders.clear();
}

/** Live regions are written by HotSpot or perfmem, which only append (see trustUnchangedPrologue). */
const READER_OPTIONS = { trustUnchangedPrologue: true };

/**
 * What copies of a file have learnt, shared by its views: how many bytes are allocated, and a
 * prologue state a copy verified (see copy()). A view of the same file (same device, inode,
 * size and mtime) starts from it: one pread for its first snapshot instead of three.
 */
interface Learnt {
  want: number;
  prologue: Uint8Array;
}
const learnt = new WeakMap<PerfDataReader, Learnt>();

function readerFor(identity: string | undefined, fresh = false): PerfDataReader {
  if (identity === undefined) return new PerfDataReader(READER_OPTIONS);
  if (fresh) sharedReaders.delete(identity);
  let reader = sharedReaders.get(identity);
  if (reader === undefined) {
    reader = new PerfDataReader(READER_OPTIONS);
    if (sharedReaders.size >= SHARED_READERS_MAX) sharedReaders.delete(sharedReaders.keys().next().value as string);
  } else {
    sharedReaders.delete(identity); // re-inserted below: most recently used last
  }
  sharedReaders.set(identity, reader);
  return reader;
}

/**
 * Buffers of detached views, by size, for the next view: attaching again (a tool polling a
 * process) then allocates nothing (zeroing 32 KiB costs as much as several syscalls).
 */
const spareBuffers = new Map<number, Uint8Array[]>();
const SPARE_BUFFERS_MAX = 8;

function takeBuffer(length: number): Uint8Array {
  return spareBuffers.get(length)?.pop() ?? new Uint8Array(length);
}

function giveBack(buffer: Uint8Array): void {
  let list = spareBuffers.get(buffer.length);
  if (list === undefined) {
    if (spareBuffers.size >= SPARE_BUFFERS_MAX) return;
    list = [];
    spareBuffers.set(buffer.length, list);
  }
  if (list.length < SPARE_BUFFERS_MAX) list.push(buffer);
}

/** Where each named entry's value is, for the layout (prologue bytes 7..31) in `key`. */
interface EntryIndex {
  key: Uint8Array;
  header: PerfDataHeader;
  /** The last entry of each name, as the parse keeps it. */
  entries: Map<string, EntryLocation>;
}

/** A read-only view of a region: `snapshot()` takes a consistent copy; `detach()` lets go. */
export class RegionView {
  #source: ByteSource | undefined;
  #spare: Uint8Array | undefined;
  #bytes!: Uint8Array;
  /** The last copy's bytes (#bytes up to what was copied), reused while that length holds. */
  #copied: Uint8Array | undefined;
  /** What the reader is told (the region's size), made again only when the size changes. */
  #parseOptions: { regionSize?: number } = {};
  #prologue = new Uint8Array(PROLOGUE_SIZE);
  /** Reuses what it learnt of the entries while the region's layout stays the same. */
  #reader: PerfDataReader;
  #header: PerfDataHeader | undefined;
  #index: EntryIndex | undefined;
  /** True when #prologue holds the state of a verified copy of the allocated bytes. */
  #verified = false;
  /** How many bytes the next copy reads: the allocated part as of the last one. */
  #want = Number.MAX_SAFE_INTEGER;
  /** This process's own region (always alive). */
  readonly #own: boolean;
  readonly #fileCtimeMs: number | undefined;

  /** Takes the source back at detach() instead of letting it be closed (attach() keeps a few descriptors). */
  readonly #keep: ((source: ByteSource) => boolean) | undefined;

  /** @internal Made by attach() and attachFile(). */
  constructor(source: ByteSource, readonly pid: number | undefined, readonly path: string, keep?: (source: ByteSource) => boolean) {
    this.#source = source;
    this.#keep = keep;
    this.#own = source instanceof MemorySource;
    this.#fileCtimeMs = source instanceof FileSource ? source.file.ctimeMs : undefined;
    this.#reader = readerFor(source.identity);
    this.#resize(source.size());
    const known = learnt.get(this.#reader);
    if (known !== undefined) {
      this.#want = known.want;
      this.#prologue.set(known.prologue);
      this.#verified = true;
    }
  }

  /** One spare byte past the end lets a single pread tell that the file grew. */
  #resize(size: number): void {
    this.#reader.release();
    this.#copied = undefined;
    if (this.#spare !== undefined) giveBack(this.#spare);
    this.#spare = takeBuffer(size + 1);
    this.#bytes = this.#spare.subarray(0, size);
    this.#index = undefined;
    this.#want = Number.MAX_SAFE_INTEGER;
    this.#verified = false;
  }

  /** Forgets everything learnt about the layout (after the file misbehaved). */
  #distrust(): void {
    this.#index = undefined;
    this.#verified = false;
    this.#reader.release();
    this.#reader = readerFor(this.#source?.identity, true);
  }

  /** The prologue as of the last read (reads one when none was taken yet). */
  get header(): PerfDataHeader {
    return this.#header ?? this.snapshot().header;
  }

  /** False after detach(). */
  get attached(): boolean {
    return this.#source !== undefined;
  }

  private source(): ByteSource {
    if (this.#source === undefined) throw new PerfMemoryError('ERR_DETACHED', `the view of ${this.path} is detached`, this.path);
    return this.#source;
  }

  /**
   * Copies the region's allocated bytes (the prologue's `used`, bounded by the file) into the
   * view's buffer, consistently; returns them. A read costs what the region holds, not what the
   * file claims; `full` copies the whole file (bytes()).
   */
  private copy(full = false): Uint8Array {
    const source = this.source();
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const size = this.#bytes.byteLength;
      const want = full ? size : Math.min(this.#want, size);
      // Reading one byte more than the whole file tells in the same call that it grew.
      const ask = want === size ? size + 1 : want;
      const n = source.read(this.#spare!, ask, 0);
      if (n !== want) {
        // The file shrank or grew: re-check its size (a valid new size is read again).
        const now = source.size();
        if (now !== size) this.#resize(now);
        this.#distrust();
        lastError = new PerfMemoryError('ERR_PERFDATA_SIZE', `Invalid PerfMemory size: ${this.path} changed from ${size} to ${now} bytes while being read`, this.path);
        continue;
      }
      const need = allocatedLength(this.#bytes, size);
      if (need > want) {
        this.#want = need; // entries were added beyond what was read: read them too
        continue;
      }
      // Entries below `used` are complete once a copy verified them, and writers never change a
      // complete entry's header: a copy whose prologue is the last verified one, read only up to
      // its `used`, is consistent without reading the prologue again.
      if (!this.#verified || !samePrologueState(this.#bytes, this.#prologue)) {
        if (source.read(this.#prologue, PROLOGUE_SIZE, 0) !== PROLOGUE_SIZE) continue;
        if (!samePrologueState(this.#bytes, this.#prologue)) {
          this.#verified = false;
          lastError = new PerfMemoryError('ERR_PERFDATA_SIZE', `${this.path} kept changing while being read`, this.path);
          continue;
        }
        this.#verified = !full;
        if (this.#verified && this.#source?.identity !== undefined) learnt.set(this.#reader, { want: need, prologue: this.#prologue.slice() });
      }
      this.#want = need;
      if (full) return this.#bytes;
      // The same object while the length holds: the reader knows it again (no new views of it).
      let copied = this.#copied;
      if (copied === undefined || copied.byteLength !== need) this.#copied = copied = this.#bytes.subarray(0, need);
      return copied;
    }
    throw lastError;
  }

  /**
   * A consistent copy of every counter and the prologue. Only the values whose bytes changed
   * since the last snapshot of the same file are decoded again: a counter that did not change
   * is the very object an earlier snapshot returned (so `===` tells a reader what did not
   * change; treat counters as read-only). The array is the caller's own.
   */
  snapshot(): ParsedPerfData {
    return this.#parse();
  }

  /**
   * snapshot(), plus the bytes it was parsed from: the view's own buffer, valid until the
   * view's next read. A reader that decodes more from the same copy (perfmem/metrics' series)
   * reads the region once.
   */
  snapshotBytes(): { parsed: ParsedPerfData; bytes: Uint8Array } {
    const parsed = this.#parse();
    return { parsed, bytes: this.#copied ?? this.#bytes };
  }

  /** Copies and parses (the bytes are then this.#copied). */
  #parse(): ParsedPerfData {
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const bytes = this.copy();
      try {
        let options = this.#parseOptions;
        if (options.regionSize !== this.#bytes.byteLength) this.#parseOptions = options = { regionSize: this.#bytes.byteLength };
        const parsed = this.#reader.read(bytes, options);
        this.#header = parsed.header;
        return parsed;
      } catch (err) {
        // A layout caught mid-change parses on the next copy; a corrupt file fails every time.
        lastError = err;
        this.#distrust();
      }
    }
    throw lastError;
  }

  /**
   * Whether the region still belongs to a running process. 'stale' when the process is gone,
   * or when its pid now belongs to a later process: the start time the writer published
   * (perfmem.proc.starttime, exact; else sun.rt.createVmBeginTime or the file's ctime) does
   * not match the running process's (/proc/<pid>/stat), and `reason` says so with both times.
   * 'unknown' for a saved file (attachFile: no pid).
   */
  staleness(): Staleness {
    if (this.pid === undefined) return { state: 'unknown', reason: 'a saved file belongs to no process' };
    if (this.#own) return { state: 'alive', reason: undefined };
    const ticks = this.get(START_TICKS_COUNTER)?.value;
    const begin = this.get('sun.rt.createVmBeginTime')?.value;
    return judgeStaleness(this.pid, {
      startTicks: typeof ticks === 'number' && ticks > 0 ? ticks : undefined,
      startTimeMs: typeof begin === 'number' && begin > 0 ? begin : this.#fileCtimeMs,
    });
  }

  /** True when staleness() says 'stale': the data is a dead process's, not the running one's. */
  get stale(): boolean {
    return this.staleness().state === 'stale';
  }

  /** The counters of a fresh snapshot. */
  counters(): CounterInfo[] {
    return this.snapshot().counters;
  }

  /**
   * One counter, read fresh, or undefined when the region has no such name. While the layout is
   * unchanged only the prologue and the value are read.
   */
  get(name: string): CounterInfo | undefined {
    const source = this.source();
    const known = this.#index;
    this.#verified = false; // #prologue is about to hold a state no copy verified
    if (known !== undefined && source.read(this.#prologue, PROLOGUE_SIZE, 0) === PROLOGUE_SIZE && samePrologueState(known.key, this.#prologue)) {
      const entry = known.entries.get(name);
      if (entry === undefined) return pseudoCounters(known.header).find((c) => c.name === name);
      const length = entry.type === 'long' ? 8 : entry.vectorLength;
      if (source.read(this.#bytes.subarray(entry.dataOffset), length, entry.dataOffset) === length) {
        return info(entry, readEntryValue(this.#bytes, entry, known.header.byteOrder));
      }
    }
    const bytes = this.copy();
    const header = readHeader(bytes);
    header.size = this.#bytes.byteLength;
    const entries = entriesByName(bytes, header);
    this.#index = { key: bytes.slice(0, PROLOGUE_SIZE), header, entries };
    this.#header = header;
    const entry = entries.get(name);
    if (entry !== undefined) return info(entry, readEntryValue(bytes, entry, header.byteOrder));
    return pseudoCounters(header).find((c) => c.name === name); // a sun.perfdata.* one, or none
  }

  /**
   * `length` bytes at `offset` read from the region now, into a new buffer; undefined when the
   * region holds fewer (for a part caught mid-write in a snapshot, read again alone).
   */
  readAt(offset: number, length: number): Uint8Array | undefined {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.#bytes.byteLength)) return undefined;
    const into = new Uint8Array(length);
    return this.source().read(into, length, offset) === length ? into : undefined;
  }

  /** A copy of the region's raw bytes, consistent as in snapshot(). */
  bytes(): Uint8Array {
    return this.copy(true).slice();
  }

  /**
   * Lets go of the file: further reads throw ERR_DETACHED; detaching again does nothing. A view
   * made by attach(pid) hands its descriptor back to attach(), which keeps the last few to
   * attach to the same process again cheaply (checked before reuse, see FileSource.stillValid).
   */
  detach(): void {
    const source = this.#source;
    if (source === undefined) return;
    this.#source = undefined;
    this.#index = undefined;
    if (this.#keep?.(source) !== true) source.close();
    // Nothing handed out refers to this buffer (values are decoded, bytes() copies): reuse it.
    this.#reader.release();
    this.#copied = undefined;
    if (this.#spare !== undefined) giveBack(this.#spare);
    this.#spare = undefined;
  }

  [Symbol.dispose](): void {
    this.detach();
  }
}

function info(e: EntryLocation, value: string | number | bigint): CounterInfo {
  const base = { name: e.name, units: e.units, variability: e.variability, supported: e.supported };
  return e.type === 'long'
    ? { ...base, type: 'long', value: value as number | bigint }
    : { ...base, type: 'string', value: value as string, maxLength: e.vectorLength };
}
