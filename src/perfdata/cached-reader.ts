/**
 * A reader for repeated snapshots of one region (a live process's, re-read every interval).
 * The first read walks and decodes everything like parsePerfData; later reads check that
 * each known entry's header and name bytes are unchanged (HotSpot never moves or deletes an
 * entry), walk only the entries added since (as jvmstat's getNewMonitors does) and decode
 * only the values whose bytes changed since they were last decoded (with
 * `cacheConstantStrings`, constant strings only once, as jvmstat's PerfStringConstantMonitor
 * does). Anything unexpected falls back to a full walk, so the result is always what a full
 * walk returns.
 */
import { PROLOGUE_SIZE } from './layout.js';
import { bufferOf, dataViewOf, decodeStringValue, pseudoCounters, PSEUDO_COUNTER_NAMES, readHeader, readLongAt, walkEntries, type EntryLocation, type ParseOptions, type PerfDataBytes } from './reader.js';
import type { CounterInfo, LongCounterInfo, ParsedPerfData, PerfDataHeader } from './types.js';

/**
 * The bytes of one read as the loops below see them: a DataView and a Buffer for decoding, and
 * 32-bit words (host order) for comparing. Always 4-byte aligned: a misaligned input is copied.
 */
interface Input {
  /** What the input was (its buffer, or itself for an ArrayBuffer), to know it again. */
  source: unknown;
  byteOffset: number;
  byteLength: number;
  view: DataView;
  u8: Buffer;
  words: Int32Array;
}

/**
 * The header and name bytes of every entry, as 32-bit words (entries start 4-byte aligned)
 * plus the up to 3 bytes after the last whole word: cheap to compare on every read.
 */
interface Fingerprint {
  words: Int32Array;
  tails: Uint8Array;
}

function fingerprintOf(input: Input, entries: EntryLocation[]): Fingerprint {
  let nWords = 0;
  for (const e of entries) nWords += (e.dataOffset - e.offset) >>> 2;
  const words = new Int32Array(nWords);
  const tails = new Uint8Array(entries.length * 3);
  const { words: bytesWords, u8 } = input;
  let w = 0;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k] as EntryLocation;
    const whole = e.offset + (((e.dataOffset - e.offset) >>> 2) << 2);
    for (let i = e.offset >>> 2, n = whole >>> 2; i < n; i++) words[w++] = bytesWords[i] as number;
    for (let at = whole, t = k * 3; at < e.dataOffset; at++, t++) tails[t] = u8[at] as number;
  }
  return { words, tails };
}

function sameFingerprint(input: Input, entries: EntryLocation[], fp: Fingerprint): boolean {
  const { words: expected, tails } = fp;
  const { words, u8 } = input;
  let w = 0;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k] as EntryLocation;
    const whole = e.offset + (((e.dataOffset - e.offset) >>> 2) << 2);
    for (let i = e.offset >>> 2, n = whole >>> 2; i < n; i++) if (words[i] !== expected[w++]) return false;
    for (let at = whole, t = k * 3; at < e.dataOffset; at++, t++) if (u8[at] !== tails[t]) return false;
  }
  return true;
}

/** Words of a string value beyond which one native comparison is cheaper than a loop. */
const LONG_RUN = 64;
/** Strings in a row beyond which their bytes are first compared together (see Layout.runs). */
const RUN_MIN = 8;

