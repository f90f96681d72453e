/**
 * The reader side of layout.ts: a region's bytes to metric families, pure (no I/O). Everything
 * read is bounded and checked (names, sizes, JSON shapes); an entry that fails a check is
 * skipped, never trusted. A series is returned only when it is self-consistent: its seqlock
 * was even and unchanged around the values (see decodeRegionMetrics' options).
 */
import { locateEntries, readHeader, type EntryLocation, type PerfDataBytes } from '../perfdata/index.js';
import {
  B_SEQ, B_STATE, B_VALUES, LAYOUT_VERSION, LAYOUT_VERSION_1, MAX_TEXT_BYTES, MAX_VALUES, R_LENGTH, R_TEXT, R_VERSION, STATE_LIVE, blockSize,
  intOffset, labelOffset, parseEntryName, seqEndOffset, valueCount,
} from './layout.js';
import type { Aggregator, AppIdentity, LabelValues, MetricFamily, MetricType } from './types.js';
import { validateLabelName, validateMetricName } from './validation.js';

const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary'];
const AGGREGATORS: readonly Aggregator[] = ['sum', 'first', 'min', 'max', 'average', 'omit', 'all'];
const decoder = new TextDecoder('utf-8', { fatal: false });

export interface DecodeOptions {
  /**
   * A second copy of the same region taken after `bytes`: a series counts as settled when both
   * copies agree on it (see seriesValues); without it, one settled copy is taken as read (a
   * copy's loads may run in any order, so that can rarely pass a torn series).
   */
  confirm?: Uint8Array;
  /**
   * Reads `length` bytes at `offset` from the live region now (e.g. pread). Used for a series
   * whose copy was not settled: the block is read again until two reads in a row agree and are
   * settled, up to `attempts` times.
   */
  reread?: (offset: number, length: number) => Uint8Array | undefined;
  /** Rereads tried before the time budget counts (default 100). */
  attempts?: number;
  /** How long to keep rereading a series that is never settled (default 500 ms). */
  retryMs?: number;
  /** The same object on every read of one region: its unchanging parts are decoded once. */
  cache?: DecodeCache;
}

export interface DecodedRegion {
  identity: AppIdentity | undefined;
  families: MetricFamily[];
  /** Series left out because no consistent read of them was had. */
  torn: number;
}

interface FamilyDesc {
  name: string;
  help: string;
  type: MetricType;
  aggregator: Aggregator;
  buckets: number[];
  quantiles: number[];
}

function u32le(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

/** The layout version of a record or block (1 or 2), or undefined for anything else. */
function versionOf(bytes: Uint8Array, at: number): number | undefined {
  const v = bytes[at + R_VERSION];
  return bytes[at] === 0 && (v === LAYOUT_VERSION || v === LAYOUT_VERSION_1) ? v : undefined;
}

/** Where a text record's UTF-8 text is (offset, length), or undefined when its bounds or version are wrong. */
function recordTextAt(bytes: Uint8Array, e: EntryLocation): { at: number; len: number } | undefined {
  if (e.type !== 'string' || e.vectorLength < R_TEXT) return undefined;
  const at = e.dataOffset;
  if (versionOf(bytes, at) === undefined) return undefined;
  const len = u32le(bytes, at + R_LENGTH);
  if (len > MAX_TEXT_BYTES || R_TEXT + len > e.vectorLength) return undefined;
  return { at: at + R_TEXT, len };
}

/** The JSON text of a record, or undefined when its bounds or version are wrong. */
function recordText(bytes: Uint8Array, e: EntryLocation): unknown {
  const text = recordTextAt(bytes, e);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes.subarray(text.at, text.at + text.len)));
  } catch {
    return undefined;
  }
}

const finiteArray = (v: unknown): v is number[] => Array.isArray(v) && v.length <= MAX_VALUES && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function familyDesc(bytes: Uint8Array, e: EntryLocation): FamilyDesc | undefined {
  const d = recordText(bytes, e) as Record<string, unknown> | undefined;
  if (typeof d !== 'object' || d === null) return undefined;
  const { n, h, t, a, l } = d;
  if (typeof n !== 'string' || n.length > 1024 || !validateMetricName(n)) return undefined;
  if (typeof h !== 'string' || h.length > MAX_TEXT_BYTES) return undefined;
  if (!TYPES.includes(t as MetricType) || !AGGREGATORS.includes(a as Aggregator)) return undefined;
  if (!Array.isArray(l) || !l.every((x) => typeof x === 'string') || !validateLabelName(l as string[])) return undefined;
  const buckets = t === 'histogram' ? d.b : [];
  const quantiles = t === 'summary' ? d.q : [];
  if (!finiteArray(buckets) || !finiteArray(quantiles)) return undefined;
  return { name: n, help: h, type: t as MetricType, aggregator: a as Aggregator, buckets, quantiles };
}

