/**
 * A writer of hsperfdata v2.0 regions over a caller-supplied buffer, allocating entries
 * exactly as HotSpot's PerfMemory::alloc and PerfData::create_entry do, in host byte order.
 * Structural changes are single-threaded (the thread that owns the writer); counter
 * updates go through the handles.
 */
import { MAX_STRING_BYTES } from './limits.js';
import { PerfDataError } from './errors.js';
import { HOST_LITTLE_ENDIAN, LongCounter, StringCounter, cString } from './handles.js';
import {
  BYTE_ORDER_BIG, BYTE_ORDER_LITTLE, E_DATA_OFFSET, E_DATA_TYPE, E_DATA_UNITS, E_DATA_VARIABILITY,
  E_ENTRY_LENGTH, E_FLAGS, E_NAME_OFFSET, E_VECTOR_LENGTH, FLAG_SUPPORTED, MAJOR_VERSION,
  MINOR_VERSION, P_ACCESSIBLE, P_BYTE_ORDER, P_ENTRY_OFFSET, P_MAGIC, P_MAJOR, P_MINOR,
  P_MOD_TIME_STAMP, P_NUM_ENTRIES, P_OVERFLOW, P_USED, PROLOGUE_SIZE, TYPE_BYTE, TYPE_LONG,
  UNITS, VARIABILITIES, entryGeometry, unitsCode, variabilityCode,
} from './layout.js';
import { validateCounterName } from './names.js';
import type { LongValue, Units, Variability } from './types.js';

const fillBytes = Uint8Array.prototype.fill;

export interface LongCounterOptions {
  /** Default 'none'. */
  units?: Units;
  /** Default 'variable'. */
  variability?: Variability;
  /** Initial value, default 0. */
  value?: LongValue;
  /** The entry's Supported flag, default true (jstat hides unsupported counters unless asked). */
  supported?: boolean;
}

export interface StringCounterOptions {
  /** 'constant' (default) or 'variable'; jvmstat rejects monotonic strings. */
  variability?: Exclude<Variability, 'monotonic'>;
  /**
   * Bytes reserved including the NUL (the entry's vector_length). Default as HotSpot's
   * PerfStringConstant: the value's UTF-8 length + 1, at most 1025; for a variable string at
   * least 256.
   */
  maxLength?: number;
  supported?: boolean;
}

export interface OverflowInfo {
  /** The counter that did not fit. */
  name: string;
  /** Bytes its entry needed. */
  size: number;
  /** The prologue's overflow total after it. */
  overflow: number;
}

export interface PerfDataWriterOptions {
  /** Ticks for mod_time_stamp; default process.hrtime.bigint() (nanoseconds). */
  clock?: () => bigint;
  /** Called once, at the first counter that does not fit (the caller's cue to warn once). */
  onOverflow?: (info: OverflowInfo) => void;
  /**
   * Leave `accessible` at 0 until setAccessible(true), as HotSpot does until the end of VM
   * start-up (default false: accessible as soon as the first entry is published).
   */
  deferAccessible?: boolean;
  /**
   * Called when an entry does not fit, with the size the buffer must exceed: returns a larger
   * buffer over the same bytes (a larger mapping of the same file), which the writer then
   * allocates in, or undefined (the entry overflows). Handles made before keep their old
   * buffer: both views share the file's pages, so their stores stay visible.
   */
  grow?: (needed: number) => ArrayBufferLike | undefined;
}

/** HotSpot's PerfMaxStringConstLength (1024) + 1 for the NUL. */
export const MAX_STRING_CONSTANT_LENGTH = 1025;
const DEFAULT_VARIABLE_STRING_LENGTH = 256;

function argumentError(message: string): PerfDataError {
  return new PerfDataError('ERR_PERFDATA_ARGUMENT', `perfdata: ${message}`);
}

