/**
 * The public shapes of the hsperfdata v2.0 format as perfmem presents it. Shared by the
 * writer, the reader and every layer above; the byte layout itself lives in perfdata/ only.
 */

/** Units of a counter, as lowercase words (HotSpot's U_None .. U_Hertz = 1..6). */
export type Units = 'none' | 'bytes' | 'ticks' | 'events' | 'string' | 'hertz';

/** How a counter may change (HotSpot's V_Constant .. V_Variable = 1..3). */
export type Variability = 'constant' | 'monotonic' | 'variable';

/** A long value: a number while it is a safe integer, a bigint beyond. */
export type LongValue = number | bigint;

export interface LongCounterInfo {
  name: string;
  type: 'long';
  units: Units;
  variability: Variability;
  /** The entry's Supported flag (jstat hides unsupported counters unless asked). */
  supported: boolean;
  value: LongValue;
}

export interface StringCounterInfo {
  name: string;
  type: 'string';
  units: Units;
  variability: Variability;
  supported: boolean;
  value: string;
  /** Bytes reserved for the value, including the terminating NUL (the entry's vector_length). */
  maxLength: number;
}

export type CounterInfo = LongCounterInfo | StringCounterInfo;

/** The 32-byte prologue, decoded. */
export interface PerfDataHeader {
  byteOrder: 'big' | 'little';
  majorVersion: number;
  minorVersion: number;
  accessible: boolean;
  used: number;
  overflow: number;
  /** Ticks of the writer's high-resolution clock at the last structural change. */
  modTimeStamp: bigint;
  entryOffset: number;
  numEntries: number;
  /** Size of the whole region or file in bytes. */
  size: number;
}

export interface ParsedPerfData {
  header: PerfDataHeader;
  counters: CounterInfo[];
}