function identityOf(bytes: Uint8Array, e: EntryLocation): AppIdentity | undefined {
  const d = recordText(bytes, e) as Record<string, unknown> | undefined;
  if (typeof d !== 'object' || d === null) return undefined;
  if (!Number.isSafeInteger(d.pid) || !Number.isSafeInteger(d.ppid)) return undefined;
  const id: AppIdentity = { pid: d.pid as number, ppid: d.ppid as number };
  if (typeof d.app === 'string' && d.app.length <= 256) id.app = d.app;
  if (d.clusterWorker === true) id.clusterWorker = true;
  if (typeof d.worker === 'string' && d.worker.length <= 256) id.worker = d.worker;
  return id;
}

/**
 * Decoded label sets by their raw bytes (as latin1 text): a label set is written once and read
 * at every scrape, so its JSON is parsed and validated once. Bounded; the values are frozen.
 */
const labelCache = new Map<string, LabelValues | null>();
const LABEL_CACHE_MAX = 200_000;

function labelsOf(bytes: Uint8Array, at: number, len: number): LabelValues | undefined {
  const key = Buffer.from(bytes.buffer, bytes.byteOffset + at, len).toString('latin1');
  const cached = labelCache.get(key);
  if (cached !== undefined) return cached ?? undefined;
  const parsed = parseLabels(bytes, at, len);
  if (labelCache.size >= LABEL_CACHE_MAX) labelCache.clear();
  labelCache.set(key, parsed === undefined ? null : Object.freeze(parsed));
  return parsed;
}

function parseLabels(bytes: Uint8Array, at: number, len: number): LabelValues | undefined {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(bytes.subarray(at, at + len)));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: LabelValues = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (!validateLabelName([k]) || (typeof x !== 'string' && typeof x !== 'number')) return undefined;
    out[k] = x;
  }
  return out;
}

/** A defaults record (layout.ts): a label set, bounded and checked like a series' labels. */
function defaultLabelsOf(bytes: Uint8Array, text: { at: number; len: number } | undefined): LabelValues | undefined {
  const labels = text === undefined ? undefined : labelsOf(bytes, text.at, text.len);
  return labels !== undefined && Object.keys(labels).length > 0 ? labels : undefined;
}

/**
 * A series' labels with the process's default labels added as prom-client's getMetricsAsJSON()
 * adds them (after its own, and in place of a falsy own value). Frozen and shared, like label
 * sets: processes with the same defaults get the same objects.
 */
const withDefaultsCache = new Map<LabelValues, WeakMap<LabelValues, LabelValues>>();
function withDefaults(labels: LabelValues, defaults: LabelValues): LabelValues {
  let merged = withDefaultsCache.get(defaults);
  if (merged === undefined) {
    if (withDefaultsCache.size >= 1024) withDefaultsCache.clear();
    withDefaultsCache.set(defaults, (merged = new WeakMap()));
  }
  const known = merged.get(labels);
  if (known !== undefined) return known;
  const out: LabelValues = { ...labels };
  for (const k of Object.keys(defaults)) out[k] = out[k] || defaults[k]!;
  Object.freeze(out);
  merged.set(labels, out);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Where a series block is and how to read it. */
interface SeriesAt {
  at: number;
  /** Doubles in the block. */
  n: number;
  version: number;
  /** A counter's block (version 2): value 0 is the double plus the integer part. */
  counter: boolean;
  /** Offset of the block's second seq word (at + seqEndOffset(n, version)). */
  end: number;
}

/** Both seq words equal and even: no multi-word write overlapped this copy's reads of them. */
function settled(v: DataView, seqAt: number, endWordAt: number): boolean {
  const s = v.getInt32(seqAt, true);
  return (s & 1) === 0 && s === v.getInt32(endWordAt, true);
}

/**
 * The values of one series block, consistent, or undefined. `dv` views `bytes`. A copy is one
 * pread (or memcpy) whose loads a CPU may perform in any order (x86 fast string copies do), so
 * one copy's seq words do not prove its values: a block counts as settled when two copies
 * taken one after the other are settled and agree on every byte from the first seq word to the
 * second (a write that tore one copy changed a seq word before the second copy's read of it).
 * A gauge's set(), a counter's integer part and a counter's double while that is 0 are written
 * outside the seqlock: the same rule covers them. Without a second copy, one settled copy is
 * taken as read.
 */
function seriesValues(bytes: Uint8Array, dv: DataView, s: SeriesAt, options: DecodeOptions): Float64Array | undefined {
  const { at, n, counter } = s;
  const seqAt = at + B_SEQ;
  const endAt = s.end;
  const read = (v: DataView, off: number): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = v.getFloat64(off + i * 8, true);
    // (A counter's integer part, version 2, sits between the values and the second seq word.)
    if (counter) out[0]! += v.getUint32(off + intOffset(n) - B_VALUES, true);
    return out;
  };
  if (settled(dv, seqAt, endAt)) {
    const c = options.confirm;
    if (c === undefined || (c.byteLength >= endAt + 4 && sameBytes(bytes, c, seqAt, endAt + 4))) return read(dv, at + B_VALUES);
  }
  const reread = options.reread;
  if (reread === undefined) return undefined;
  const span = endAt + 4 - seqAt;
  let previous: Uint8Array | undefined;
  // A series written in a tight loop is rarely settled: keep trying until the writer pauses
  // (any event-loop turn does), within a time budget.
  const deadline = performance.now() + (options.retryMs ?? 500);
  for (let attempt = 0; ; attempt++) {
    const block = reread(seqAt, span);
    if (block === undefined || block.byteLength < span) return undefined;
    const v = new DataView(block.buffer, block.byteOffset, block.byteLength);
    if (settled(v, 0, span - 4)) {
      if (previous !== undefined && sameBytes(previous, block, 0, span)) return read(v, B_VALUES - B_SEQ);
      previous = block.slice(0, span);
    } else previous = undefined;
    if (attempt >= (options.attempts ?? 100) && performance.now() > deadline) return undefined;
  }
}

