/**
 * A read-only view of a region that belongs to another process (or a saved file). It never maps
 * the file: a peer can shrink a mapped file and the next access would SIGBUS this process. It
 * reads with pread into its own buffer instead, and takes a copy as consistent: the prologue
 * (used, num_entries, mod_time_stamp) must read the same before and after the copy, or the copy
 * is taken again. A file that is corrupt, truncated, hostile or shrinking gives a coded Error.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import {
  locateEntries, parsePerfData, pseudoCounters, readEntryValue, readHeader, PROLOGUE_SIZE,
  type CounterInfo, type EntryLocation, type ParsedPerfData, type PerfDataHeader,
} from '../perfdata/index.js';
import { pageSize } from '../sys/index.js';
import { PerfMemoryError } from './errors.js';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, S_IFMT, S_IFREG } = constants;

/** How often a copy is retaken when the writer changed the region's layout meanwhile. */
const MAX_ATTEMPTS = 8;
/** The largest region perfmem will read (HotSpot's PerfDataMemorySize is far smaller). */
const MAX_SIZE = 1 << 30;

/** Where a view's bytes come from. */
export interface ByteSource {
  /** Current size in bytes, or a coded error. */
  size(): number;
  /** Copies up to `length` bytes from `position` into `into`; returns the count copied. */
  read(into: Uint8Array, length: number, position: number): number;
  close(): void;
}

export interface OpenOptions {
  /** Require a size that is a non-zero multiple of the page size (live regions). Default true. */
  pageMultiple?: boolean;
  /** Refuse symlinks and files with several links (live regions). Default true. */
  strict?: boolean;
}

/** Checks a region file's size the way HotSpot's sharedmem_filesize does. */
export function checkRegionSize(size: number, path: string, pageMultiple: boolean): void {
  if (size === 0 || size > MAX_SIZE || (pageMultiple && size % pageSize !== 0)) {
    throw new PerfMemoryError('ERR_PERFDATA_SIZE',
      `Invalid PerfMemory size: ${path} holds ${size} bytes${pageMultiple ? `, not a non-zero multiple of the page size (${pageSize})` : ''}`, path);
  }
  if (size < PROLOGUE_SIZE) {
    throw new PerfMemoryError('ERR_PERFDATA_SIZE', `Invalid PerfMemory size: ${path} holds ${size} bytes, less than a prologue`, path);
  }
}

/** A region file read with pread. */
export class FileSource implements ByteSource {
  private constructor(private readonly fd: number, readonly path: string, private readonly pageMultiple: boolean) {}

