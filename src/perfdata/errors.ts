/**
 * perfmem's own errors for the hsperfdata format. Every failure carries a stable string
 * `code`; reader errors also carry the byte `offset` where the problem was found.
 */

export type PerfDataErrorCode =
  /** The first four bytes are not CA FE C0 C0, or the input is shorter than a prologue. */
  | 'ERR_PERFDATA_MAGIC'
  /** A major.minor version other than 2.0. */
  | 'ERR_PERFDATA_VERSION'
  /** A structural inconsistency: an entry or field out of bounds, misaligned or invalid. */
  | 'ERR_PERFDATA_CORRUPT'
  /** A well-formed entry of a kind jvmstat does not support (e.g. an 'I' scalar, a 'J' vector). */
  | 'ERR_PERFDATA_UNSUPPORTED'
  /** A counter name that is not a dotted ASCII identifier. */
  | 'ERR_PERFDATA_NAME'
  /** A counter name already in the region. */
  | 'ERR_PERFDATA_DUPLICATE'
  /** A bad argument: value out of 64-bit range, unknown units or variability, bad length. */
  | 'ERR_PERFDATA_ARGUMENT'
  /** A buffer the writer cannot use (too small, not 8-byte aligned). */
  | 'ERR_PERFDATA_BUFFER'
  /** A region beyond a reader's bounds (size, entry count, name or string length; see limits.ts). */
  | 'ERR_PERFDATA_LIMIT';

export class PerfDataError extends Error {
  readonly code: PerfDataErrorCode;
  /** Byte offset in the region where the reader found the problem, when there is one. */
  readonly offset: number | undefined;

  constructor(code: PerfDataErrorCode, message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at offset 0x${offset.toString(16)})`);
    this.name = 'PerfDataError';
    this.code = code;
    this.offset = offset;
  }
}

/** True when `err` is a PerfDataError, optionally with one of the given codes. */
export function isPerfDataError(err: unknown, ...codes: PerfDataErrorCode[]): err is PerfDataError {
  return err instanceof PerfDataError && (codes.length === 0 || codes.includes(err.code));
}
