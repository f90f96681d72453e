/**
 * A reader for repeated snapshots of one region (a live process's, re-read every interval).
 * The first read walks and decodes everything like parsePerfData; later reads check that
 * each known entry's header and name bytes are unchanged (HotSpot never moves or deletes an
 * entry), walk only the entries added since (as jvmstat's getNewMonitors does) and decode
 * only values (with `cacheConstantStrings`, constant strings only once, as jvmstat's
 * PerfStringConstantMonitor does). Anything unexpected falls back to a full walk, so the
 * result is always what a full walk returns.
 */
import { PROLOGUE_SIZE } from './layout.js';
import { bufferOf, dataViewOf, samePrologueState, decodeStringValue, pseudoCounters, readHeader, readLongAt, walkEntries, type EntryLocation, type ParseOptions, type PerfDataBytes } from './reader.js';
import { HOST_LITTLE_ENDIAN } from './handles.js';
import type { CounterInfo, ParsedPerfData } from './types.js';

interface Layout {
  byteOrder: 'big' | 'little';
  entryOffset: number;
  /** Where the walk stopped: the offset of the next entry to appear. */
  end: number;
  entries: EntryLocation[];
  /** Header and name bytes of every entry, back to back, to detect a changed layout. */
  fingerprint: Fingerprint;
  /** For each entry, its slot in the de-duplicated counter list. */
  slots: number[];
  slotCount: number;
  names: Set<string>;
  /** Decoded constant strings, by entry index. */
  constants: (string | undefined)[];
  /**
   * The last value of each string entry, by entry index, with the bytes it was decoded from
   * (up to and including its NUL): while they are unchanged, so is the value, exactly.
   */
  strings: (DecodedString | undefined)[];
  /**
   * The counter object last returned for each entry: returned again while its value is the
   * same (an idle region's snapshot then allocates almost nothing). Callers treat results
   * as read-only, so sharing an unchanged object between snapshots is invisible.
   */
  infos: (CounterInfo | undefined)[];
}

interface DecodedString {
  raw: DataView;
  value: string;
}

/** The value of a string entry, reusing `last` when its bytes are the same. */
function stringValue(view: DataView, u8: Buffer, e: EntryLocation, last: DecodedString | undefined): DecodedString {
  const at = e.dataOffset;
  if (last !== undefined) {
    // Four bytes at a time (strings sit at any offset: DataView reads unaligned words).
    const raw = last.raw;
    const n = raw.byteLength;
    const whole = n & ~3;
    let j = 0;
    while (j < whole && view.getInt32(at + j) === raw.getInt32(j)) j += 4;
    if (j === whole) {
      while (j < n && u8[at + j] === raw.getUint8(j)) j++;
      if (j === n) return last;
    }
  }
  // The bytes the value depends on: none for a field of one byte or less, else up to the NUL.
  const nul = e.vectorLength <= 1 ? -2 : u8.subarray(at, at + e.vectorLength).indexOf(0);
  const length = nul === -2 ? 0 : nul === -1 ? e.vectorLength : nul + 1;
  // A copy (Buffer#slice would share the bytes it must be compared against).
  const copy = Uint8Array.prototype.slice.call(u8, at, at + length);
  return { raw: new DataView(copy.buffer), value: decodeStringValue(u8, at, e.vectorLength) };
}

/**
 * The header and name bytes of every entry, as 32-bit words (entries start 4-byte aligned)
 * plus the up to 3 bytes after the last whole word: cheap to compare on every read.
 */
interface Fingerprint {
  words: Int32Array;
  tails: Uint8Array;
}

function wordsOf(view: DataView): Int32Array | undefined {
  return view.byteOffset % 4 === 0 ? new Int32Array(view.buffer, view.byteOffset, view.byteLength >>> 2) : undefined;
}

function fingerprintOf(view: DataView, entries: EntryLocation[]): Fingerprint {
  let nWords = 0;
  for (const e of entries) nWords += (e.dataOffset - e.offset) >>> 2;
  const words = new Int32Array(nWords);
  const tails = new Uint8Array(entries.length * 3);
  let w = 0;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k] as EntryLocation;
    const whole = e.offset + (((e.dataOffset - e.offset) >>> 2) << 2);
    for (let at = e.offset; at < whole; at += 4) words[w++] = view.getInt32(at, true);
    for (let at = whole, t = k * 3; at < e.dataOffset; at++, t++) tails[t] = view.getUint8(at);
  }
  return { words, tails };
}

function sameFingerprint(view: DataView, entries: EntryLocation[], fp: Fingerprint): boolean {
  const words = wordsOf(view);
  const { words: expected, tails } = fp;
  let w = 0;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k] as EntryLocation;
    const whole = e.offset + (((e.dataOffset - e.offset) >>> 2) << 2);
    if (words !== undefined && HOST_LITTLE_ENDIAN) {
      for (let i = e.offset >>> 2, n = whole >>> 2; i < n; i++) if (words[i] !== expected[w++]) return false;
    } else {
      for (let at = e.offset; at < whole; at += 4) if (view.getInt32(at, true) !== expected[w++]) return false;
    }
    for (let at = whole, t = k * 3; at < e.dataOffset; at++, t++) if (view.getUint8(at) !== tails[t]) return false;
  }
  return true;
}

function slotsFor(entries: EntryLocation[]): { slots: number[]; slotCount: number; names: Set<string> } {
  const byName = new Map<string, number>();
  const slots: number[] = [];
  for (const e of entries) {
    let slot = byName.get(e.name);
    if (slot === undefined) {
      slot = byName.size;
      byName.set(e.name, slot);
    }
    slots.push(slot);
  }
  return { slots, slotCount: byName.size, names: new Set(byName.keys()) };
}

