/**
 * A bounds-checked reader of hsperfdata v2.0 regions. It accepts what jvmstat's v2_0
 * PerfDataBuffer accepts (both byte orders; entries walked from entry_offset until a zero
 * entry_length or the end of the buffer, as jvmstat does, not by num_entries) and turns
 * everything jvmstat would choke on into a PerfDataError with a stable code and an offset.
 * Every read is checked against the input's length first: no RangeError, no unbounded loop
 * (each step advances by at least one entry header).
 */
import { isUtf8 } from 'node:buffer';
import { PerfDataError } from './errors.js';
import { decodeUtf8AsJava } from './java-utf8.js';
import { longValueOf, TWO_32 } from './handles.js';
import {
  BYTE_ORDER_BIG, E_DATA_OFFSET, E_DATA_TYPE, E_DATA_UNITS, E_DATA_VARIABILITY, E_FLAGS,
  E_NAME_OFFSET, E_VECTOR_LENGTH, ENTRY_HEADER_SIZE, FLAG_SUPPORTED, KNOWN_TYPE_CODES, MAGIC,
  MAJOR_VERSION, MINOR_VERSION, P_ACCESSIBLE, P_BYTE_ORDER, P_ENTRY_OFFSET, P_MAGIC, P_MAJOR,
  P_MINOR, P_MOD_TIME_STAMP, P_NUM_ENTRIES, P_OVERFLOW, P_USED, PROLOGUE_SIZE, TYPE_BYTE,
  TYPE_LONG, unitsFromCode, variabilityFromCode,
} from './layout.js';
import { MAX_ENTRIES, MAX_NAME_BYTES, MAX_REGION_SIZE, MAX_STRING_BYTES } from './limits.js';
import type { CounterInfo, LongCounterInfo, LongValue, ParsedPerfData, PerfDataHeader, Units, Variability } from './types.js';

/** What a region may be handed in as: its bytes, or a view of them. */
export type PerfDataBytes = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

/** Where one entry sits in the region, for callers that re-read values in place. */
export interface EntryLocation {
  name: string;
  type: 'long' | 'string';
  units: Units;
  variability: Variability;
  supported: boolean;
  /** Offset of the entry header from the start of the region. */
  offset: number;
  /** entry_length. */
  length: number;
  /** Absolute offset of the value (8 bytes for a long, vectorLength bytes for a string). */
  dataOffset: number;
  /** vector_length: 0 for a long, the reserved bytes (with the NUL) for a string. */
  vectorLength: number;
}

export interface ParseOptions {
  /**
   * Add jvmstat's sun.perfdata.* pseudo-counters (majorVersion, minorVersion, size, used,
   * overflow, timestamp), decoded from the prologue, as jstat -snap shows them (default true).
   */
  pseudoCounters?: boolean;
  /**
   * The whole region's size, when `bytes` holds only its first `used` bytes (what a reader
   * copies): the header's `size` and sun.perfdata.size report it.
   */
  regionSize?: number;
}


/** @internal */
export function dataViewOf(bytes: PerfDataBytes): DataView {
  if (bytes instanceof DataView) return bytes;
  if (ArrayBuffer.isView(bytes)) return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && bytes instanceof SharedArrayBuffer)) {
    return new DataView(bytes);
  }
  const err = new TypeError('perfdata: expected an ArrayBuffer, SharedArrayBuffer or a view of one') as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_TYPE';
  throw err;
}

/** The words of every byte's units and variability code (undefined for an invalid one): a load per entry, not a call. */
const UNITS_OF_CODE: readonly (Units | undefined)[] = Array.from({ length: 256 }, (_, code) => unitsFromCode(code));
const VARIABILITY_OF_CODE: readonly (Variability | undefined)[] = Array.from({ length: 256 }, (_, code) => variabilityFromCode(code));

const KNOWN_TYPE = new Uint8Array(256);
for (let i = 0; i < KNOWN_TYPE_CODES.length; i++) KNOWN_TYPE[KNOWN_TYPE_CODES.charCodeAt(i)] = 1;

/**
 * A name from a region as an error message shows it: quoted, cut to 80 characters, every
 * control character escaped (C0, DEL and C1, which some terminals obey), so that a hostile
 * name is inert wherever the message is printed.
 */
