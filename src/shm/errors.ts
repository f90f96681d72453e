import { constants } from 'node:os';
import { systemError } from '../sys/index.js';
import type { SystemError } from '../sys/index.js';

/**
 * An error of perfmem's own (not an OS failure): a stable `code` such as
 * `ERR_SHM_MAP_RANGE`, and a message naming what was wrong and where.
 */
export class ShmError extends Error {
  override name = 'ShmError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** An OS-style failure for a check perfmem makes itself, before or instead of the kernel. */
export function fail(code: keyof typeof constants.errno, syscall: string, path?: string, dest?: string): SystemError {
  return systemError(constants.errno[code], syscall, path, dest);
}

/** A bad argument value, shaped like Node's own (`code: 'ERR_OUT_OF_RANGE'`). */
export function outOfRange(name: string, expected: string, value: unknown): RangeError & { code: string } {
  const err = new RangeError(`The value of "${name}" is out of range. It must be ${expected}. Received ${String(value)}`) as RangeError & { code: string };
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}

/** A bad argument type, shaped like Node's own (`code: 'ERR_INVALID_ARG_TYPE'`). */
export function invalidType(name: string, expected: string, value: unknown): TypeError & { code: string } {
  const err = new TypeError(`The "${name}" argument must be ${expected}. Received ${typeof value === 'symbol' ? value.toString() : typeof value}`) as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

/** Validates a byte count or offset: a safe integer >= min (ERR_OUT_OF_RANGE otherwise). */
export function checkByteCount(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw outOfRange(name, `an integer >= ${min}`, value);
  }
  return value;
}
