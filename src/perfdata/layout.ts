/**
 * The hsperfdata v2.0 byte layout (HotSpot perfMemory.hpp / perfData.cpp, jvmstat v2_0).
 * Every byte offset of the format lives here and nowhere else in perfmem.
 */
import type { Units, Variability } from './types.js';

/** Magic bytes CA FE C0 C0, stored big-endian whatever the byte order of the rest. */
export const MAGIC = 0xcafec0c0;
export const MAJOR_VERSION = 2;
export const MINOR_VERSION = 0;
export const BYTE_ORDER_BIG = 0;
export const BYTE_ORDER_LITTLE = 1;

/** PerfDataPrologue: magic, byte_order, major, minor, accessible, used, overflow, mod_time_stamp, entry_offset, num_entries. */
export const PROLOGUE_SIZE = 32;
export const P_MAGIC = 0;
export const P_BYTE_ORDER = 4;
export const P_MAJOR = 5;
export const P_MINOR = 6;
export const P_ACCESSIBLE = 7;
export const P_USED = 8;
export const P_OVERFLOW = 12;
export const P_MOD_TIME_STAMP = 16;
export const P_ENTRY_OFFSET = 24;
export const P_NUM_ENTRIES = 28;

/** PerfDataEntry: entry_length, name_offset, vector_length, data_type, flags, data_units, data_variability, data_offset. */
export const ENTRY_HEADER_SIZE = 20;
export const E_ENTRY_LENGTH = 0;
export const E_NAME_OFFSET = 4;
export const E_VECTOR_LENGTH = 8;
export const E_DATA_TYPE = 12;
export const E_FLAGS = 13;
export const E_DATA_UNITS = 14;
export const E_DATA_VARIABILITY = 15;
export const E_DATA_OFFSET = 16;

/** Java type characters HotSpot writes (type2char): 'J' for jlong, 'B' for jbyte vectors. */
export const TYPE_LONG = 0x4a; // 'J'
export const TYPE_BYTE = 0x42; // 'B'
/** Every type character jvmstat's TypeCode knows; any other byte is a corrupt entry. */
export const KNOWN_TYPE_CODES = 'ZCFDBSIJL[V';

/** PerfData::F_Supported: the counter is a supported interface (jstat hides it otherwise). */
export const FLAG_SUPPORTED = 0x01;

export const UNITS: readonly Units[] = ['none', 'bytes', 'ticks', 'events', 'string', 'hertz'];
export const VARIABILITIES: readonly Variability[] = ['constant', 'monotonic', 'variable'];

/** HotSpot's U_None..U_Hertz (1..6) to words; 0 and anything else is invalid. */
export function unitsFromCode(code: number): Units | undefined {
  return code >= 1 && code <= UNITS.length ? UNITS[code - 1] : undefined;
}
export function unitsCode(units: Units): number {
  return UNITS.indexOf(units) + 1;
}
/** HotSpot's V_Constant..V_Variable (1..3) to words; 0 and anything else is invalid. */
export function variabilityFromCode(code: number): Variability | undefined {
  return code >= 1 && code <= VARIABILITIES.length ? VARIABILITIES[code - 1] : undefined;
}
export function variabilityCode(variability: Variability): number {
  return VARIABILITIES.indexOf(variability) + 1;
}

/** Where the parts of one entry go, relative to the entry's start. */
export interface EntryGeometry {
  /** entry_length: the whole entry, a multiple of 8. */
  size: number;
  /** name_offset: always right after the 20-byte header. */
  nameOffset: number;
  /** data_offset: after the name, its NUL and padding to the element size. */
  dataOffset: number;
}

/**
 * The arithmetic of HotSpot's PerfData::create_entry: header + name + NUL, padded to a
 * multiple of the element size (8 for a long, 1 for bytes), then the data (at least one
 * element), and the whole rounded up to 8 bytes so the next entry stays aligned.
 * `nameBytes` excludes the NUL; `vectorLength` is 0 for a scalar.
 */
export function entryGeometry(nameBytes: number, elementSize: number, vectorLength: number): EntryGeometry {
  let size = ENTRY_HEADER_SIZE + nameBytes + 1;
  const rem = size % elementSize;
  if (rem !== 0) size += elementSize - rem;
  const dataOffset = size;
  size += elementSize * (vectorLength === 0 ? 1 : vectorLength);
  size = (size + 7) & ~7;
  return { size, nameOffset: ENTRY_HEADER_SIZE, dataOffset };
}

/**
 * Names of the counters jvmstat derives from the prologue rather than from entries (here, not
 * in reader.ts, so that the writer's name check does not pull the reader into a bundle).
 */
export const PSEUDO_COUNTER_NAMES = [
  'sun.perfdata.majorVersion', 'sun.perfdata.minorVersion', 'sun.perfdata.size',
  'sun.perfdata.used', 'sun.perfdata.overflow', 'sun.perfdata.timestamp',
] as const;