export interface PerfDataReaderOptions {
  /**
   * Decode a constant string once and keep it, as jvmstat does (default false: every read
   * returns exactly what a full walk would). Only for regions whose writer is trusted to
   * write each constant once, before publishing it: a copy caught mid-change would keep a
   * torn constant for good.
   */
  cacheConstantStrings?: boolean;
  /**
   * Skip comparing every entry's header and name when the prologue's state (accessible, used,
   * overflow, mod_time_stamp, entry_offset, num_entries) is byte for byte the last read's
   * (default false). For live regions written by HotSpot or perfmem, which change entries only
   * by appending and bump mod_time_stamp and num_entries when they do: the comparison is then
   * half the cost of a read. A writer that rewrites headers behind an unchanged prologue gets
   * its values read at the old places: wrong numbers from a lying writer, never a crash.
   */
  trustUnchangedPrologue?: boolean;
}

export class PerfDataReader {
  private layout: Layout | undefined;
  private readonly cacheConstants: boolean;
  private readonly trustPrologue: boolean;
  /** The prologue state (bytes 7..31) of the last read, when trustUnchangedPrologue. */
  private readonly lastPrologue = new Uint8Array(PROLOGUE_SIZE);

  constructor(options: PerfDataReaderOptions = {}) {
    this.cacheConstants = options.cacheConstantStrings === true;
    this.trustPrologue = options.trustUnchangedPrologue === true;
  }

  /** Parses `bytes`, reusing what earlier reads learned about the region's entries. */
  read(bytes: PerfDataBytes, options: ParseOptions = {}): ParsedPerfData {
    const view = dataViewOf(bytes);
    const u8 = bufferOf(view);
    const header = readHeader(view);
    if (options.regionSize !== undefined) header.size = options.regionSize;
    const little = header.byteOrder === 'little';
    let layout = this.layout;
    if (layout !== undefined && (layout.byteOrder !== header.byteOrder || layout.entryOffset !== header.entryOffset
      || layout.end > view.byteLength
      || !((this.trustPrologue && samePrologueState(u8, this.lastPrologue)) || sameFingerprint(view, layout.entries, layout.fingerprint)))) {
      layout = undefined;
    }
    if (this.trustPrologue) this.lastPrologue.set(u8.subarray(0, PROLOGUE_SIZE));
    if (layout === undefined) {
      const entries: EntryLocation[] = [];
      const end = walkEntries(view, u8, little, header.entryOffset, entries);
      layout = {
        byteOrder: header.byteOrder, entryOffset: header.entryOffset, end, entries,
        fingerprint: fingerprintOf(view, entries), ...slotsFor(entries), constants: [], strings: [], infos: [],
      };
    } else if (layout.end < view.byteLength) {
      // Entries added since the last read: walk only those (usually none, a zero entry_length).
      const added: EntryLocation[] = [];
      const end = walkEntries(view, u8, little, layout.end, added);
      if (added.length > 0) {
        const entries = layout.entries.concat(added);
        layout = { ...layout, end, entries, fingerprint: fingerprintOf(view, entries), ...slotsFor(entries) };
      }
    }
    this.layout = layout;

    const counters = new Array<CounterInfo>(layout.slotCount);
    const { entries, slots, constants, strings, infos } = layout;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as EntryLocation;
      let c: CounterInfo;
      const last = infos[i];
      if (e.type === 'long') {
        const value = readLongAt(view, e.dataOffset, little);
        // (=== compares bigints by value.)
        c = last !== undefined && last.value === value ? last
          : { name: e.name, type: 'long', units: e.units, variability: e.variability, supported: e.supported, value };
      } else {
        const cached = this.cacheConstants && e.variability === 'constant';
        let value = cached ? constants[i] : undefined;
        if (value === undefined) {
          const decoded = stringValue(view, u8, e, strings[i]);
          strings[i] = decoded;
          value = decoded.value;
          if (cached) constants[i] = value;
        }
        c = last !== undefined && last.value === value ? last
          : { name: e.name, type: 'string', units: e.units, variability: e.variability, supported: e.supported, value, maxLength: e.vectorLength };
      }
      infos[i] = c;
      counters[slots[i] as number] = c;
    }
    if (options.pseudoCounters !== false) {
      for (const p of pseudoCounters(header)) if (!layout.names.has(p.name)) counters.push(p);
    }
    return { header, counters };
  }
}

/** One reader per buffer parsePerfData has seen, so parsing the same buffer again is cheap. */
const readers = new WeakMap<ArrayBufferLike, { byteOffset: number; reader: PerfDataReader }>();

/**
 * Parses a whole region: the prologue and every counter, in file order. As in jvmstat's
 * name map, a name that occurs twice keeps its first position and its last entry, and a
 * real entry named like a pseudo-counter replaces it. The pseudo-counters (unless
 * `pseudoCounters: false`) come after the region's own entries.
 *
 * Parsing a buffer again (a snapshot copied into the same buffer, a mapped region) reuses
 * the layout learnt last time when the entries' headers and names are unchanged: the result
 * is always exactly that of a full walk.
 */
export function parsePerfData(bytes: PerfDataBytes, options: ParseOptions = {}): ParsedPerfData {
  const view = dataViewOf(bytes);
  let cached = readers.get(view.buffer);
  if (cached === undefined || cached.byteOffset !== view.byteOffset) {
    cached = { byteOffset: view.byteOffset, reader: new PerfDataReader() };
    readers.set(view.buffer, cached);
  }
  return cached.reader.read(view, options);
}