function checkLongValue(name: string, v: unknown): LongValue {
  if (typeof v === 'bigint') {
    if (v !== BigInt.asIntN(64, v)) throw argumentError(`value ${v} of ${name} is outside the signed 64-bit range`);
    return v;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw argumentError(`value ${String(v)} of ${name} is not an integer`);
  if (!Number.isSafeInteger(v)) throw argumentError(`value ${v} of ${name} is not a safe integer; pass a bigint`);
  return v;
}

/** Writes a region: the prologue at construction, then one entry per counter. */
export class PerfDataWriter {
  private buf: ArrayBufferLike;
  // A Buffer over the region's bytes: a Uint8Array that also writes a name in one native call.
  private u8: Buffer;
  private i32: Int32Array;
  private b64: BigInt64Array;
  private view: DataView;
  private readonly clock: () => bigint;
  private readonly onOverflow: ((info: OverflowInfo) => void) | undefined;
  private readonly grow: ((needed: number) => ArrayBufferLike | undefined) | undefined;
  private readonly handles = new Map<string, LongCounter | StringCounter>();
  private readonly raw = new Set<string>();
  private top = PROLOGUE_SIZE;
  private entries = 0;
  private overflowBytes = 0;
  private isClosed = false;
  private readonly autoAccessible: boolean;

  /**
   * Zeroes `buffer` and writes a fresh prologue (host byte order, version 2.0, not yet
   * accessible, used 0 as HotSpot starts). The buffer must be 8-byte sized and at least 32 bytes.
   */
  constructor(buffer: ArrayBufferLike, options: PerfDataWriterOptions = {}) {
    if (!(buffer instanceof ArrayBuffer) && !(typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer)) {
      throw new PerfDataError('ERR_PERFDATA_BUFFER', 'perfdata: the writer needs an ArrayBuffer or SharedArrayBuffer');
    }
    if (buffer.byteLength < PROLOGUE_SIZE || buffer.byteLength % 8 !== 0) {
      throw new PerfDataError('ERR_PERFDATA_BUFFER', `perfdata: a region of ${buffer.byteLength} bytes is not a multiple of 8 of at least ${PROLOGUE_SIZE}`);
    }
    this.buf = buffer;
    this.u8 = Buffer.from(buffer);
    this.i32 = new Int32Array(buffer);
    this.b64 = new BigInt64Array(buffer);
    this.view = new DataView(buffer);
    this.clock = options.clock ?? process.hrtime.bigint;
    this.onOverflow = options.onOverflow;
    this.grow = options.grow;
    this.autoAccessible = options.deferAccessible !== true;

    this.u8.fill(0);
    this.u8[P_BYTE_ORDER] = HOST_LITTLE_ENDIAN ? BYTE_ORDER_LITTLE : BYTE_ORDER_BIG;
    this.u8[P_MAJOR] = MAJOR_VERSION;
    this.u8[P_MINOR] = MINOR_VERSION;
    this.view.setInt32(P_ENTRY_OFFSET, PROLOGUE_SIZE, HOST_LITTLE_ENDIAN);
    // The magic goes in last: a reader that sees it sees a complete prologue.
    this.view.setUint32(P_MAGIC, 0xcafec0c0, false);
  }

  /** The buffer entries are allocated in now (a larger one after the region grew). */
  get buffer(): ArrayBufferLike {
    return this.buf;
  }
  /** The region's size now. */
  get size(): number {
    return this.buf.byteLength;
  }

  /** Bytes allocated so far, prologue included (the prologue's `used` once an entry exists). */
  get used(): number {
    return this.top;
  }
  get numEntries(): number {
    return this.entries;
  }
  /** Bytes of entries that did not fit, summed as HotSpot does. */
  get overflow(): number {
    return this.overflowBytes;
  }
  get closed(): boolean {
    return this.isClosed;
  }

  /** The handle of an existing counter. */
  counter(name: string): LongCounter | StringCounter | undefined {
    return this.handles.get(name);
  }

  /** Names of every counter created, in creation order (including overflowed ones). */
  names(): string[] {
    return [...this.handles.keys()];
  }

  /** Sets the prologue's accessible flag (done automatically when the first entry is published). */
  setAccessible(accessible: boolean): void {
    if (!this.isClosed) Atomics.store(this.u8, P_ACCESSIBLE, accessible ? 1 : 0);
  }

  /** Creates a 64-bit counter entry and returns its handle. */
  long(name: string, options: LongCounterOptions = {}): LongCounter {
    this.checkNew(name);
    const units = options.units ?? 'none';
    const variability = options.variability ?? 'variable';
    if (!UNITS.includes(units)) throw argumentError(`unknown units ${JSON.stringify(units)} for ${name}`);
    if (!VARIABILITIES.includes(variability)) throw argumentError(`unknown variability ${JSON.stringify(variability)} for ${name}`);
    const value = checkLongValue(name, options.value ?? 0);
    const geometry = entryGeometry(name.length, 8, 0);
    const at = this.allocate(name, geometry.size);
    let handle: LongCounter;
    if (at === undefined) {
      handle = new LongCounter(name, new ArrayBuffer(8), 0);
    } else {
      this.writeHeader(at, name, geometry.size, geometry.dataOffset, 0, TYPE_LONG, options.supported ?? true, units, variability);
      handle = new LongCounter(name, this.buffer, at + geometry.dataOffset);
    }
    // The data is zeroed (a fresh buffer, or the header's fill): an initial 0, the usual one,
    // is already there; any other value is stored by set(), without a bigint for a small one.
    if (value !== 0) handle.set(value);
    if (at !== undefined) this.publish(at, geometry.size);
    this.handles.set(name, handle);
    return handle;
  }

  /** Creates a string counter entry ('B' vector with units String) and returns its handle. */
  string(name: string, value: string, options: StringCounterOptions = {}): StringCounter {
    this.checkNew(name);
    const variability = options.variability ?? 'constant';
    if (variability !== 'constant' && variability !== 'variable') {
      throw argumentError(`a string counter is constant or variable, not ${JSON.stringify(variability)} (${name})`);
    }
    const text = cString(String(value));
    let maxLength = options.maxLength;
    if (maxLength === undefined) {
      // UTF-8 length without encoding (a lone surrogate counts 3 bytes, as set()'s U+FFFD).
      const needed = Buffer.byteLength(text, 'utf8') + 1;
      maxLength = variability === 'constant'
        ? Math.min(needed, MAX_STRING_CONSTANT_LENGTH)
        : Math.max(needed, DEFAULT_VARIABLE_STRING_LENGTH);
    }
    if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > MAX_STRING_BYTES) {
      throw argumentError(`maxLength ${String(maxLength)} of ${name} is not an integer from 1 to ${MAX_STRING_BYTES} (readers refuse longer strings)`);
    }
    const geometry = entryGeometry(name.length, 1, maxLength);
    const at = this.allocate(name, geometry.size);
    let handle: StringCounter;
    if (at === undefined) {
      handle = new StringCounter(name, new ArrayBuffer(maxLength), 0, maxLength);
      handle.set(text);
    } else {
      this.writeHeader(at, name, geometry.size, geometry.dataOffset, maxLength, TYPE_BYTE, options.supported ?? true, 'string', variability);
      handle = new StringCounter(name, this.buffer, at + geometry.dataOffset, maxLength);
      handle.set(text);
      this.publish(at, geometry.size);
    }
    this.handles.set(name, handle);
    return handle;
  }

  /**
   * Reserves a 'B' byte-vector entry of `byteLength` bytes whose data starts 8-byte aligned
   * (data_offset is padded; jvmstat reads data_offset from the header), for a caller that lays
   * out its own binary records (perfmem/metrics). The bytes start zeroed; the caller writes them
   * through views of `buffer`. Returns the data's byte offset, or undefined when the region is
   * full or closed (counted in `overflow` like any other entry). Units are 'string' (jvmstat
   * accepts byte vectors only as strings) and the first byte should stay 0 so a string reader
   * shows an empty value; `supported` defaults to false so plain `jstat -snap` hides the entry.
   */
  rawBytes(name: string, byteLength: number, options: { supported?: boolean; variability?: 'constant' | 'variable' } = {}): number | undefined {
    this.checkNew(name);
    if (!Number.isInteger(byteLength) || byteLength < 1 || byteLength > 0x7fffffff) {
      throw argumentError(`byteLength ${String(byteLength)} of ${name} is not an integer from 1 to 2^31-1`);
    }
    const plain = entryGeometry(name.length, 1, byteLength);
    const dataOffset = (plain.dataOffset + 7) & ~7;
    const size = (dataOffset + byteLength + 7) & ~7;
    const at = this.allocate(name, size);
    if (at === undefined) return undefined;
    this.writeHeader(at, name, size, dataOffset, byteLength, TYPE_BYTE, options.supported ?? false, 'string', options.variability ?? 'variable');
    this.publish(at, size);
    this.raw.add(name);
    return at + dataOffset;
  }

  /**
   * Detaches every handle to private memory (they keep their values and keep working) and
   * stops writing to the buffer, so the caller may unmap or reuse it.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    for (const handle of this.handles.values()) handle.detach();
  }

  private checkNew(name: string): void {
    validateCounterName(name);
    if (this.handles.has(name) || this.raw.has(name)) {
      throw new PerfDataError('ERR_PERFDATA_DUPLICATE', `perfdata: a counter named ${JSON.stringify(name)} already exists`);
    }
  }

  /**
   * PerfMemory::alloc: the entry fits only while top + size stays below the end (its `>=`
   * test); otherwise its size is added to overflow and the counter lives in private memory.
   */
  private allocate(name: string, size: number): number | undefined {
    if (this.isClosed) return undefined;
    if (this.top + size >= this.size && !this.tryGrow(this.top + size + 1)) {
      const first = this.overflowBytes === 0;
      this.overflowBytes = (this.overflowBytes + size) | 0;
      Atomics.store(this.i32, P_OVERFLOW / 4, this.overflowBytes);
      if (first && this.onOverflow !== undefined) this.onOverflow({ name, size, overflow: this.overflowBytes });
      return undefined;
    }
    const at = this.top;
    this.top += size;
    return at;
  }

  /** Moves allocation to a larger buffer over the same bytes (options.grow); false when there is none. */
  private tryGrow(needed: number): boolean {
    let next: ArrayBufferLike | undefined;
    try {
      next = this.grow?.(needed);
    } catch {
      next = undefined;
    }
    if (next === undefined || next.byteLength < needed || next.byteLength % 8 !== 0) return false;
    this.buf = next;
    this.u8 = Buffer.from(next);
    this.i32 = new Int32Array(next);
    this.b64 = new BigInt64Array(next);
    this.view = new DataView(next);
    return true;
  }

  /** Everything of the entry header but entry_length, which publish() stores last. */
  private writeHeader(at: number, name: string, size: number, dataOffset: number, vectorLength: number,
    type: number, supported: boolean, units: Units, variability: Variability): void {
    const v = this.view;
    const le = HOST_LITTLE_ENDIAN;
    v.setInt32(at + E_NAME_OFFSET, 20, le);
    v.setInt32(at + E_VECTOR_LENGTH, vectorLength, le);
    v.setUint8(at + E_DATA_TYPE, type);
    v.setUint8(at + E_FLAGS, supported ? FLAG_SUPPORTED : 0);
    v.setUint8(at + E_DATA_UNITS, unitsCode(units));
    v.setUint8(at + E_DATA_VARIABILITY, variabilityCode(variability));
    v.setInt32(at + E_DATA_OFFSET, dataOffset, le);
    const nameAt = at + 20;
    // An ASCII name (validated): one byte per character. A loop and TypedArray's own fill, not
    // Buffer's write() and fill(): those allocate at each call (about 240 bytes an entry, for
    // some 200 entries at every instrumented start) and cost twice the time.
    const u8 = this.u8;
    for (let i = 0; i < name.length; i++) u8[nameAt + i] = name.charCodeAt(i);
    fillBytes.call(u8, 0, nameAt + name.length, at + size);
  }

  /**
   * Makes a fully written entry visible: entry_length (what jvmstat walks by), then used and
   * num_entries, then mod_time_stamp, then accessible.
   */
  private publish(at: number, size: number): void {
    Atomics.store(this.i32, (at + E_ENTRY_LENGTH) / 4, size);
    this.entries++;
    Atomics.store(this.i32, P_USED / 4, this.top);
    Atomics.store(this.i32, P_NUM_ENTRIES / 4, this.entries);
    // A BigInt64Array store wraps to 64 bits by itself (no BigInt.asIntN, one bigint less per entry).
    Atomics.store(this.b64, P_MOD_TIME_STAMP / 8, this.clock());
    if (this.autoAccessible && this.u8[P_ACCESSIBLE] === 0) Atomics.store(this.u8, P_ACCESSIBLE, 1);
  }
}

/**
 * A handle on an existing long entry of a region this process maps (e.g. in a worker
 * thread), for add() from several threads. The region must be in host byte order.
 */
export function attachLongCounter(buffer: ArrayBufferLike, entry: { name: string; type: 'long' | 'string'; dataOffset: number }): LongCounter {
  if (entry.type !== 'long' || entry.dataOffset % 8 !== 0 || entry.dataOffset + 8 > buffer.byteLength) {
    throw argumentError(`${entry.name} is not an 8-byte aligned long entry inside the buffer`);
  }
  return new LongCounter(entry.name, buffer, entry.dataOffset);
}
