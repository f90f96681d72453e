/**
 * Configuration of the runtime counters, from the environment (PERFMEM_*) and from
 * `start(options)`; an option wins over its variable. Pure: a bad value becomes a warning
 * text and the default, never an exception, so that a typo cannot crash the app.
 *
 * The region's own variables (PERFMEM_DIR, PERFMEM_SHM, PERFMEM_SIZE, PERFMEM_SAVE_FILE,
 * PERFMEM_EXIT_SIGNALS) are
 * read, and warned about, by createRegion itself; here only the same settings given as
 * options are checked, so that a bad one is dropped with a warning instead of throwing.
 */
import { MAX_SIZE, parseFlag } from '../perfmemory/options.js';

export interface RuntimeOptions {
  /** Publish nothing (env PERFMEM_DISABLE=1). */
  disable?: boolean;
  /** Base directory instead of /tmp (env PERFMEM_DIR); the region goes in `<dir>/hsperfdata_<user>/`. */
  dir?: string;
  /** Sampling period in milliseconds, 10 to 3600000 (env PERFMEM_PERIOD_MS, default 1000). */
  periodMs?: number;
  /** Region size in bytes, rounded up to the page size (env PERFMEM_SIZE, `k`/`m` suffixes allowed). */
  size?: number;
  /** Write the final region to this file at exit, `%p` = pid (env PERFMEM_SAVE_FILE). */
  saveFile?: string;
  /** Put the region in /dev/shm (env PERFMEM_SHM=1). */
  shm?: boolean;
  /** false: SIGINT/SIGTERM/SIGHUP end the process at once, even while blocked; its file is left for the stale-file cleanup (env PERFMEM_EXIT_SIGNALS=0; see createRegion). */
  exitSignals?: boolean;
  /** Explain on stderr what perfmem does (env PERFMEM_DEBUG=1). */
  debug?: boolean;
  /** Start the watchdog thread (env PERFMEM_WATCHDOG=1). */
  watchdog?: boolean;
  /** How often the event-loop delay is probed, in ms, 1 to 10000 (env PERFMEM_DELAY_RESOLUTION_MS, default 100). */
  delayResolutionMs?: number;
  /**
   * With the watchdog: publish the main thread's JavaScript stack once a block has lasted
   * this long, in ms, 0 (never) to 3600000 (env PERFMEM_STACK_AFTER_MS, default 1000).
   */
  stackAfterMs?: number;
}

/** The region settings given as options (the environment's are createRegion's business). */
export interface RegionSettings {
  dir?: string;
  size?: number;
  saveFile?: string;
  shm?: boolean;
  exitSignals?: boolean;
}

export interface RuntimeConfig {
  disabled: boolean;
  periodMs: number;
  debug: boolean;
  watchdog: boolean;
  delayResolutionMs: number;
  stackAfterMs: number;
  region: RegionSettings;
}

export interface ResolvedConfig {
  config: RuntimeConfig;
  /** One line per rejected value, naming it, what was wrong and the default used. */
  warnings: string[];
}

export const DEFAULT_PERIOD_MS = 1000;
export const MIN_PERIOD_MS = 10;
export const MAX_PERIOD_MS = 3_600_000;
export const DEFAULT_DELAY_RESOLUTION_MS = 100;
export const MAX_DELAY_RESOLUTION_MS = 10_000;
export const DEFAULT_STACK_AFTER_MS = 1000;

export type Env = Readonly<Record<string, string | undefined>>;


/** Reads `env` and `options` into a complete configuration plus the warnings to give. */
export function resolveConfig(env: Env, options: RuntimeOptions = {}): ResolvedConfig {
  const warnings: string[] = [];
  const warn = (what: string, value: unknown, rule: string, fallback: string): void => {
    warnings.push(`perfmem: ${what}=${JSON.stringify(value) ?? String(value)} ${rule}; using ${fallback}`);
  };

  const flag = (option: 'disable' | 'debug' | 'watchdog', variable: string): boolean => {
    const o: unknown = options[option];
    if (o !== undefined) {
      if (typeof o === 'boolean') return o;
      warn(`option ${option}`, o, 'is not a boolean', 'false');
      return false;
    }
    const e = env[variable];
    if (e === undefined) return false;
    const value = parseFlag(e);
    if (value !== undefined) return value;
    warn(variable, e, 'is not one of 1/0, true/false, yes/no, on/off', 'false');
    return false;
  };

  const milliseconds = (option: 'periodMs' | 'delayResolutionMs' | 'stackAfterMs', variable: string, min: number, max: number, fallback: number): number => {
    const fromOption = options[option] !== undefined;
    const raw: unknown = fromOption ? options[option] : env[variable];
    if (raw === undefined) return fallback;
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    warn(fromOption ? `option ${option}` : variable, raw, `is not a whole number of milliseconds from ${min} to ${max}`, String(fallback));
    return fallback;
  };
  const periodMs = milliseconds('periodMs', 'PERFMEM_PERIOD_MS', MIN_PERIOD_MS, MAX_PERIOD_MS, DEFAULT_PERIOD_MS);
  const delayResolutionMs = milliseconds('delayResolutionMs', 'PERFMEM_DELAY_RESOLUTION_MS', 1, MAX_DELAY_RESOLUTION_MS, DEFAULT_DELAY_RESOLUTION_MS);

  const stackAfterMs = milliseconds('stackAfterMs', 'PERFMEM_STACK_AFTER_MS', 0, MAX_PERIOD_MS, DEFAULT_STACK_AFTER_MS);

  const region: RegionSettings = {};
  const { dir, size, saveFile, shm, exitSignals } = options as Record<string, unknown>;
  if (dir !== undefined) {
    if (typeof dir === 'string' && dir.startsWith('/') && !dir.includes('\0')) region.dir = dir;
    else warn('option dir', dir, 'is not an absolute path', 'the default directory');
  }
  if (size !== undefined) {
    if (typeof size === 'number' && Number.isSafeInteger(size) && size > 0 && size <= MAX_SIZE) region.size = size;
    else warn('option size', size, `is not a size in bytes from 1 to ${MAX_SIZE}`, 'the default size');
  }
  if (saveFile !== undefined) {
    if (typeof saveFile === 'string' && saveFile !== '' && !saveFile.includes('\0')) region.saveFile = saveFile;
    else warn('option saveFile', saveFile, 'is not a file path', 'no save file');
  }
  if (shm !== undefined) {
    if (typeof shm === 'boolean') region.shm = shm;
    else warn('option shm', shm, 'is not a boolean', 'the default location');
  }
  if (exitSignals !== undefined) {
    if (typeof exitSignals === 'boolean') region.exitSignals = exitSignals;
    else warn('option exitSignals', exitSignals, 'is not a boolean', 'listening for exit signals');
  }

  const config: RuntimeConfig = {
    disabled: flag('disable', 'PERFMEM_DISABLE'),
    periodMs,
    debug: flag('debug', 'PERFMEM_DEBUG'),
    watchdog: flag('watchdog', 'PERFMEM_WATCHDOG'),
    delayResolutionMs,
    stackAfterMs,
    region,
  };
  return { config, warnings };
}
