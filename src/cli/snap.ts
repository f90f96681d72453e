/**
 * `perfmem snap <pid|file> [--json] [--filter regex] [-v]`: every counter as jstat -snap
 * prints it (with -J-Djstat.showUnsupported=true), or as JSON.
 */
import type { CounterInfo } from '../perfdata/types.js';
import { UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { formatSnap, selectCounters } from './snap-format.js';
import { openTarget } from './target.js';

const usage = 'usage: perfmem snap <pid|file> [--json] [--filter <regex>] [-v]';

export async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { usage, booleans: ['--json', '-v'], values: ['--filter'] });
  if (args.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError(`snap: expected one pid or file\n${usage}`);
  const filterText = args.values.get('--filter');
  let filter: RegExp | undefined;
  if (filterText !== undefined) {
    try {
      filter = new RegExp(filterText);
    } catch (err) {
      throw new UsageError(`snap: bad --filter: ${(err as Error).message}`);
    }
  }
  const target = openTarget(args.positionals[0]!);
  try {
    const data = target.read();
    if (data === undefined) throw new UsageError(`process ${target.label} not found`, 1);
    if (args.flags.has('--json')) {
      process.stdout.write(`${JSON.stringify(toJson(data.counters, filter), null, 2)}\n`);
    } else {
      process.stdout.write(formatSnap(data.counters, { verbose: args.flags.has('-v'), filter }));
    }
    return 0;
  } finally {
    target.close();
  }
}

/** Counters sorted by name as plain JSON objects; 64-bit values beyond 2^53 become strings. */
function toJson(counters: readonly CounterInfo[], filter: RegExp | undefined): unknown[] {
  return selectCounters(counters, { filter })
    .map((c) => ({ ...c, value: typeof c.value === 'bigint' ? c.value.toString() : c.value }));
}
