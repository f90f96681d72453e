/**
 * The layout of app metrics in a region, version 2: the one definition writers and readers
 * share (see docs/metrics.md, "Layout"). Every entry is a raw 'B' byte vector (units string,
 * Supported flag 0, so plain `jstat -snap` hides it), whose data starts 8-byte aligned and whose
 * first byte is always 0 (a string reader shows it as empty):
 *
 *   perfmem.metrics.v1.app          text record: JSON AppIdentity (written once)
 *   perfmem.metrics.v1.f<F>         text record: JSON family {n,h,t,a,l,b?,q?} (written once)
 *   perfmem.metrics.v1.f<F>.s<S>    series block (labels written once, values live)
 *   perfmem.metrics.v1.d<D>         text record: JSON object, the default registry's default
 *                                   labels (setDefaultLabels; each change a new record, the
 *                                   highest D counts)
 *
 * (The `v1` of the names is the naming scheme; the layout version is each entry's byte 1.)
 * Text record: u8 0 | u8 version | u16 state | u32 byte length | UTF-8 JSON.
 * Series block: u8 0 | u8 version | u16 0 | u32 label bytes | i32 seq | u32 state |
 *   f64 values[n] | u32 integer part | i32 seq again | UTF-8 JSON object of the labels.
 *   n = 1 (counter, gauge: the value), buckets + 2 (histogram: count, sum, then the count of
 *   each finite bucket, not cumulative), quantiles + 2 (summary: count, sum, then each quantile).
 *   The integer part (version 2) is a counter's: its value is values[0] + the integer part
 *   (inc() and inc(<small integer>) add to the integer word, a plain 32-bit store); it is 0 for
 *   the other types. The two seq words make a seqlock: a multi-word write stores seq+1 (odd)
 *   in the first word, then in the second, then the values, then seq+2 in the second word, then
 *   in the first. A counter's fold (the integer part added to the double, then zeroed) is such
 *   a write; between folds the integer part only grows. A gauge's set(), a counter's integer
 *   part and its double while the integer part is 0 are single aligned stores outside it. A
 *   reader takes a block when two copies, one after the other, have both seq words equal and
 *   even and agree on every byte between them (decode.ts: one copy's loads may run in any order).
 *   state 0 = live, 1 = removed (remove()/reset(); the block is reused if the labels return).
 * Version 1 (read, never written): no integer part, the second seq word at 16 + 8n, then a
 * zero word; the same size.
 */
import type { MetricType } from './types.js';

export const LAYOUT_VERSION = 2;
/** The older layout readers still accept (no integer part). */
export const LAYOUT_VERSION_1 = 1;
export const PREFIX = 'perfmem.metrics.v1';
export const APP_ENTRY = `${PREFIX}.app`;

export const familyEntry = (f: number): string => `${PREFIX}.f${f}`;
export const seriesEntry = (f: number, s: number): string => `${PREFIX}.f${f}.s${s}`;
export const defaultsEntry = (d: number): string => `${PREFIX}.d${d}`;
/** Changes of the default labels published per process (a region never frees an entry). */
export const MAX_DEFAULTS_RECORDS = 64;

/** The kinds of entry names, parsed (bounded: ids are at most 9 digits). */
const FAMILY_RE = /^perfmem\.metrics\.v1\.f(\d{1,9})$/;
const SERIES_RE = /^perfmem\.metrics\.v1\.f(\d{1,9})\.s(\d{1,9})$/;
const DEFAULTS_RE = /^perfmem\.metrics\.v1\.d(\d{1,9})$/;
export function parseEntryName(name: string): { kind: 'app' } | { kind: 'family'; f: number } | { kind: 'series'; f: number; s: number } | { kind: 'defaults'; d: number } | undefined {
  if (name === APP_ENTRY) return { kind: 'app' };
  const d = DEFAULTS_RE.exec(name);
  if (d !== null) return { kind: 'defaults', d: Number(d[1]) };
  let m = FAMILY_RE.exec(name);
  if (m !== null) return { kind: 'family', f: Number(m[1]) };
  m = SERIES_RE.exec(name);
  if (m !== null) return { kind: 'series', f: Number(m[1]), s: Number(m[2]) };
  return undefined;
}

/** Byte offsets inside a record or block. */
export const R_VERSION = 1;
export const R_LENGTH = 4;
export const R_TEXT = 8;
export const B_SEQ = 8;
export const B_STATE = 12;
export const B_VALUES = 16;

export const STATE_LIVE = 0;
export const STATE_REMOVED = 1;

/** Bounds a reader applies to what it decodes (hostile regions). */
export const MAX_TEXT_BYTES = 64 * 1024;
export const MAX_VALUES = 4096;

/** Values in a block of a family of this type. */
export function valueCount(type: MetricType, buckets: number, quantiles: number): number {
  if (type === 'histogram') return buckets + 2;
  if (type === 'summary') return quantiles + 2;
  return 1;
}

/** Offset of a counter's integer part (a u32) in a block of `values` doubles. */
export function intOffset(values: number): number {
  return B_VALUES + values * 8;
}

/** Offset of the second seq word in a block of `values` doubles (version 1: right after the values). */
export function seqEndOffset(values: number, version: number = LAYOUT_VERSION): number {
  return B_VALUES + values * 8 + (version === LAYOUT_VERSION_1 ? 0 : 4);
}

/** Offset of the label JSON in a block of `values` doubles (both versions). */
export function labelOffset(values: number): number {
  return B_VALUES + values * 8 + 8;
}

/** Bytes of a series block holding `values` doubles and `labelBytes` of label JSON. */
export function blockSize(values: number, labelBytes: number): number {
  return labelOffset(values) + labelBytes;
}