  /**
   * Opens `openPath` read-only (no symlinks when strict; O_NONBLOCK so a planted FIFO cannot
   * block) and checks it: a regular file, one link, a valid size. `path` names it in errors.
   */
  static open(openPath: string, path: string, options: OpenOptions = {}): FileSource {
    const strict = options.strict ?? true;
    const pageMultiple = options.pageMultiple ?? true;
    let fd: number;
    try {
      fd = openSync(openPath, O_RDONLY | O_NONBLOCK | (strict ? O_NOFOLLOW : 0));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT') throw new PerfMemoryError('ERR_PROCESS_NOT_FOUND', `Process not found: ${path} does not exist`, path);
      if (code === 'EACCES' || code === 'EPERM') throw new PerfMemoryError('ERR_PERFDATA_ACCESS', `Permission denied: ${path}`, path);
      if (code === 'ELOOP') throw new PerfMemoryError('ERR_INSECURE_FILE', `Insecure file: ${path} is a symbolic link`, path);
      throw err;
    }
    try {
      const st = fstatSync(fd);
      if ((st.mode & S_IFMT) !== S_IFREG) throw new PerfMemoryError('ERR_INSECURE_FILE', `Insecure file: ${path} is not a regular file`, path);
      if (strict && st.nlink > 1) throw new PerfMemoryError('ERR_INSECURE_FILE', `Insecure file: ${path} has ${st.nlink} hard links`, path);
      checkRegionSize(st.size, path, pageMultiple);
      return new FileSource(fd, path, pageMultiple);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  size(): number {
    const size = fstatSync(this.fd).size;
    checkRegionSize(size, this.path, this.pageMultiple);
    return size;
  }

  read(into: Uint8Array, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, into, done, length - done, position + done);
      if (n === 0) break;
      done += n;
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

function sameLayout(a: Uint8Array, b: Uint8Array): boolean {
  // Bytes 7..31 of the prologue: accessible, used, overflow, mod_time_stamp, entry_offset, num_entries.
  for (let i = 7; i < PROLOGUE_SIZE; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What a parse of one layout (prologue bytes 7..31) found: reused while the layout stays. */
interface Layout {
  /** The prologue this layout was read from. */
  key: Uint8Array;
  header: PerfDataHeader;
  /** The counters of the full parse, in order: names, types, units stay while the layout does. */
  template: CounterInfo[];
  /** Where each named entry's value is (the last entry of a name, as in the parse); made on demand. */
  entries: Map<string, EntryLocation> | undefined;
}

/** A read-only view of a region: `snapshot()` takes a consistent copy; `detach()` lets go. */
export class RegionView {
  #source: ByteSource | undefined;
  #bytes: Uint8Array;
  #prologue = new Uint8Array(PROLOGUE_SIZE);
  #layout: Layout | undefined;

  /** @internal Made by attach() and attachFile(). */
  constructor(source: ByteSource, readonly pid: number | undefined, readonly path: string) {
    this.#source = source;
    this.#bytes = new Uint8Array(source.size());
  }

  /** The prologue as of the last read (reads one when none was taken yet). */
  get header(): PerfDataHeader {
    return this.#layout?.header ?? this.snapshot().header;
  }

  /** False after detach(). */
  get attached(): boolean {
    return this.#source !== undefined;
  }

  private source(): ByteSource {
    if (this.#source === undefined) throw new PerfMemoryError('ERR_DETACHED', `the view of ${this.path} is detached`, this.path);
    return this.#source;
  }

  /** Copies the whole region into the view's buffer, consistently; returns that buffer. */
  private copy(): Uint8Array {
    const source = this.source();
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const size = this.#bytes.byteLength;
      const n = source.read(this.#bytes, size, 0);
      if (n !== size) {
        // The file changed size under us: re-check it (a valid new size is read again).
        const now = source.size();
        if (now !== size) {
          this.#bytes = new Uint8Array(now);
          this.#layout = undefined;
        }
        lastError = new PerfMemoryError('ERR_PERFDATA_SIZE', `Invalid PerfMemory size: ${this.path} changed from ${size} to ${now} bytes while being read`, this.path);
        continue;
      }
      if (source.read(this.#prologue, PROLOGUE_SIZE, 0) !== PROLOGUE_SIZE) continue;
      if (!sameLayout(this.#bytes, this.#prologue)) {
        lastError = new PerfMemoryError('ERR_PERFDATA_SIZE', `${this.path} kept changing while being read`, this.path);
        continue;
      }
      return this.#bytes;
    }
    throw lastError;
  }

  /** The cached layout if `prologue` still describes it. */
  private layoutFor(prologue: Uint8Array): Layout | undefined {
    const layout = this.#layout;
    return layout !== undefined && sameLayout(layout.key, prologue) ? layout : undefined;
  }

  private entriesOf(layout: Layout, bytes: Uint8Array): Map<string, EntryLocation> {
    if (layout.entries === undefined) {
      const entries = new Map<string, EntryLocation>();
      for (const e of locateEntries(bytes, layout.header)) entries.set(e.name, e);
      layout.entries = entries;
    }
    return layout.entries;
  }

  /**
   * A consistent copy of every counter and the prologue. While the region's layout is unchanged
   * (no entry added), only the values are decoded again.
   */
  snapshot(): ParsedPerfData {
    let lastError: unknown;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const bytes = this.copy();
      const layout = this.layoutFor(bytes);
      if (layout !== undefined) {
        const entries = this.entriesOf(layout, bytes);
        const order = layout.header.byteOrder;
        const counters = layout.template.map((c) => {
          const e = entries.get(c.name);
          return e === undefined ? { ...c } : info(e, readEntryValue(bytes, e, order));
        });
        return { header: { ...layout.header }, counters };
      }
      try {
        const parsed = parsePerfData(bytes);
        this.#layout = { key: bytes.slice(0, PROLOGUE_SIZE), header: parsed.header, template: parsed.counters, entries: undefined };
        return { header: { ...parsed.header }, counters: parsed.counters.map((c) => ({ ...c })) };
      } catch (err) {
        // A layout caught mid-change parses on the next copy; a corrupt file fails every time.
        lastError = err;
      }
    }
    throw lastError;
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
    if (source.read(this.#prologue, PROLOGUE_SIZE, 0) === PROLOGUE_SIZE) {
      const layout = this.layoutFor(this.#prologue);
      if (layout?.entries !== undefined) {
        const entry = layout.entries.get(name);
        if (entry === undefined) return pseudoCounters(layout.header).find((c) => c.name === name);
        const length = entry.type === 'long' ? 8 : entry.vectorLength;
        if (source.read(this.#bytes.subarray(entry.dataOffset), length, entry.dataOffset) === length) {
          return info(entry, readEntryValue(this.#bytes, entry, layout.header.byteOrder));
        }
      }
    }
    const bytes = this.copy();
    let layout = this.layoutFor(bytes);
    if (layout === undefined) {
      const header = readHeader(bytes);
      const entries = new Map<string, EntryLocation>();
      for (const e of locateEntries(bytes, header)) entries.set(e.name, e);
      const template = [...entries.values()].map((e) => info(e, readEntryValue(bytes, e, header.byteOrder)));
      for (const p of pseudoCounters(header)) if (!entries.has(p.name)) template.push(p);
      layout = { key: bytes.slice(0, PROLOGUE_SIZE), header, template, entries };
      this.#layout = layout;
    }
    const entry = this.entriesOf(layout, bytes).get(name);
    if (entry !== undefined) return info(entry, readEntryValue(bytes, entry, layout.header.byteOrder));
    return pseudoCounters(layout.header).find((c) => c.name === name); // a sun.perfdata.* one, or none
  }

  /** A copy of the region's raw bytes, consistent as in snapshot(). */
  bytes(): Uint8Array {
    return this.copy().slice();
  }

  /** Closes the file. Further reads throw ERR_DETACHED; detaching again does nothing. */
  detach(): void {
    const source = this.#source;
    this.#source = undefined;
    this.#layout = undefined;
    source?.close();
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