export function shown(name: string): string {
  const cut = name.length > 80 ? `${name.slice(0, 80)}...` : name;
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function corrupt(message: string, offset: number): PerfDataError {
  return new PerfDataError('ERR_PERFDATA_CORRUPT', message, offset);
}

/**
 * Reads a 64-bit two's-complement value: a number while it is a safe integer, else a bigint.
 * The caller has checked that 8 bytes are in bounds.
 */
export function readLongAt(view: DataView, offset: number, littleEndian: boolean): LongValue {
  const hi = view.getInt32(offset + (littleEndian ? 4 : 0), littleEndian);
  const lo = view.getUint32(offset + (littleEndian ? 0 : 4), littleEndian);
  // hi in (-2^21, 2^21) keeps hi * 2^32 + lo a safe integer; at hi = -2^21 only lo > 0 does.
  if (hi < 0x200000 && (hi > -0x200000 || (hi === -0x200000 && lo !== 0))) return hi * TWO_32 + lo;
  return view.getBigInt64(offset, littleEndian);
}

/**
 * Decodes and checks the 32-byte prologue: the magic, version 2.0, and that entry_offset
 * lies inside the region. `size` is the length of the input.
 */
export function readHeader(bytes: PerfDataBytes): PerfDataHeader {
  const view = dataViewOf(bytes);
  const size = view.byteLength;
  if (size < PROLOGUE_SIZE) {
    throw new PerfDataError('ERR_PERFDATA_MAGIC', `perfdata: ${size} bytes is too short for the ${PROLOGUE_SIZE}-byte prologue`, 0);
  }
  if (size > MAX_REGION_SIZE) {
    throw new PerfDataError('ERR_PERFDATA_LIMIT', `perfdata: ${size} bytes is more than the ${MAX_REGION_SIZE}-byte limit of a region`, 0);
  }
  const magic = view.getUint32(P_MAGIC, false);
  if (magic !== MAGIC) {
    // Never the bytes themselves: a refused file's content must not appear in a message.
    throw new PerfDataError('ERR_PERFDATA_MAGIC', 'perfdata: not an hsperfdata region (the first 4 bytes are not the magic 0xcafec0c0)', P_MAGIC);
  }
  // jvmstat reads any non-zero byte-order byte as little-endian.
  const little = view.getUint8(P_BYTE_ORDER) !== BYTE_ORDER_BIG;
  const majorVersion = view.getUint8(P_MAJOR);
  const minorVersion = view.getUint8(P_MINOR);
  if (majorVersion !== MAJOR_VERSION || minorVersion !== MINOR_VERSION) {
    throw new PerfDataError('ERR_PERFDATA_VERSION', `perfdata: version ${majorVersion}.${minorVersion} is not supported (only ${MAJOR_VERSION}.${MINOR_VERSION})`, P_MAJOR);
  }
  const entryOffset = view.getInt32(P_ENTRY_OFFSET, little);
  if (entryOffset < PROLOGUE_SIZE || entryOffset > size || entryOffset % 4 !== 0) {
    throw corrupt(`perfdata: entry_offset ${entryOffset} is not a 4-byte aligned offset between ${PROLOGUE_SIZE} and the region size ${size}`, P_ENTRY_OFFSET);
  }
  return {
    byteOrder: little ? 'little' : 'big',
    majorVersion,
    minorVersion,
    accessible: view.getUint8(P_ACCESSIBLE) !== 0,
    used: view.getInt32(P_USED, little),
    overflow: view.getInt32(P_OVERFLOW, little),
    modTimeStamp: view.getBigInt64(P_MOD_TIME_STAMP, little),
    entryOffset,
    numEntries: view.getInt32(P_NUM_ENTRIES, little),
    size,
  };
}

/** A Buffer over the same bytes: Node's native UTF-8 slicing is much faster than TextDecoder for short strings. */
/** @internal */
export function bufferOf(view: DataView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** Names and most strings are short: scan them in JavaScript, longer ones natively. */
const SHORT_SCAN = 64;
/** A char of a latin1 text that is not ASCII: the bytes are UTF-8 to decode as Java does. */
const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The whole region decoded once as latin1 (one char per byte), so that each ASCII name is a
 * cheap slice of it: one native decode of 32 KiB costs less than a few dozen small ones.
 * @internal
 */
export class Latin1Text {
  private text: string | undefined;
  constructor(private readonly bytes: Buffer) {}
  slice(start: number, end: number): string {
    return this.all().slice(start, end);
  }

  /** The whole text. */
  all(): string {
    this.text ??= this.bytes.toString('latin1');
    return this.text;
  }

  /** The bytes in [start, end) up to the first NUL, one char per byte (found by native string search). */
  upToNul(start: number, end: number): string {
    const text = this.slice(start, end);
    const nul = text.indexOf('\0');
    return nul === -1 ? text : text.slice(0, nul);
  }
}

/** Whether every string of `names` is ASCII. */
function allAscii(names: ReadonlySet<string>): boolean {
  for (const n of names) if (NON_ASCII.test(n)) return false;
  return true;
}

/**
 * Decodes the bytes in [start, end) up to the first NUL as Java does (UTF-8, malformed runs
 * replaced by U+FFFD with Java's rules). The NUL search never leaves [start, end), so a
 * hostile region without NULs costs linear time, not quadratic.
 * @internal
 */
export function decodeString(bytes: Buffer, start: number, end: number, latin1?: Latin1Text): string {
  if (latin1 !== undefined) {
    // With the region's text at hand, the NUL and any high byte are found by the engine's own
    // string search (a slice of a flat string costs no copy) instead of a loop over the bytes:
    // a listing's walk decodes every name, and a short command runs it in the interpreter.
    const text = latin1.upToNul(start, end);
    if (!NON_ASCII.test(text)) return text;
    const stop = start + text.length;
    if (isUtf8(bytes.subarray(start, stop))) return bytes.toString('utf8', start, stop);
    return decodeUtf8AsJava(bytes, start, stop);
  }
  const short = Math.min(end, start + SHORT_SCAN);
  let stop = start;
  let high = 0;
  for (; stop < short; stop++) {
    const b = bytes[stop] as number;
    if (b === 0) break;
    high |= b;
  }
  if (stop === short && short < end) {
    const nul = bytes.subarray(short, end).indexOf(0);
    stop = nul === -1 ? end : short + nul;
    high = 0x80;
  }
  if (high < 0x80) return bytes.toString('latin1', start, stop);
  if (isUtf8(bytes.subarray(start, stop))) return bytes.toString('utf8', start, stop);
  return decodeUtf8AsJava(bytes, start, stop);
}

/**
 * A string entry's value: its bytes up to the first NUL. As in jvmstat's PerfStringMonitor,
 * a field of one byte (or none) is always the empty string.
 * @internal
 */
export function decodeStringValue(bytes: Buffer, dataOffset: number, vectorLength: number, latin1?: Latin1Text): string {
  return vectorLength <= 1 ? '' : decodeString(bytes, dataOffset, dataOffset + vectorLength, latin1);
}

/**
 * Walks the entries as jvmstat does and returns where each one is, checking every field
 * against its entry and the region. Duplicated names are all returned, in file order.
 */
export function locateEntries(bytes: PerfDataBytes, header: PerfDataHeader = readHeader(bytes)): EntryLocation[] {
  const view = dataViewOf(bytes);
  const entries: EntryLocation[] = [];
  walkEntries(view, bufferOf(view), header.byteOrder === 'little', header.entryOffset, entries);
  return entries;
}

export interface FindOptions {
  /** Stop after this many entries (default MAX_ENTRIES): a listing needs only the first few hundred. */
  maxEntries?: number;
  /**
   * `bytes` is only the first part of the region (a listing's bounded read): an entry running
   * past its end ends the walk instead of being an error.
   */
  partial?: boolean;
}

/**
 * The entries named in `wanted` (the last of each name), walking only until every one was
 * seen, the walk ends, or `maxEntries` entries were looked at: what a listing needs, at a
 * cost bounded by the caller, whatever else the region holds.
 */
export function findEntries(bytes: PerfDataBytes, wanted: ReadonlySet<string>, header: PerfDataHeader = readHeader(bytes),
  options: FindOptions = {}): Map<string, EntryLocation> {
  const view = dataViewOf(bytes);
  const found = new Map<string, EntryLocation>();
  walkEntries(view, bufferOf(view), header.byteOrder === 'little', header.entryOffset, found,
    { wanted, maxEntries: options.maxEntries, partial: options.partial === true });
  return found;
}

/** @internal What walkEntries keeps, and when it stops early. */
export interface WalkFilter {
  wanted: ReadonlySet<string>;
  maxEntries: number | undefined;
  partial: boolean;
}

/** The entries by name; where a name repeats, the last entry wins (as a full parse reports it). */
export function entriesByName(bytes: PerfDataBytes, header: PerfDataHeader = readHeader(bytes)): Map<string, EntryLocation> {
  const byName = new Map<string, EntryLocation>();
  for (const e of locateEntries(bytes, header)) byName.set(e.name, e);
  return byName;
}

/**
 * The walk behind locateEntries, from offset `at` (an entry's start), appending to
 * `entries`; returns the offset where it stopped (a zero entry_length or the end).
 * @internal
 */
export function walkEntries(view: DataView, u8: Buffer, little: boolean, at: number,
  entries: EntryLocation[] | Map<string, EntryLocation>, filter?: WalkFilter): number {
  const limit = Math.min(view.byteLength, MAX_REGION_SIZE);
  const latin1 = new Latin1Text(u8);
  const list = Array.isArray(entries) ? entries : undefined;
  const maxEntries = Math.min(filter?.maxEntries ?? MAX_ENTRIES, MAX_ENTRIES);
  // Names wanted that are all ASCII (every listing's) match a name's bytes read as latin1
  // exactly when they match its Java decoding: a byte >= 0x80 gives a non-ASCII char either
  // way. A walk for them then never decodes a name it does not keep (but for a message).
  const asciiWanted = filter !== undefined && allAscii(filter.wanted);
  const exact = (start: number, end: number, name: string): string => (asciiWanted ? decodeString(u8, start, end, latin1) : name);
  // And only a name as long as a wanted one becomes a string at all: a listing's walk makes none
  // for most entries. A name's NUL is found by searching the text from the name on; a NUL found
  // past a name serves the names before it, so no byte is searched twice, whatever the region holds.
  const wantedLengths = asciiWanted ? new Set([...filter.wanted].map((n) => n.length)) : undefined;
  const text = wantedLengths !== undefined ? latin1.all() : '';
  let nul = -1;
  // Entries before `at` (a cached reader walking on) count towards the bound too.
  let count = list?.length ?? 0;
  while (at < limit) {
    if (at % 4 !== 0) throw corrupt(`perfdata: misaligned entry`, at);
    if (at + 4 > limit) {
      if (filter?.partial === true) break;
      throw corrupt(`perfdata: entry header extends beyond the region end ${limit}`, at);
    }
    const length = view.getInt32(at, little);
    if (length === 0) break; // the end of the allocated entries
    if (length > limit - at && filter?.partial === true && length >= ENTRY_HEADER_SIZE) break; // beyond what was read
    if (length < ENTRY_HEADER_SIZE || length > limit - at) {
      throw corrupt(`perfdata: entry_length ${length} is outside the ${ENTRY_HEADER_SIZE}..${limit - at} bytes left in the region`, at);
    }
    const nameOffset = view.getInt32(at + E_NAME_OFFSET, little);
    const vectorLength = view.getInt32(at + E_VECTOR_LENGTH, little);
    // Single bytes as element loads of the same bytes (u8 is `view`'s range): no call each.
    const typeCode = u8[at + E_DATA_TYPE]!;
    const flags = u8[at + E_FLAGS]!;
    const unitsByte = u8[at + E_DATA_UNITS]!;
    const variabilityByte = u8[at + E_DATA_VARIABILITY]!;
    const dataOffset = view.getInt32(at + E_DATA_OFFSET, little);

    if (KNOWN_TYPE[typeCode] !== 1) {
      throw corrupt(`perfdata: illegal type code 0x${typeCode.toString(16)}`, at + E_DATA_TYPE);
    }
    if (nameOffset < ENTRY_HEADER_SIZE || nameOffset > length) {
      throw corrupt(`perfdata: name_offset ${nameOffset} is outside its entry of ${length} bytes`, at + E_NAME_OFFSET);
    }
    if (dataOffset < nameOffset || dataOffset > length) {
      throw corrupt(`perfdata: data_offset ${dataOffset} is not between name_offset ${nameOffset} and the entry length ${length}`, at + E_DATA_OFFSET);
    }
    const variability = VARIABILITY_OF_CODE[variabilityByte];
    if (variability === undefined) {
      throw corrupt(`perfdata: invalid variability 0x${variabilityByte.toString(16)}`, at + E_DATA_VARIABILITY);
    }
    const units = UNITS_OF_CODE[unitsByte];
    if (units === undefined) throw corrupt(`perfdata: invalid units 0x${unitsByte.toString(16)}`, at + E_DATA_UNITS);

    if (count >= maxEntries) {
      if (filter !== undefined) break; // a partial look was asked for
      throw new PerfDataError('ERR_PERFDATA_LIMIT', `perfdata: more than ${MAX_ENTRIES} entries`, at);
    }
    count++;
    // The name runs to its NUL or, with none, to the data (jvmstat takes the whole field).
    const nameStart = at + nameOffset;
    const nameEnd = at + dataOffset;
    if (nameEnd - nameStart > MAX_NAME_BYTES && u8.subarray(nameStart, nameStart + MAX_NAME_BYTES + 1).indexOf(0) === -1) {
      throw new PerfDataError('ERR_PERFDATA_LIMIT', `perfdata: an entry name longer than ${MAX_NAME_BYTES} bytes`, nameStart);
    }
    let name = '';
    let maybeWanted = true;
    if (wantedLengths !== undefined) {
      if (nul < nameStart) {
        nul = text.indexOf('\0', nameStart);
        if (nul === -1) nul = text.length;
      }
      const nameLength = Math.min(nul, nameEnd) - nameStart;
      maybeWanted = wantedLengths.has(nameLength);
      if (maybeWanted) name = text.slice(nameStart, nameStart + nameLength);
    } else {
      name = decodeString(u8, nameStart, nameEnd, latin1);
    }
    let type: 'long' | 'string';
    if (vectorLength === 0) {
      if (typeCode !== TYPE_LONG) {
        throw new PerfDataError('ERR_PERFDATA_UNSUPPORTED', `perfdata: unsupported scalar type '${String.fromCharCode(typeCode)}' for ${shown(exact(nameStart, nameEnd, name))}`, at + E_DATA_TYPE);
      }
      if (dataOffset + 8 > length) throw corrupt(`perfdata: the 8-byte value of ${shown(exact(nameStart, nameEnd, name))} extends beyond its entry`, at + E_DATA_OFFSET);
      type = 'long';
    } else {
      if (typeCode !== TYPE_BYTE) {
        throw new PerfDataError('ERR_PERFDATA_UNSUPPORTED', `perfdata: unsupported vector type '${String.fromCharCode(typeCode)}' for ${shown(exact(nameStart, nameEnd, name))}`, at + E_DATA_TYPE);
      }
      if (units !== 'string') {
        throw new PerfDataError('ERR_PERFDATA_UNSUPPORTED', `perfdata: unsupported byte vector with units ${units} for ${shown(exact(nameStart, nameEnd, name))}`, at + E_DATA_UNITS);
      }
      if (variability === 'monotonic') {
        throw new PerfDataError('ERR_PERFDATA_UNSUPPORTED', `perfdata: unsupported monotonic string ${shown(exact(nameStart, nameEnd, name))}`, at + E_DATA_VARIABILITY);
      }
      if (vectorLength < 0 || vectorLength > length - dataOffset) {
        throw corrupt(`perfdata: vector_length ${vectorLength} of ${shown(exact(nameStart, nameEnd, name))} does not fit in its entry`, at + E_VECTOR_LENGTH);
      }
      if (vectorLength > MAX_STRING_BYTES) {
        throw new PerfDataError('ERR_PERFDATA_LIMIT', `perfdata: a string of ${vectorLength} bytes is longer than the ${MAX_STRING_BYTES}-byte limit`, at + E_VECTOR_LENGTH);
      }
      type = 'string';
    }
    if (list !== undefined) {
      list.push({
        name, type, units, variability, supported: (flags & FLAG_SUPPORTED) !== 0,
        offset: at, length, dataOffset: at + dataOffset, vectorLength,
      });
    } else if (filter === undefined || (maybeWanted && filter.wanted.has(name))) {
      const byName = entries as Map<string, EntryLocation>;
      byName.set(name, {
        name, type, units, variability, supported: (flags & FLAG_SUPPORTED) !== 0,
        offset: at, length, dataOffset: at + dataOffset, vectorLength,
      });
      if (filter !== undefined && byName.size === filter.wanted.size) {
        at += length;
        break; // every wanted name seen (a later duplicate would be missed, as in a listing)
      }
    }
    at += length;
  }
  return at;
}

/** Reads the current value of a located entry (a long, or a string up to its first NUL). */
export function readEntryValue(bytes: PerfDataBytes, entry: EntryLocation, byteOrder: 'big' | 'little'): LongValue | string {
  const view = dataViewOf(bytes);
  if (entry.type === 'long') return readLongAt(view, entry.dataOffset, byteOrder === 'little');
  return decodeStringValue(bufferOf(view), entry.dataOffset, entry.vectorLength);
}

/**
 * True when two copies of a prologue agree on everything a writer changes as it adds entries or
 * updates the region (accessible, used, overflow, mod_time_stamp, entry_offset, num_entries):
 * a copy of the whole region taken between two equal prologues saw no structural change.
 */
export function samePrologueState(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength < PROLOGUE_SIZE || b.byteLength < PROLOGUE_SIZE) return false;
  for (let i = P_ACCESSIBLE; i < PROLOGUE_SIZE; i++) if (a[i] !== b[i]) return false;
  return true;
}

function int32At(b: Uint8Array, o: number, little: boolean): number {
  return little
    ? ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24))
    : (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number));
}

