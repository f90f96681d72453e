/**
 * createRegion(): this process's PerfData region, through its life. One per process: a second
 * call returns the first region until it is closed. By default it is the file
 * /tmp/hsperfdata_<user>/<pid> that JDK tools read; when that cannot be made safely, the region
 * lives in private memory and one warning says why (HotSpot's "Reverting to non-shared PerfMemory").
 */
import { writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
// The writer's own modules, not perfdata's index: a bundle of perfmem/register then leaves the readers out.
import { PerfDataWriter, type LongCounterOptions, type StringCounterOptions } from '../perfdata/writer.js';
import type { LongCounter, StringCounter } from '../perfdata/handles.js';
import { RegionFile } from './backing.js';
import { onProcessEnd, type ExitHook } from './exit.js';
import { elapsedTicks, identityCounters } from './identity.js';
import { MAX_SIZE, resolveOptions, roundToPage, type RegionOptions, type ResolvedOptions } from './options.js';
import { DEFAULT_BASE, effectiveUser, SHM_BASE } from './paths.js';
import type { RegionThreadHandle } from './thread-counters.js';

export type { RegionOptions } from './options.js';

const token = Symbol('Region');

/** A process's region: counters published in the hsperfdata format. */
export class Region {
  /** The region file, or undefined when the region is in private memory. */
  readonly path: string | undefined;
  /** Where close() and process exit save the final region, if anywhere. */
  readonly saveFile: string | undefined;
  readonly #writer: PerfDataWriter;
  #buffer: ArrayBuffer;
  readonly #file: RegionFile | undefined;
  #hook: ExitHook | undefined;
  #closed = false;
  #keepAtExit = false;
  readonly #beforeClose: (() => void)[] = [];

  /** @internal Use createRegion(). */
  constructor(key: symbol, opts: ResolvedOptions, buffer: ArrayBuffer, file: RegionFile | undefined) {
    if (key !== token) throw new TypeError('a Region is made by createRegion()');
    this.#buffer = buffer;
    this.#file = file;
    this.path = file?.path;
    this.saveFile = opts.saveFile;
    const where = this.path ?? 'the private region';
    this.#writer = new PerfDataWriter(buffer, {
      clock: elapsedTicks,
      onOverflow: (info) => opts.warn('PERFMEM_REGION_OVERFLOW',
        `perfmem: ${where} is full (${this.size} bytes${file !== undefined ? `; a shared region grows up to ${MAX_SIZE} bytes` : ', a private region does not grow'}): ` +
        `counter ${info.name} (${info.size} bytes) and any later ones live in private memory only`),
      grow: file === undefined ? undefined : (needed) => this.#grow(needed),
    });
    for (const c of identityCounters()) {
      if (c.kind === 'long') {
        this.#writer.long(c.name, { units: c.units, variability: c.variability, value: c.value as number, supported: c.supported });
      } else {
        this.#writer.string(c.name, c.value as string, { variability: c.variability === 'variable' ? 'variable' : 'constant', supported: c.supported });
      }
    }
  }

  /** The region's size in bytes now (a multiple of the page size; a shared region grows). */
  get size(): number {
    return this.#buffer.byteLength;
  }

  /**
   * Growth, when an entry does not fit: the file doubles (at least to what the entry needs,
   * rounded to pages), up to MAX_SIZE (8 MiB, what every reader accepts), and is mapped again.
   * Entries already made keep their mapping (the same pages); new ones go in the new mapping.
   * The entry is published (used, num_entries) only once written, as always.
   */
  #grow(needed: number): ArrayBuffer | undefined {
    if (this.#closed || this.#file === undefined) return undefined;
    const size = Math.min(MAX_SIZE, Math.max(this.#buffer.byteLength * 2, roundToPage(needed)));
    if (size < needed) return undefined;
    const mapping = this.#file.grow(size);
    if (mapping === undefined) return undefined;
    this.#buffer = mapping.buffer;
    return this.#buffer;
  }

  /** True when other processes can read the region (it has a file). */
  get shared(): boolean {
    return this.#file !== undefined && !this.#closed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * What a worker thread of this process passes to openRegionCounters() to map the region: the
   * creation descriptor, never the path. undefined for a private or closed region.
   */
  get threadHandle(): RegionThreadHandle | undefined {
    return this.#closed ? undefined : this.#file?.threadHandle();
  }

  /** Bytes of counters that did not fit, as the prologue's overflow field counts them. */
  get overflow(): number {
    return this.#writer.overflow;
  }

  /** A 64-bit counter: `inc()`, `add(n)`, `set(v)`, `get()`. Names are dotted ASCII identifiers, unique. */
  long(name: string, options?: LongCounterOptions): LongCounter {
    return this.#writer.long(name, options);
  }

  /** A string counter; a variable one can be `set()` later, up to `maxLength - 1` bytes. */
  string(name: string, value: string, options?: StringCounterOptions): StringCounter {
    return this.#writer.string(name, value, options);
  }

  /** The handle of a counter created earlier (identity counters included). */
  counter(name: string): LongCounter | StringCounter | undefined {
    return this.#writer.counter(name);
  }

  /**
   * Reserves a raw, 8-byte aligned byte-vector entry (see PerfDataWriter.rawBytes) and returns
   * the region's buffer and the data's offset, or undefined when the region is full or closed.
   */
  rawEntry(name: string, byteLength: number, options?: { supported?: boolean }): { buffer: ArrayBuffer; byteOffset: number } | undefined {
    if (this.#closed) return undefined;
    const byteOffset = this.#writer.rawBytes(name, byteLength, options);
    return byteOffset === undefined ? undefined : { buffer: this.#buffer, byteOffset };
  }

  /**
   * Runs `fn` when the region closes (close() or process end), before its file is removed,
   * while its bytes are still live: the place to save final values elsewhere. Errors are ignored.
   */
  beforeClose(fn: () => void): void {
    if (!this.#closed) this.#beforeClose.push(fn);
  }

  /**
   * @internal Leaves the file in place when the process ends, as a killed process's is left
   * (readers see it dead; the next stale sweep handles it): for a beforeClose hook that could
   * not save the final values it had to (perfmem/metrics' exit fold).
   */
  keepFileAtExit(): void {
    this.#keepAtExit = true;
  }

  /** The region's live bytes (for this process's own view; copy before keeping them). After close(), its final bytes. */
  bytes(): Uint8Array {
    return new Uint8Array(this.#buffer);
  }

  /** Writes the region as it is now to `path` (mode 0600), as -XX:PerfDataSaveFile does at exit. */
  save(path: string): void {
    writeFileSync(path, new Uint8Array(this.#buffer), { mode: 0o600 });
  }

  /**
   * Saves the region to `saveFile` (if set), removes its file and releases its memory. Counter
   * handles keep working in private memory. The next createRegion() makes a new region.
   */
  close(): void {
    this.#end(true);
  }

  /**
   * @internal What runs at process exit: close() without throwing, and only what outlives the
   * process: hooks, the save file, the file's removal. Handles are not moved to private memory
   * nor the memory unmapped (an exit listener that runs after this one may still update a
   * counter: it writes to pages of a file that is gone), and the exit listeners, descriptor
   * and timer go with the process: that saves copying every handle and a dozen calls at every
   * exit. A worker thread's 'exit' is not the process's: its region is closed in full.
   */
  endAtExit(): void {
    this.#end(false, isMainThread);
  }

  #end(throwOnSaveError: boolean, processEnding = false): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!processEnding) this.#hook?.remove();
    this.#hook = undefined;
    if (current === this) current = undefined;
    for (const fn of this.#beforeClose.splice(0)) {
      try {
        fn();
      } catch {
        // a failing hook must not keep the region from closing
      }
    }
    let saveError: unknown;
    if (this.saveFile !== undefined) {
      try {
        this.save(this.saveFile);
      } catch (err) {
        saveError = err;
      }
    }
    if (processEnding) {
      if (!this.#keepAtExit) this.#file?.removeAtExit();
    } else {
      // Handles move to private memory first, so nothing writes to the mapping once it is gone;
      // the final bytes stay readable (own views, save()) from a private copy.
      this.#writer.close();
      if (this.#file !== undefined) {
        this.#buffer = this.#buffer.slice(0);
        this.#file.close();
      }
    }
    if (saveError !== undefined && throwOnSaveError) throw saveError;
  }

  /** @internal */
  setExitHook(hook: ExitHook): void {
    this.#hook = hook;
  }
}

let current: Region | undefined;

/** This process's region, if createRegion() made one and it is not closed. */
export function currentRegion(): Region | undefined {
  return current;
}

/**
 * Creates this process's region (or returns the one that exists). Options override the
 * environment (PERFMEM_DIR, PERFMEM_SHM, PERFMEM_SIZE, PERFMEM_SAVE_FILE).
 */
export function createRegion(options: RegionOptions = {}): Region {
  if (current !== undefined) return current;
  const opts = resolveOptions(options);
  let file: RegionFile | undefined;
  if (opts.shared) {
    const base = opts.base ?? (opts.shm ? SHM_BASE : DEFAULT_BASE);
    const user = effectiveUser();
    try {
      file = RegionFile.create(base, user.name, user.uid, process.pid, opts.size);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      opts.warn('PERFMEM_PRIVATE_FALLBACK', `perfmem: cannot create a shared region in ${base}/hsperfdata_${user.name}: ${why}; using private memory (other processes cannot see this one)`);
    }
  }
  const buffer = file?.mapping.buffer ?? new ArrayBuffer(opts.size);
  let region: Region;
  try {
    region = new Region(token, opts, buffer, file);
  } catch (err) {
    file?.close();
    throw err;
  }
  current = region;
  // Signals reach only the main thread; a worker's region ends with the worker ('exit').
  region.setExitHook(onProcessEnd(() => region.endAtExit(), { signals: isMainThread && opts.exitSignals }));
  return region;
}