interface Layout {
  byteOrder: 'big' | 'little';
  entryOffset: number;
  /** Where the walk stopped: the offset of the next entry to appear. */
  end: number;
  entries: EntryLocation[];
  /** Header and name bytes of every entry, back to back, to detect a changed layout. */
  fingerprint: Fingerprint;
  /** For each entry, its slot in the de-duplicated counter list. */
  slots: Int32Array;
  slotCount: number;
  /** For each of pseudoCounters(), 1 when an entry of the region has its name (and replaces it). */
  shadowed: Uint8Array;
  /**
   * The counter object last returned for each entry (the first `decoded` entries): returned
   * again while its value's bytes are unchanged (an idle region's snapshot then allocates
   * almost nothing). Callers treat results as read-only, so sharing an unchanged object
   * between snapshots is invisible.
   */
  infos: CounterInfo[];
  decoded: number;
  /**
   * What a read returns, kept up to date as values are decoded: the counters in slot order,
   * then the visible pseudo-counters of `resultPseudo` (a copy is returned).
   */
  result: CounterInfo[];
  resultPseudo: LongCounterInfo[] | undefined;
  /** True when two entries share a name (the result is then rebuilt in entry order at every read). */
  duplicates: boolean;
  /**
   * The long entries (their index), the word index of each one's value in the region (-1:
   * misaligned, always decoded), and at 2k and 2k + 1 the two words the k-th long's infos
   * value was decoded from: while they are unchanged, so is the value, exactly. (The words
   * kept side by side, not at their places in a copy of the region, so that comparing touches
   * few cache lines besides the region's.)
   */
  longs: Int32Array;
  longAt: Int32Array;
  longSeen: Int32Array;
  /** Each entry's position in `longs`, or -1. */
  longOf: Int32Array;
  /**
   * The string entries (their index; constant strings decoded once are not among them), the
   * word index where each one's value starts, and how many words hold its bytes up to and
   * including the NUL (-1: not tracked, always decoded); the words each one's value was decoded
   * from, from stringSeen[stringSeenAt[k]] (room for its whole field).
   */
  strings: Int32Array;
  stringAt: Int32Array;
  stringWords: Int32Array;
  stringSeen: Int32Array;
  stringSeenBytes: Buffer;
  stringSeenAt: Int32Array;
  /** Each entry's position in `strings`, or -1. */
  stringOf: Int32Array;
  /**
   * Runs of at least RUN_MIN strings that follow one another in the region (properties, which
   * writers declare together and rarely change): [first k, last k + 1, start byte, end byte
   * (their whole fields, with the headers and names between them), offset in runBytes] each.
   * A read compares a run's bytes with those kept from the last read in one native memcmp and,
   * when they are the same, skips its strings: each string's bytes are then those it was last
   * checked or decoded from. runValid[r] is 1 once runBytes holds the run's bytes of the last
   * read, all of its strings tracked.
   */
  runs: Int32Array;
  runValid: Uint8Array;
  runBytes: Buffer;
}

/**
 * A layout of `entries`, keeping what `from` (a layout of the first entries, when entries were
 * added) decoded.
 */
