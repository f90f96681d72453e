/**
 * Configuration of the runtime counters, from the environment (PERFMEM_*) and from
 * `start(options)`; an option wins over its variable. Pure: a bad value becomes a warning
 * text and the default, never an exception, so that a typo cannot crash the app.
 */

export interface RuntimeOptions {
  /** Publish nothing (env PERFMEM_DISABLE=1). */
  disable?: boolean;
  /** Base directory instead of /tmp (env PERFMEM_DIR); the region goes in `<dir>/hsperfdata_<user>/`. */
  dir?: string;
  /** Sampling period in milliseconds, 10 to 3600000 (env PERFMEM_PERIOD_MS, default 1000). */
  periodMs?: number;
  /** Region size in bytes, rounded up to the page size (env PERFMEM_SIZE, `k`/`m` suffixes allowed). */
  size?: number;
  /** Write the final region to this file at exit (env PERFMEM_SAVE_FILE). */
  saveFile?: string;
  /** Put the region in /dev/shm (env PERFMEM_SHM=1). */
  shm?: boolean;
  /** Explain on stderr what perfmem does (env PERFMEM_DEBUG=1). */
  debug?: boolean;
  /** Start the watchdog thread (env PERFMEM_WATCHDOG=1). */
  watchdog?: boolean;
}

export interface RuntimeConfig {
  disabled: boolean;
  dir: string | undefined;
  periodMs: number;
  size: number | undefined;
  saveFile: string | undefined;
  shm: boolean;
  debug: boolean;
  watchdog: boolean;
}

export interface ResolvedConfig {
  config: RuntimeConfig;
  /** One line per rejected value, naming it, what was wrong and the default used. */
  warnings: string[];
}

export const DEFAULT_PERIOD_MS = 1000;
export const MIN_PERIOD_MS = 10;
export const MAX_PERIOD_MS = 3_600_000;
export const MAX_SIZE = 1 << 30;

export type Env = Readonly<Record<string, string | undefined>>;

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

/** Reads `env` and `options` into a complete configuration plus the warnings to give. */
export function resolveConfig(env: Env, options: RuntimeOptions = {}): ResolvedConfig {
  const warnings: string[] = [];
  const warn = (what: string, value: unknown, rule: string, fallback: string): void => {
    warnings.push(`perfmem: ${what}=${JSON.stringify(value) ?? String(value)} ${rule}; using ${fallback}`);
  };

  const flag = (option: keyof RuntimeOptions, variable: string): boolean => {
    const o = options[option];
    if (o !== undefined) {
      if (typeof o === 'boolean') return o;
      warn(`option ${option}`, o, 'is not a boolean', 'false');
      return false;
    }
    const e = env[variable];
    if (e === undefined) return false;
    const word = e.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    warn(variable, e, 'is not one of 1/0, true/false, yes/no, on/off', 'false');
    return false;
  };

  const path = (option: 'dir' | 'saveFile', variable: string, mustBeAbsolute: boolean): string | undefined => {
    const fromOption = options[option] !== undefined;
    const v: unknown = fromOption ? options[option] : env[variable];
    const what = fromOption ? `option ${option}` : variable;
    if (v === undefined || v === '') return undefined;
    if (typeof v !== 'string') return warn(what, v, 'is not a string', 'the default'), undefined;
    if (v.includes('\0')) return warn(what, v, 'contains a NUL byte', 'the default'), undefined;
    if (mustBeAbsolute && !v.startsWith('/')) return warn(what, v, 'is not an absolute path', 'the default'), undefined;
    return v;
  };

  const periodMs = (() => {
    const fromOption = options.periodMs !== undefined;
    const raw: unknown = fromOption ? options.periodMs : env.PERFMEM_PERIOD_MS;
    if (raw === undefined) return DEFAULT_PERIOD_MS;
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
    if (Number.isInteger(n) && n >= MIN_PERIOD_MS && n <= MAX_PERIOD_MS) return n;
    warn(fromOption ? 'option periodMs' : 'PERFMEM_PERIOD_MS', raw,
      `is not a whole number of milliseconds from ${MIN_PERIOD_MS} to ${MAX_PERIOD_MS}`, String(DEFAULT_PERIOD_MS));
    return DEFAULT_PERIOD_MS;
  })();

  const size = (() => {
    const fromOption = options.size !== undefined;
    const raw: unknown = fromOption ? options.size : env.PERFMEM_SIZE;
    if (raw === undefined || raw === '') return undefined;
    let n = NaN;
    if (typeof raw === 'number') n = raw;
    else if (typeof raw === 'string') {
      const m = /^\s*(\d+)\s*([kKmM]?)\s*$/.exec(raw);
      if (m) n = Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2] ?? '') ? 1024 : 1024 * 1024);
    }
    if (Number.isInteger(n) && n > 0 && n <= MAX_SIZE) return n;
    warn(fromOption ? 'option size' : 'PERFMEM_SIZE', raw,
      `is not a size in bytes from 1 to ${MAX_SIZE} (suffix k or m allowed)`, 'the default size');
    return undefined;
  })();

  const config: RuntimeConfig = {
    disabled: flag('disable', 'PERFMEM_DISABLE'),
    dir: path('dir', 'PERFMEM_DIR', true),
    periodMs,
    size,
    saveFile: path('saveFile', 'PERFMEM_SAVE_FILE', false),
    shm: flag('shm', 'PERFMEM_SHM'),
    debug: flag('debug', 'PERFMEM_DEBUG'),
    watchdog: flag('watchdog', 'PERFMEM_WATCHDOG'),
  };
  return { config, warnings };
}
