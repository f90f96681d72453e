import { getSystemErrorMap } from 'node:util';

/**
 * An OS failure shaped like the errors Node's own `fs` throws: `code`, a negative `errno`
 * (as Node reports it), `syscall`, and the `path`/`dest` involved.
 */
export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  path?: string;
  dest?: string;
}

// Built on the first error, not at load: every process that loads perfmem would pay for it.
let errorMap: ReturnType<typeof getSystemErrorMap> | undefined;

/** Builds a SystemError from a positive OS errno, with Node's message format. */
export function systemError(errno: number, syscall: string, path?: string, dest?: string): SystemError {
  errorMap ??= getSystemErrorMap();
  const [code, description] = errorMap.get(-Math.abs(errno)) ?? [`E${Math.abs(errno)}`, 'unknown error'];
  let message = `${code}: ${description}, ${syscall}`;
  if (path !== undefined) message += ` '${path}'`;
  if (dest !== undefined) message += ` -> '${dest}'`;
  const err = new Error(message) as SystemError;
  err.code = code;
  err.errno = -Math.abs(errno);
  err.syscall = syscall;
  if (path !== undefined) err.path = path;
  if (dest !== undefined) err.dest = dest;
  Error.captureStackTrace(err, systemError);
  return err;
}

/** True when `err` is an OS error with the given code (a Node fs error or one of ours). */
export function isErrorCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: string }).code ?? '');
}

/**
 * Re-labels an error thrown by Node's `fs` (which names the syscall it made, e.g. `open`
 * on `/dev/shm/x`) with the syscall and path the caller asked for (`shm_open` on `/x`).
 */
export function relabel(err: unknown, syscall: string, path?: string, dest?: string): unknown {
  if (typeof err === 'object' && err !== null && typeof (err as SystemError).errno === 'number' && typeof (err as SystemError).code === 'string') {
    return systemError((err as SystemError).errno, syscall, path, dest);
  }
  return err;
}