function layoutOf(byteOrder: 'big' | 'little', entryOffset: number, end: number, entries: EntryLocation[],
  fingerprint: Fingerprint, cacheConstants: boolean, from?: Layout): Layout {
  const n = entries.length;
  const byName = new Map<string, number>();
  const slots = new Int32Array(n);
  const stringOf = new Int32Array(n).fill(-1);
  const longOf = new Int32Array(n).fill(-1);
  const longs: number[] = [];
  const longAt: number[] = [];
  const strings: number[] = [];
  const stringAt: number[] = [];
  const stringSeenAt: number[] = [];
  let stringRoom = 0;
  // Every value lies before `end`: so do the words compared for it.
  const words = end >>> 2;
  for (let i = 0; i < n; i++) {
    const e = entries[i] as EntryLocation;
    let slot = byName.get(e.name);
    if (slot === undefined) {
      slot = byName.size;
      byName.set(e.name, slot);
    }
    slots[i] = slot;
    const at = e.dataOffset;
    if (e.type === 'long') {
      longOf[i] = longs.length;
      longs.push(i);
      longAt.push((at & 3) === 0 && (at >>> 2) + 2 <= words ? at >>> 2 : -1);
    } else if (!(cacheConstants && e.variability === 'constant')) {
      stringOf[i] = strings.length;
      strings.push(i);
      stringAt.push(at >>> 2);
      stringSeenAt.push(stringRoom);
      // The words of the whole field that lie before `end` (a value running further is not tracked).
      stringRoom += Math.max(0, Math.min((at + e.vectorLength + 3) >>> 2, words) - (at >>> 2));
    }
  }
  const shadowed = new Uint8Array(PSEUDO_COUNTER_NAMES.length);
  for (let k = 0; k < PSEUDO_COUNTER_NAMES.length; k++) shadowed[k] = byName.has(PSEUDO_COUNTER_NAMES[k] as string) ? 1 : 0;
  const runs: number[] = [];
  let runRoom = 0;
  for (let k0 = 0; k0 < strings.length;) {
    let k1 = k0 + 1;
    while (k1 < strings.length && strings[k1] === (strings[k1 - 1] as number) + 1) k1++;
    if (k1 - k0 >= RUN_MIN) {
      const last = entries[strings[k1 - 1] as number] as EntryLocation;
      const start = (stringAt[k0] as number) * 4;
      const stop = Math.min((last.dataOffset + last.vectorLength + 3) & ~3, words * 4);
      if (stop > start) {
        runs.push(k0, k1, start, stop, runRoom);
        runRoom += stop - start;
      }
    }
    k0 = k1;
  }
  const longSeen = new Int32Array(2 * longs.length);
  const stringSeen = new Int32Array(stringRoom);
  const stringWords = new Int32Array(strings.length).fill(-1);
  if (from !== undefined) {
    // Entries were appended: the earlier ones keep their positions in every list.
    longSeen.set(from.longSeen);
    stringSeen.set(from.stringSeen);
    stringWords.set(from.stringWords);
  }
  return {
    byteOrder, entryOffset, end, entries, fingerprint, slots, slotCount: byName.size, shadowed,
    infos: from === undefined ? [] : from.infos, decoded: from === undefined ? 0 : from.decoded,
    result: [], resultPseudo: undefined, duplicates: byName.size < n,
    longs: Int32Array.from(longs), longAt: Int32Array.from(longAt), longSeen, longOf,
    strings: Int32Array.from(strings), stringAt: Int32Array.from(stringAt), stringWords, stringOf,
    stringSeen, stringSeenBytes: Buffer.from(stringSeen.buffer, stringSeen.byteOffset, stringSeen.byteLength),
    stringSeenAt: Int32Array.from(stringSeenAt),
    runs: Int32Array.from(runs), runValid: new Uint8Array(runs.length / 5), runBytes: Buffer.alloc(runRoom),
  };
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
  /** The last input, reused while the next read is of the same memory (a view's own buffer). */
  private input: Input | undefined;
  /** Where a misaligned input is copied to. */
  private aligned: Uint8Array | undefined;
  /** The last read's header, the prologue words and input length it came from, and its pseudo-counters. */
  private header: PerfDataHeader | undefined;
  private readonly prologue = new Int32Array(PROLOGUE_SIZE >>> 2);
  private headerLength = -1;
  private pseudo: LongCounterInfo[] | undefined;

  constructor(options: PerfDataReaderOptions = {}) {
    this.cacheConstants = options.cacheConstantStrings === true;
    this.trustPrologue = options.trustUnchangedPrologue === true;
  }

  /**
   * Forgets the last input (the reader keeps no reference to the bytes it was given): for a
   * caller about to reuse or drop its buffer.
   */
  release(): void {
    this.input = undefined;
  }

  /** The Input for `bytes`: the last one when it is the same memory and 4-byte aligned. */
  private inputOf(bytes: PerfDataBytes): Input {
    const last = this.input;
    const isView = ArrayBuffer.isView(bytes);
    if (last !== undefined && (isView
      ? bytes.buffer === last.source && bytes.byteOffset === last.byteOffset && bytes.byteLength === last.byteLength
      : bytes === last.source && last.byteOffset === 0 && (bytes as ArrayBufferLike).byteLength === last.byteLength)) return last;
    let view = dataViewOf(bytes);
    const source = isView ? view.buffer : bytes;
    const { byteOffset, byteLength } = view;
    let reusable = true;
    if (byteOffset % 4 !== 0) {
      // Read from an aligned copy (made again at every read of such an input).
      if (this.aligned === undefined || this.aligned.byteLength < byteLength) this.aligned = new Uint8Array(byteLength);
      this.aligned.set(new Uint8Array(view.buffer, byteOffset, byteLength));
      view = new DataView(this.aligned.buffer, 0, byteLength);
      reusable = false;
    }
    const input: Input = {
      source, byteOffset, byteLength, view, u8: bufferOf(view), words: new Int32Array(view.buffer, view.byteOffset, byteLength >>> 2),
    };
    this.input = reusable ? input : undefined;
    return input;
  }

  /**
   * The header of `input`, the last read's object when the 32 bytes of the prologue, the
   * input's length and the size reported are the same (a prologue changes when entries are
   * added, not when values are updated).
   */
  private headerOf(input: Input, regionSize: number | undefined): PerfDataHeader {
    const last = this.header;
    const { words, byteLength } = input;
    const seen = this.prologue;
    if (last !== undefined && byteLength === this.headerLength && (regionSize ?? byteLength) === last.size
      && words.length >= seen.length) {
      let i = 0;
      while (i < seen.length && words[i] === seen[i]) i++;
      if (i === seen.length) return last;
    }
    this.header = undefined; // until this one is known valid
    const header = readHeader(input.view);
    if (regionSize !== undefined) header.size = regionSize;
    for (let i = 0; i < seen.length; i++) seen[i] = words[i] as number;
    this.header = header;
    this.headerLength = byteLength;
    this.pseudo = undefined;
    return header;
  }

  /** Parses `bytes`, reusing what earlier reads learned about the region's entries. */
  read(bytes: PerfDataBytes, options: ParseOptions = {}): ParsedPerfData {
    const input = this.inputOf(bytes);
    const { view, u8 } = input;
    const lastHeader = this.header;
    const header = this.headerOf(input, options.regionSize);
    const little = header.byteOrder === 'little';
    let layout = this.layout;
    if (layout !== undefined && (layout.byteOrder !== header.byteOrder || layout.entryOffset !== header.entryOffset
      || layout.end > view.byteLength
      // (the same header object: the same 32 prologue bytes as the last read)
      || !((this.trustPrologue && header === lastHeader) || sameFingerprint(input, layout.entries, layout.fingerprint)))) {
      layout = undefined;
    }
    this.layout = undefined; // until this read succeeds
    if (layout === undefined) {
      const entries: EntryLocation[] = [];
      const end = walkEntries(view, u8, little, header.entryOffset, entries);
      layout = layoutOf(header.byteOrder, header.entryOffset, end, entries, fingerprintOf(input, entries), this.cacheConstants);
    } else if (layout.end < view.byteLength
      && ((layout.end & 3) !== 0 || layout.end + 4 > view.byteLength || view.getInt32(layout.end, little) !== 0)) {
      // Entries added since the last read (else a zero entry_length): walk only those.
      const added: EntryLocation[] = [];
      const end = walkEntries(view, u8, little, layout.end, added);
      if (added.length > 0) {
        const entries = layout.entries.concat(added);
        layout = layoutOf(layout.byteOrder, layout.entryOffset, end, entries, fingerprintOf(input, entries), this.cacheConstants, layout);
      }
    }
    this.values(layout, input, little);
    this.layout = layout;
    const { result, slotCount } = layout;
    if (options.pseudoCounters === false) return { header, counters: result.slice(0, slotCount) };
    let pseudo = this.pseudo;
    if (pseudo === undefined) this.pseudo = pseudo = pseudoCounters(header);
    if (layout.resultPseudo !== pseudo) {
      result.length = slotCount;
      const shadowed = layout.shadowed;
      for (let k = 0; k < pseudo.length; k++) if (shadowed[k] !== 1) result.push(pseudo[k] as LongCounterInfo);
      layout.resultPseudo = pseudo;
    }
    return { header, counters: result.slice() };
  }

  /** Brings layout.result up to date: the entries whose bytes changed decoded again. */
  private values(layout: Layout, input: Input, little: boolean): void {
    const { entries, infos, longs, longAt, longSeen, strings, stringWords } = layout;
    const words = input.words;
    const n = entries.length;
    // Entries not decoded yet (a new or grown layout): the result is then made again whole.
    const rebuild = layout.decoded < n || layout.duplicates;
    for (let i = layout.decoded; i < n; i++) this.decode(layout, input, i, little);
    layout.decoded = n;
    for (let k = 0; k < longs.length; k++) {
      const p = longAt[k] as number;
      if (p >= 0 && words[p] === longSeen[2 * k] && words[p + 1] === longSeen[2 * k + 1]) continue;
      this.decode(layout, input, longs[k] as number, little);
    }
    // Strings one by one, except runs whose bytes are all as they were (see Layout.runs).
    const { runs, runValid } = layout;
    const u8 = input.u8;
    let k = 0;
    for (let r = 0; r < runValid.length; r++) {
      const from = runs[5 * r] as number;
      const to = runs[5 * r + 1] as number;
      const start = runs[5 * r + 2] as number;
      const end = runs[5 * r + 3] as number;
      const kept = runs[5 * r + 4] as number;
      for (; k < from; k++) this.checkString(layout, input, k, little);
      if (runValid[r] === 1 && u8.compare(layout.runBytes, kept, kept + end - start, start, end) === 0) {
        k = to;
        continue;
      }
      let tracked = 1;
      for (; k < to; k++) {
        this.checkString(layout, input, k, little);
        if ((stringWords[k] as number) < 0) tracked = 0;
      }
      u8.copy(layout.runBytes, kept, start, end);
      runValid[r] = tracked;
    }
    for (; k < strings.length; k++) this.checkString(layout, input, k, little);
    if (rebuild) {
      // In entry order: a name that repeats keeps its first position and its last entry.
      const { result, slots } = layout;
      if (result.length > layout.slotCount) result.length = layout.slotCount;
      for (let i = 0; i < n; i++) {
        // (A new name's slot is the next one: appended, so the array stays packed.)
        const slot = slots[i] as number;
        if (slot < result.length) result[slot] = infos[i] as CounterInfo;
        else result.push(infos[i] as CounterInfo);
      }
      layout.resultPseudo = undefined;
    }
  }

  /** Decodes the k-th string's value again unless the words it was decoded from are unchanged. */
  private checkString(layout: Layout, input: Input, k: number, little: boolean): void {
    const p = layout.stringAt[k] as number;
    const m = layout.stringWords[k] as number;
    const q = layout.stringSeenAt[k] as number;
    if (m > LONG_RUN) {
      // (A long string, a JVM's class path: one native comparison.)
      if (input.u8.compare(layout.stringSeenBytes, 4 * q, 4 * (q + m), 4 * p, 4 * (p + m)) === 0) return;
    } else if (m >= 0) {
      const { words } = input;
      const seen = layout.stringSeen;
      let j = 0;
      while (j < m && words[p + j] === seen[q + j]) j++;
      if (j === m) return;
    }
    this.decode(layout, input, layout.strings[k] as number, little);
  }

  /** Decodes entry `i`'s value into layout.infos (the last object again when the value is the same) and notes its words. */
  private decode(layout: Layout, input: Input, i: number, little: boolean): void {
    const e = layout.entries[i] as EntryLocation;
    const last = i < layout.decoded ? layout.infos[i] : undefined;
    const { view, u8, words } = input;
    const at = e.dataOffset;
    let c: CounterInfo;
    if (e.type === 'long') {
      const value = readLongAt(view, at, little);
      const k = layout.longOf[i] as number;
      if ((at & 3) === 0) {
        layout.longSeen[2 * k] = words[at >>> 2] as number;
        layout.longSeen[2 * k + 1] = words[(at >>> 2) + 1] as number;
      }
      // (=== compares bigints by value.)
      c = last !== undefined && last.value === value ? last
        : { name: e.name, type: 'long', units: e.units, variability: e.variability, supported: e.supported, value };
    } else {
      const value = decodeStringValue(u8, at, e.vectorLength);
      const k = layout.stringOf[i] as number;
      if (k >= 0) {
        // The words holding the bytes the value depends on: none for a field of one byte or
        // less, else up to its NUL (the whole field without one).
        const nul = e.vectorLength <= 1 ? -2 : u8.subarray(at, at + e.vectorLength).indexOf(0);
        const length = nul === -2 ? 0 : nul === -1 ? e.vectorLength : nul + 1;
        const first = at >>> 2;
        const stop = (at + length + 3) >>> 2;
        if (stop <= layout.end >>> 2) {
          const q = layout.stringSeenAt[k] as number;
          for (let p = first; p < stop; p++) layout.stringSeen[q + p - first] = words[p] as number;
          layout.stringWords[k] = stop - first;
        } else {
          layout.stringWords[k] = -1;
        }
      }
      c = last !== undefined && last.value === value ? last
        : { name: e.name, type: 'string', units: e.units, variability: e.variability, supported: e.supported, value, maxLength: e.vectorLength };
    }
    layout.infos[i] = c;
    if (!layout.duplicates && i < layout.result.length) layout.result[layout.slots[i] as number] = c;
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
  // (The reader keeps `bytes`' buffer, the WeakMap's key, alive only while the key is: an ephemeron.)
  return cached.reader.read(view, options);
}