function exportValues(d: FamilyDesc, labels: LabelValues, v: Float64Array): MetricFamily['values'] {
  if (d.type === 'counter' || d.type === 'gauge') return [{ value: v[0]!, labels }];
  if (d.type === 'histogram') {
    const out: MetricFamily['values'] = [];
    let acc = 0;
    const bucket = `${d.name}_bucket`;
    d.buckets.forEach((le, i) => {
      acc += v[2 + i]!;
      out.push({ labels: { le, ...labels }, value: acc, metricName: bucket });
    });
    out.push({ labels: { le: '+Inf', ...labels }, value: v[0]!, metricName: bucket });
    out.push({ labels: { ...labels }, value: v[1]!, metricName: `${d.name}_sum` });
    out.push({ labels: { ...labels }, value: v[0]!, metricName: `${d.name}_count` });
    return out;
  }
  const out: MetricFamily['values'] = d.quantiles.map((q, i) => ({ labels: { quantile: q, ...labels }, value: v[2 + i]! }));
  out.push({ metricName: `${d.name}_sum`, labels, value: v[1]! });
  out.push({ metricName: `${d.name}_count`, labels, value: v[0]! });
  return out;
}

/**
 * What does not change in a region once written: its entries, family descriptions and label
 * sets (layout.ts writes them once). Kept by a caller that reads the same region again (pass
 * the same object as `options.cache`): while the prologue's used and entry count stay the same,
 * a read decodes only the values and state words.
 */
export interface DecodeCache {
  used?: number;
  numEntries?: number;
  structure?: Structure;
}

interface Structure {
  identity: AppIdentity | undefined;
  families: { f: number; at: number; desc: FamilyDesc }[];
  series: (SeriesAt & { f: number; labels: LabelValues })[];
  /**
   * False when an entry of perfmem/metrics was left out for what it held: a writer publishes an
   * entry before it fills it (store.ts), so it may be one not yet written, which a later read
   * must see. Only a complete structure is kept in a DecodeCache.
   */
  complete: boolean;
}

function structureOf(u8: Uint8Array, header: ReturnType<typeof readHeader>): Structure {
  const entries = locateEntries(u8, header);
  let identity: AppIdentity | undefined;
  const descs = new Map<number, FamilyDesc>();
  const families: Structure['families'] = [];
  const series: Structure['series'] = [];
  let defaults: LabelValues | undefined;
  let defaultsAt = -1;
  let complete = true;
  for (const e of entries) {
    if (!e.name.startsWith('perfmem.metrics.')) continue;
    const kind = parseEntryName(e.name);
    if (kind === undefined) continue;
    if (kind.kind === 'app') {
      identity = identityOf(u8, e);
      if (identity === undefined) complete = false;
    } else if (kind.kind === 'defaults') {
      const text = recordTextAt(u8, e);
      if (text === undefined) complete = false;
      if (kind.d >= defaultsAt) {
        defaultsAt = kind.d;
        defaults = defaultLabelsOf(u8, text);
      }
    } else if (kind.kind === 'family') {
      const desc = familyDesc(u8, e);
      if (desc === undefined) {
        descs.delete(kind.f);
        complete = false;
        continue;
      }
      descs.set(kind.f, desc);
      families.push({ f: kind.f, at: e.dataOffset, desc });
    } else {
      // A family record always precedes its series (the writer allocates it first).
      const d = descs.get(kind.f);
      const at = e.dataOffset;
      const version = d === undefined || e.type !== 'string' ? undefined : versionOf(u8, at);
      if (d === undefined || version === undefined) {
        complete = false;
        continue;
      }
      const n = valueCount(d.type, d.buckets.length, d.quantiles.length);
      const labelBytes = u32le(u8, at + R_LENGTH);
      // (Both versions' blocks have the same size.)
      const labels = n > MAX_VALUES || labelBytes > MAX_TEXT_BYTES || blockSize(n, labelBytes) > e.vectorLength
        ? undefined : labelsOf(u8, at + labelOffset(n), labelBytes);
      if (labels === undefined) {
        complete = false;
        continue;
      }
      series.push({ f: kind.f, at, n, version, counter: d.type === 'counter' && version === LAYOUT_VERSION, end: at + seqEndOffset(n, version), labels });
    }
  }
  if (defaults !== undefined) for (const s of series) s.labels = withDefaults(s.labels, defaults);
  return { identity, families, series, complete };
}

