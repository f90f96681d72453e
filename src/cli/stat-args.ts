/**
 * `perfmem stat` arguments in jstat's grammar:
 *   stat -<option> [-h<lines>] [-t] <pid|file> [<interval>[ms|s] [<count>]]
 *   stat -options [-v]
 * -h followed by digits (or alone, then the next argument) sets the header rate; -h followed by
 * letters is an option name (-heap, -handles) when it comes first.
 * As in jstat: no interval means one sample; an interval without a count samples until the
 * process exits or the user stops it (count 0 too); -h0 prints the header once.
 */
import { UsageError } from './errors.js';

export const statUsage =
  'usage: perfmem stat -<option> [-h<lines>] [-t] <pid|file> [<interval>[ms|s] [<count>]]  (perfmem stat -options lists the options)';

export type StatArgs =
  | { kind: 'help' }
  | { kind: 'options'; verbose: boolean }
  | {
      kind: 'sample';
      option: string;
      /** Rows between header lines; 0 prints the header once. */
      headerEvery: number;
      timestamp: boolean;
      target: string;
      intervalMs: number;
      /** Number of samples; 0 means until the process exits or the user stops. */
      count: number;
    };

function usageError(message: string): UsageError {
  return new UsageError(`stat: ${message}\n${statUsage}`);
}

/** Parses a decimal integer the way Java's Integer.parseInt accepts it (optional sign, digits). */
function parseInteger(s: string): number | undefined {
  if (!/^[+-]?\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
}

/** "<n>", "<n>ms" or "<n>s" (milliseconds by default), as jstat reads an interval. */
export function parseInterval(s: string): number {
  const m = /^(.*?)(ms|s)?$/.exec(s);
  const n = parseInteger(m?.[1] ?? '');
  if (n === undefined || n < 0) throw usageError(`bad interval '${s}' (expected <n>, <n>ms or <n>s)`);
  return m?.[2] === 's' ? n * 1000 : n;
}

export function parseStatArgs(argv: readonly string[]): StatArgs {
  if (argv.length === 0) throw usageError('an option is required');
  const first = argv[0];
  if (first === '-h' || first === '--help' || first === '-help' || first === '-?') return { kind: 'help' };
  if (first === '-options') {
    const rest = argv.slice(1);
    if (rest.some((a) => a !== '-v')) throw usageError(`unexpected argument '${rest.find((a) => a !== '-v')}'`);
    return { kind: 'options', verbose: rest.length > 0 };
  }
  let option: string | undefined;
  let headerEvery = 0;
  let timestamp = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-' || parseInteger(arg) !== undefined) break;
    if (arg === '-t') timestamp = true;
    else if (/^-h\d*$/.test(arg) || (arg.startsWith('-h') && option !== undefined)) {
      // -h<lines> or -h <lines>; a word after -h is an option name (-heap, -handles) unless one was given.
      let value = arg.slice(2);
      if (value === '') {
        i++;
        if (i >= argv.length) throw usageError('-h requires an integer argument');
        value = argv[i]!;
      }
      const n = parseInteger(value);
      if (n === undefined || n < 0) throw usageError(`illegal -h argument: ${value}`);
      headerEvery = n;
    } else if (option === undefined && /^-[a-z]+$/.test(arg)) option = arg.slice(1);
    else throw usageError(`illegal argument: ${arg}`);
  }
  if (option === undefined) throw usageError('-<option> required');
  const rest = argv.slice(i);
  if (rest.length < 1 || rest.length > 3) throw usageError('invalid argument count');
  const [target, interval, countText] = rest as [string, string?, string?];
  let count = 1;
  let intervalMs = 0;
  if (interval !== undefined) {
    intervalMs = parseInterval(interval);
    count = 0;
  }
  if (countText !== undefined) {
    const n = parseInteger(countText);
    if (n === undefined || n < 0) throw usageError(`illegal count value: ${countText}`);
    count = n;
  }
  return { kind: 'sample', option, headerEvery, timestamp, target, intervalMs, count };
}