/**
 * How many leading bytes of a region of `size` bytes hold its prologue and entries, from the
 * prologue in `bytes`: `used` (at least up to entry_offset), or `size` when the prologue claims
 * more than the region has. A reader copies only these, so its cost is what the region
 * holds, never more than the file (which the caller bounds).
 */
export function allocatedLength(bytes: Uint8Array, size: number): number {
  if (size < PROLOGUE_SIZE || bytes.byteLength < PROLOGUE_SIZE) return size;
  const little = bytes[P_BYTE_ORDER] !== BYTE_ORDER_BIG;
  const need = Math.max(int32At(bytes, P_USED, little), int32At(bytes, P_ENTRY_OFFSET, little), PROLOGUE_SIZE);
  return need > size ? size : need;
}

export { PSEUDO_COUNTER_NAMES } from './layout.js';

function pseudo(name: string, units: Units, variability: Variability, value: LongValue): LongCounterInfo {
  return { name, type: 'long', units, variability, supported: false, value };
}

/**
 * jvmstat's sun.perfdata.* pseudo-counters for a prologue, exactly as jstat -snap shows them:
 * all unsupported; size is the whole region; used/overflow are the prologue's signed ints.
 */
export function pseudoCounters(header: PerfDataHeader): LongCounterInfo[] {
  return [
    pseudo('sun.perfdata.majorVersion', 'none', 'constant', header.majorVersion),
    pseudo('sun.perfdata.minorVersion', 'none', 'constant', header.minorVersion),
    pseudo('sun.perfdata.size', 'bytes', 'monotonic', header.size),
    pseudo('sun.perfdata.used', 'bytes', 'monotonic', header.used),
    pseudo('sun.perfdata.overflow', 'bytes', 'monotonic', header.overflow),
    pseudo('sun.perfdata.timestamp', 'ticks', 'monotonic', longValueOf(header.modTimeStamp)),
  ];
}