/** A region's app identity and metric families (see DecodeOptions for consistency). */
export function decodeRegionMetrics(bytes: PerfDataBytes, options: DecodeOptions = {}): DecodedRegion {
  const u8 = bytes instanceof Uint8Array ? bytes : ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : new Uint8Array(bytes);
  const header = readHeader(u8);
  if (header.byteOrder !== 'little') return { identity: undefined, families: [], torn: 0 };
  const cache = options.cache;
  let structure: Structure;
  if (cache?.structure !== undefined && cache.used === header.used && cache.numEntries === header.numEntries && header.used <= u8.byteLength) {
    structure = cache.structure;
  } else {
    structure = structureOf(u8, header);
    if (cache !== undefined) {
      // An incomplete structure is not kept: the entry it lacks may be written by the next read.
      cache.structure = structure.complete ? structure : undefined;
      cache.used = header.used;
      cache.numEntries = header.numEntries;
    }
  }
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const live = new Map<number, FamilyDesc>();
  for (const { f, at, desc } of structure.families) {
    // The family's state word (bytes 2-3 of its record) is the one part of it that changes.
    if ((u8[at + 2]! | (u8[at + 3]! << 8)) === STATE_LIVE) live.set(f, desc);
    else live.delete(f);
  }
  const values = new Map<number, MetricFamily['values']>();
  let torn = 0;
  const confirm = options.confirm;
  const cdv = confirm !== undefined ? new DataView(confirm.buffer, confirm.byteOffset, confirm.byteLength) : undefined;
  for (const s of structure.series) {
    const d = live.get(s.f);
    if (d === undefined || dv.getInt32(s.at + B_STATE, true) !== STATE_LIVE) continue;
    if (s.n === 1) {
      // A counter or gauge, settled, and the same in both copies from the first seq word to the
      // second (see seriesValues): no allocation but the exported value (the common case, at scale).
      const seqAt = s.at + B_SEQ;
      const end = s.end;
      // The words from seq to seq again, unrolled: seq, state, the double, the integer part
      // (version 1: the double again), seq again.
      if (settled(dv, seqAt, end) && (cdv === undefined || (end + 4 <= cdv.byteLength
        && dv.getInt32(seqAt, true) === cdv.getInt32(seqAt, true) && dv.getInt32(seqAt + 4, true) === cdv.getInt32(seqAt + 4, true)
        && dv.getInt32(seqAt + 8, true) === cdv.getInt32(seqAt + 8, true) && dv.getInt32(seqAt + 12, true) === cdv.getInt32(seqAt + 12, true)
        && dv.getInt32(end - 4, true) === cdv.getInt32(end - 4, true) && dv.getInt32(end, true) === cdv.getInt32(end, true)))) {
        let list = values.get(s.f);
        if (list === undefined) values.set(s.f, (list = []));
        const from = s.at + B_VALUES;
        const value = s.counter ? dv.getFloat64(from, true) + dv.getUint32(from + 8, true) : dv.getFloat64(from, true);
        list.push({ value, labels: s.labels });
        continue;
      }
    }
    const v = seriesValues(u8, dv, s, options);
    if (v === undefined) {
      torn++;
      continue;
    }
    let list = values.get(s.f);
    if (list === undefined) values.set(s.f, (list = []));
    for (const x of exportValues(d, s.labels, v)) list.push(x);
  }
  // One family per name: a name registered again (after clear()) shows its latest family.
  const byName = new Map<string, MetricFamily>();
  for (const [f, d] of live) {
    byName.delete(d.name);
    byName.set(d.name, { name: d.name, help: d.help, type: d.type, aggregator: d.aggregator, values: values.get(f) ?? [] });
  }
  return { identity: structure.identity, families: [...byName.values()], torn };
}

/** A region's metric families (prom-client's get() shape). */
export function decodeAppMetrics(bytes: PerfDataBytes, options: DecodeOptions = {}): MetricFamily[] {
  return decodeRegionMetrics(bytes, options).families;
}
