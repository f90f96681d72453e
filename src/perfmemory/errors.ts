/**
 * perfmem's own errors for regions and attach: a stable string `code`, and a message that names
 * what was wrong and where. The wording of the first part follows HotSpot's PerfMemory
 * ("Process not found", "Permission denied", "Invalid PerfMemory size", ...).
 */

export type PerfMemoryErrorCode =
  /** No such process, or it has no region that this user can find. */
  | 'ERR_PROCESS_NOT_FOUND'
  /** The region exists but this user may not read it (EACCES, EPERM). */
  | 'ERR_PERFDATA_ACCESS'
  /** The file's size is not a non-zero multiple of the page size, or it changed under the reader. */
  | 'ERR_PERFDATA_SIZE'
  /** A directory is a symlink, not a directory, group/other-writable, or owned by another user. */
  | 'ERR_INSECURE_DIRECTORY'
  /** The region file is a symlink, not a regular file, or has more than one hard link. */
  | 'ERR_INSECURE_FILE'
  /** Another live process holds the region file's lock. */
  | 'ERR_REGION_IN_USE'
  /** attach() was asked for read-write access, which is never offered. */
  | 'ERR_READ_WRITE_UNSUPPORTED'
  /** The view was used after detach(). */
  | 'ERR_DETACHED';

export class PerfMemoryError extends Error {
  override name = 'PerfMemoryError';
  constructor(readonly code: PerfMemoryErrorCode, message: string, readonly path?: string) {
    super(message);
  }
}

/** A bad argument, shaped like Node's own (`code: 'ERR_INVALID_ARG_VALUE'`). */
export function invalidArg(name: string, expected: string, value: unknown): TypeError & { code: string } {
  const err = new TypeError(`The option '${name}' must be ${expected}. Received ${describe(value)}`) as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_VALUE';
  return err;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
