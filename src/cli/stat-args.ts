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
import { escapeTerminal } from './escape.js';

export const statUsage =
  'usage: perfmem stat -<option> [-h<lines>] [-t] [--json] <pid|file> [<interval>[ms|s] [<count>]]  (perfmem stat -options lists the options)';

/** `perfmem stat --help`. */
export function statHelp(): string {
  return `${statUsage}

Prints one row of columns per interval for a process (by pid) or a saved region file, like
jstat. The JVM options print what the JDK's jstat prints; Node processes also have -eventloop,
-cpu, -heap, -heaputil, -gc and -handles. Rates, percentiles and utilization are computed over
each row's own interval from the process's cumulative counters; a row in which the process
published nothing new shows "-".

options:
  -<option>     what to print: perfmem stat -options lists them, -options -v with every column
  -h<lines>     repeat the header every <lines> rows (default: once)
  -t            a first column with the seconds since the process started
  --json        one JSON object per row instead of columns (names in docs/tools.md)
  <interval>    time between rows: <n> (ms), <n>ms or <n>s; without it, one row
  <count>       number of rows (default: until the process exits or Ctrl-C)

exit status: 0; 1 when the process or file is not found; 2 for a usage error; 3 when the
region belongs to a process that is gone (a reused pid or a stale file: the rows are its last data).

examples:
  perfmem stat -eventloop 4242 1s 10      event-loop delay and utilization, 10 rows a second apart
  perfmem stat -gcutil -t 4242 250ms      jstat's -gcutil, with a timestamp, until the process exits
  perfmem stat --json -cpu 4242 1s 3      three JSON rows of CPU figures
`;
}

export type StatArgs =
  | { kind: 'help' }
  | { kind: 'options'; verbose: boolean }
  | {
      kind: 'sample';
      option: string;
      /** Rows between header lines; 0 prints the header once. */
      headerEvery: number;
      timestamp: boolean;
      json: boolean;
      target: string;
      intervalMs: number;
      /** Number of samples; 0 means until the process exits or the user stops. */
      count: number;
    };

function usageError(message: string): UsageError {
  return new UsageError(`stat: ${escapeTerminal(message)}\n${statUsage}`);
}

/** Parses a decimal integer the way Java's Integer.parseInt accepts it (optional sign, digits). */
function parseInteger(s: string): number | undefined {
  if (!/^[+-]?\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
}

/**
 * "<n>", "<n>ms" or "<n>s" (milliseconds by default), as jstat reads an interval. `fail` makes
 * the error of the command that asked (watch has its own name and usage line).
 */
export function parseInterval(s: string, fail: (message: string) => Error = usageError): number {
  const m = /^(.*?)(ms|s)?$/.exec(s);
  const n = parseInteger(m?.[1] ?? '');
  if (n === undefined || n < 0) throw fail(`bad interval '${s}' (expected <n>, <n>ms or <n>s)`);
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
  let json = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-' || parseInteger(arg) !== undefined) break;
    if (arg === '-t') timestamp = true;
    else if (arg === '--json') json = true;
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
  // jstat takes its flags before the pid; -t, -h<n> and --json after it are accepted too, and
  // any other option there is named as misplaced rather than read as a count.
  const rest: string[] = [];
  for (const arg of argv.slice(i)) {
    if (arg === '-t') timestamp = true;
    else if (arg === '--json') json = true;
    else if (/^-h\d+$/.test(arg)) headerEvery = Number(arg.slice(2));
    else if (/^--?[a-zA-Z]/.test(arg)) throw usageError(`option ${arg} must come before the pid or file`);
    else rest.push(arg);
  }
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
  return { kind: 'sample', option, headerEvery, timestamp, json, target, intervalMs, count };
}
