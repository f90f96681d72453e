/**
 * A reader for repeated snapshots of one region (a live process's, re-read every interval).
 * The first read walks and decodes everything like parsePerfData; later reads check that
 * each known entry's header and name bytes are unchanged (HotSpot never moves or deletes an
 * entry), walk only the entries added since (as jvmstat's getNewMonitors does) and decode
 * only values. Constant strings are decoded once, as jvmstat's PerfStringConstantMonitor
 * does. Anything unexpected falls back to a full parse, so the result is always what
 * parsePerfData would return (constant strings aside).
 */
import { bufferOf, dataViewOf, decodeStringValue, pseudoCounters, readHeader, readLongAt, walkEntries, type EntryLocation, type ParseOptions, type PerfDataBytes } from './reader.js';
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

export class PerfDataReader {
  private layout: Layout | undefined;

  /** Parses `bytes`, reusing what earlier reads learned about the region's entries. */
  read(bytes: PerfDataBytes, options: ParseOptions = {}): ParsedPerfData {
    const view = dataViewOf(bytes);
    const u8 = bufferOf(view);
    const header = readHeader(view);
    const little = header.byteOrder === 'little';
    let layout = this.layout;
    if (layout !== undefined && (layout.byteOrder !== header.byteOrder || layout.entryOffset !== header.entryOffset
      || layout.end > view.byteLength || !sameFingerprint(view, layout.entries, layout.fingerprint))) {
      layout = undefined;
    }
    if (layout === undefined) {
      const entries: EntryLocation[] = [];
      const end = walkEntries(view, u8, little, header.entryOffset, entries);
      layout = {
        byteOrder: header.byteOrder, entryOffset: header.entryOffset, end, entries,
        fingerprint: fingerprintOf(view, entries), ...slotsFor(entries), constants: [],
      };
    } else if (layout.end < view.byteLength && view.getInt32(layout.end, little) !== 0) {
      // New entries since the last read: walk only those.
      const added: EntryLocation[] = [];
      const end = walkEntries(view, u8, little, layout.end, added);
      const entries = layout.entries.concat(added);
      layout = {
        ...layout, end, entries, fingerprint: fingerprintOf(view, entries), ...slotsFor(entries),
      };
    }
    this.layout = layout;

    const counters = new Array<CounterInfo>(layout.slotCount);
    const { entries, slots, constants } = layout;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as EntryLocation;
      let c: CounterInfo;
      if (e.type === 'long') {
        c = { name: e.name, type: 'long', units: e.units, variability: e.variability, supported: e.supported, value: readLongAt(view, e.dataOffset, little) };
      } else {
        let value = e.variability === 'constant' ? constants[i] : undefined;
        if (value === undefined) {
          value = decodeStringValue(u8, e.dataOffset, e.vectorLength);
          if (e.variability === 'constant') constants[i] = value;
        }
        c = { name: e.name, type: 'string', units: e.units, variability: e.variability, supported: e.supported, value, maxLength: e.vectorLength };
      }
      counters[slots[i] as number] = c;
    }
    if (options.pseudoCounters !== false) {
      for (const p of pseudoCounters(header)) if (!layout.names.has(p.name)) counters.push(p);
    }
    return { header, counters };
  }
}
