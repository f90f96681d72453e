/**
 * createRegion's options, from the caller or the environment. A bad option from the caller is a
 * TypeError (ERR_INVALID_ARG_VALUE); a bad environment variable gives one warning and its default,
 * never a crash of the app it was set for.
 */
import { pageSize } from '../sys/index.js';
import { invalidArg } from './errors.js';
import { MAX_REGION_SIZE } from '../perfdata/limits.js';

export interface RegionOptions {
  /** Base directory instead of /tmp: the region is `<dir>/hsperfdata_<user>/<pid>`. Env PERFMEM_DIR. */
  dir?: string;
  /** Put the region in POSIX shared memory (tmpfs): `/dev/shm/hsperfdata_<user>/<pid>`. Env PERFMEM_SHM=1. */
  shm?: boolean;
  /** false keeps the region in private memory only (no file; nobody else can read it). Default true. */
  shared?: boolean;
  /** Bytes, rounded up to the page size. Default 32 KiB. Env PERFMEM_SIZE (suffixes k, m). */
  size?: number;
  /** Write the final region to this file at exit and on close(); `%p` becomes the pid. Env PERFMEM_SAVE_FILE. */
  saveFile?: string;
  /**
   * Listen for SIGINT, SIGTERM and SIGHUP (while no one else does) to remove the file before the
   * process dies of them, as HotSpot does. Default true. false: those signals end the process as
   * they would without perfmem, at once even while its event loop is blocked (a listener runs
   * only when the loop turns); the file is then left for the stale-file cleanup, like a SIGKILLed
   * process's. Env PERFMEM_EXIT_SIGNALS=0.
   */
  exitSignals?: boolean;
  /** Receives warnings (private-memory fallback, overflow, bad env); default process.emitWarning. */
  onWarning?: (warning: PerfmemWarning) => void;
}

export interface PerfmemWarning extends Error {
  code: string;
}

export interface ResolvedOptions {
  base: string | undefined;
  shm: boolean;
  shared: boolean;
  size: number;
  saveFile: string | undefined;
  exitSignals: boolean;
  warn: (code: string, message: string) => void;
}

export const DEFAULT_SIZE = 32 * 1024;
/**
 * The largest region perfmem makes, and so the largest any of its readers accepts:
 * perfdata's MAX_REGION_SIZE (8 MiB; see limits.ts for why). HotSpot's PerfDataMemorySize
 * defaults to 64 KiB and is capped at 2 MiB. (perfmem/register accepts sizes up to the same limit.)
 */
export const MAX_SIZE = MAX_REGION_SIZE;

export function roundToPage(size: number): number {
  return Math.ceil(size / pageSize) * pageSize;
}

/** Parses a size: bytes, or with a k/m suffix (powers of 1024). NaN when malformed. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+)\s*([kKmM]?)[bB]?\s*$/.exec(text);
  if (m === null) return Number.NaN;
  const unit = m[2]!.toLowerCase();
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : 1);
}

/** Reads a boolean setting: 1/0, true/false, yes/no, on/off (empty is false); undefined otherwise. */
export function parseFlag(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === '1' || t === 'true' || t === 'yes' || t === 'on') return true;
  if (t === '0' || t === 'false' || t === 'no' || t === 'off' || t === '') return false;
  return undefined;
}

export function defaultWarn(onWarning?: (w: PerfmemWarning) => void): (code: string, message: string) => void {
  return (code, message) => {
    const warning = Object.assign(new Error(message), { name: 'PerfmemWarning', code }) as PerfmemWarning;
    if (onWarning !== undefined) {
      try {
        onWarning(warning);
      } catch {
        // a throwing warning handler must not break region creation
      }
    } else {
      process.emitWarning(message, { type: 'PerfmemWarning', code });
    }
  };
}

export function resolveOptions(options: RegionOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalidArg('options', 'an object', options);
  if (options.onWarning !== undefined && typeof options.onWarning !== 'function') throw invalidArg('onWarning', 'a function', options.onWarning);
  const warn = defaultWarn(options.onWarning);
  const badEnv = (name: string, value: string, expected: string): void =>
    warn('PERFMEM_BAD_ENV', `perfmem: ignoring ${name}=${JSON.stringify(value)}: expected ${expected}`);

  let base: string | undefined;
  if (options.dir !== undefined) {
    if (typeof options.dir !== 'string' || !options.dir.startsWith('/')) throw invalidArg('dir', 'an absolute path', options.dir);
    base = options.dir;
  } else if (env.PERFMEM_DIR !== undefined && env.PERFMEM_DIR !== '') {
    if (env.PERFMEM_DIR.startsWith('/')) base = env.PERFMEM_DIR;
    else badEnv('PERFMEM_DIR', env.PERFMEM_DIR, 'an absolute path');
  }

  let shm = false;
  if (options.shm !== undefined) {
    if (typeof options.shm !== 'boolean') throw invalidArg('shm', 'a boolean', options.shm);
    shm = options.shm;
  } else if (env.PERFMEM_SHM !== undefined) {
    const flag = parseFlag(env.PERFMEM_SHM);
    if (flag === undefined) badEnv('PERFMEM_SHM', env.PERFMEM_SHM, '1 or 0');
    else shm = flag;
  }

  if (options.shared !== undefined && typeof options.shared !== 'boolean') throw invalidArg('shared', 'a boolean', options.shared);
  const shared = options.shared ?? true;

  let size = DEFAULT_SIZE;
  if (options.size !== undefined) {
    if (typeof options.size !== 'number' || !Number.isSafeInteger(options.size) || options.size <= 0 || options.size > MAX_SIZE) {
      throw invalidArg('size', `an integer from 1 to ${MAX_SIZE}`, options.size);
    }
    size = options.size;
  } else if (env.PERFMEM_SIZE !== undefined && env.PERFMEM_SIZE !== '') {
    const parsed = parseSize(env.PERFMEM_SIZE);
    if (!(parsed > 0 && parsed <= MAX_SIZE)) badEnv('PERFMEM_SIZE', env.PERFMEM_SIZE, `a size in bytes (k, m suffixes) up to ${MAX_SIZE}`);
    else size = parsed;
  }

  let saveFile: string | undefined;
  if (options.saveFile !== undefined) {
    if (typeof options.saveFile !== 'string' || options.saveFile === '') throw invalidArg('saveFile', 'a file path', options.saveFile);
    saveFile = options.saveFile;
  } else if (env.PERFMEM_SAVE_FILE !== undefined && env.PERFMEM_SAVE_FILE !== '') {
    saveFile = env.PERFMEM_SAVE_FILE;
  }
  // HotSpot's PerfDataSaveFile expands %p to the pid, so one setting serves many processes.
  if (saveFile !== undefined) saveFile = saveFile.replaceAll('%p', String(process.pid));

  let exitSignals = true;
  if (options.exitSignals !== undefined) {
    if (typeof options.exitSignals !== 'boolean') throw invalidArg('exitSignals', 'a boolean', options.exitSignals);
    exitSignals = options.exitSignals;
  } else if (env.PERFMEM_EXIT_SIGNALS !== undefined && env.PERFMEM_EXIT_SIGNALS !== '') {
    const flag = parseFlag(env.PERFMEM_EXIT_SIGNALS);
    if (flag === undefined) badEnv('PERFMEM_EXIT_SIGNALS', env.PERFMEM_EXIT_SIGNALS, '1 or 0');
    else exitSignals = flag;
  }

  return { base, shm, shared, size: roundToPage(size), saveFile, exitSignals, warn };
}