/**
 * The full walk behind parsePerfData, without its per-buffer layout cache (tests compare the
 * two).
 * @internal
 */
export function parseWithoutCache(bytes: PerfDataBytes, options: ParseOptions = {}): ParsedPerfData {
  const view = dataViewOf(bytes);
  const header = readHeader(view);
  const entries = locateEntries(view, header);
  const little = header.byteOrder === 'little';
  const u8 = bufferOf(view);
  const latin1 = new Latin1Text(u8);
  const counters: CounterInfo[] = [];
  const index = new Map<string, number>();
  for (const e of entries) {
    const c: CounterInfo = e.type === 'long'
      ? {
        name: e.name, type: 'long', units: e.units, variability: e.variability, supported: e.supported,
        value: readLongAt(view, e.dataOffset, little),
      }
      : {
        name: e.name, type: 'string', units: e.units, variability: e.variability, supported: e.supported,
        value: decodeStringValue(u8, e.dataOffset, e.vectorLength, latin1), maxLength: e.vectorLength,
      };
    const i = index.get(c.name);
    if (i === undefined) {
      index.set(c.name, counters.length);
      counters.push(c);
    } else {
      counters[i] = c;
    }
  }
  if (options.pseudoCounters !== false) {
    for (const p of pseudoCounters(header)) if (!index.has(p.name)) counters.push(p);
  }
  return { header, counters };
}
