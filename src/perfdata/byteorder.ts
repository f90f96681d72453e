/**
 * Re-encodes a region in the other byte order: the prologue's integers, every entry header's
 * integers and every long value are swapped; names and strings are bytes and stay. Useful to
 * produce files as a big-endian JVM (SPARC, s390x, AIX/POWER) writes them.
 */
import {
  BYTE_ORDER_BIG, BYTE_ORDER_LITTLE, E_DATA_OFFSET, E_ENTRY_LENGTH, E_NAME_OFFSET, E_VECTOR_LENGTH,
  P_BYTE_ORDER, P_ENTRY_OFFSET, P_MOD_TIME_STAMP, P_NUM_ENTRIES, P_OVERFLOW, P_USED,
} from './layout.js';
import { locateEntries, readHeader, type PerfDataBytes } from './reader.js';

function swap(bytes: Uint8Array, at: number, width: number): void {
  for (let i = 0, j = width - 1; i < j; i++, j--) {
    const t = bytes[at + i] as number;
    bytes[at + i] = bytes[at + j] as number;
    bytes[at + j] = t;
  }
}

/** A copy of a valid region with every multi-byte field in `order` (a plain copy if it already is). */
export function toByteOrder(bytes: PerfDataBytes, order: 'big' | 'little'): Uint8Array {
  const src = ArrayBuffer.isView(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : new Uint8Array(bytes);
  const header = readHeader(src);
  const entries = locateEntries(src, header);
  const out = src.slice();
  if (header.byteOrder === order) return out;
  out[P_BYTE_ORDER] = order === 'big' ? BYTE_ORDER_BIG : BYTE_ORDER_LITTLE;
  for (const at of [P_USED, P_OVERFLOW, P_ENTRY_OFFSET, P_NUM_ENTRIES]) swap(out, at, 4);
  swap(out, P_MOD_TIME_STAMP, 8);
  for (const e of entries) {
    for (const field of [E_ENTRY_LENGTH, E_NAME_OFFSET, E_VECTOR_LENGTH, E_DATA_OFFSET]) swap(out, e.offset + field, 4);
    if (e.type === 'long') swap(out, e.dataOffset, 8);
  }
  return out;
}
