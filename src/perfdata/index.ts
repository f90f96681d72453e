/** perfdata: the hsperfdata v2.0 byte format (pure functions over ArrayBuffers, no I/O). */
export type * from './types.js';
export { PerfDataError, isPerfDataError } from './errors.js';
export type { PerfDataErrorCode } from './errors.js';
export {
  readHeader, locateEntries, entriesByName, findEntries, allocatedLength, shown, readEntryValue, readLongAt, pseudoCounters, PSEUDO_COUNTER_NAMES, samePrologueState,
} from './reader.js';
export type { PerfDataBytes, EntryLocation, ParseOptions, FindOptions } from './reader.js';
export { MAX_REGION_SIZE, MAX_ENTRIES, MAX_NAME_BYTES, MAX_STRING_BYTES } from './limits.js';
export { PROLOGUE_SIZE, ENTRY_HEADER_SIZE, entryGeometry } from './layout.js';
export { PerfDataWriter, attachLongCounter, MAX_STRING_CONSTANT_LENGTH } from './writer.js';
export type { LongCounterOptions, StringCounterOptions, OverflowInfo, PerfDataWriterOptions } from './writer.js';
export { LongCounter, StringCounter, HOST_LITTLE_ENDIAN } from './handles.js';
export { counterNameProblem, validateCounterName } from './names.js';
export { toByteOrder } from './byteorder.js';
export { PerfDataReader, parsePerfData } from './cached-reader.js';
export type { PerfDataReaderOptions } from './cached-reader.js';
