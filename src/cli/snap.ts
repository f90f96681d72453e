/**
 * `perfmem snap <pid|file> [--json] [--filter regex] [-v]`: every counter as jstat -snap
 * prints it (with -J-Djstat.showUnsupported=true), or as JSON.
 */
import type { CounterInfo } from '../perfdata/types.js';
import { UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { formatSnap, selectCounters } from './snap-format.js';
import { openTarget, STALE_EXIT } from './target.js';
import { escapeTerminal } from './escape.js';
import { escapeControls } from './escape-controls.js';
import { writeOnce } from './output.js';

const usage = 'usage: perfmem snap <pid|file> [--json] [--filter <regex>] [-i] [-v]';

const help = `${usage}

Prints every counter of a process (by pid) or of a saved region file, one name=value line each,
sorted by name, as jstat -J-Djstat.showUnsupported=true -snap prints them.

options:
  --filter <regex>  only counters whose name matches the regular expression at its start
                    (case-sensitive, as jstat's -name; -i makes it case-insensitive)
  -i                case-insensitive --filter
  -v                add units, variability and Supported/Unsupported, like jstat -snap -v
  --json            the counters as a JSON array of {name, type, units, variability, supported, value}

Control characters in names and strings are shown escaped (\\n, \\x1b), backslashes as they are
(so the text equals jstat's for every printable string); --json keeps them exact.

exit status: 0; 1 when the process or file is not found, or --filter matches nothing; 2 for a
usage error; 3 when the region belongs to a process that is gone (a reused pid or a stale file).

examples:
  perfmem snap 4242                          every counter
  perfmem snap 4242 --filter 'node\\.gc\\.'     the GC counters
  perfmem snap /tmp/hsperfdata_me/4242 --json
`;

export async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { usage, booleans: ['--json', '-v', '-i'], values: ['--filter'], command: 'snap' });
  if (args.help) {
    await writeOnce(help);
    return 0;
  }
  if (args.positionals.length !== 1) throw new UsageError(`snap: expected one pid or file\n${usage}`);
  const filterText = args.values.get('--filter');
  let filter: RegExp | undefined;
  if (filterText !== undefined) {
    try {
      filter = new RegExp(filterText, args.flags.has('-i') ? 'i' : '');
    } catch (err) {
      throw new UsageError(`snap: bad --filter: ${escapeTerminal((err as Error).message)}`);
    }
  }
  const target = openTarget(args.positionals[0]!);
  try {
    const data = target.read();
    if (data === undefined) throw new UsageError(`process ${escapeTerminal(target.label)} not found`, 1);
    if (target.stale !== undefined) process.stderr.write(`perfmem: warning: ${escapeTerminal(target.stale)}\n`);
    if (filter !== undefined && selectCounters(data.counters, { filter }).length === 0) {
      throw new UsageError(`snap: no counter of ${escapeTerminal(target.label)} matches --filter '${escapeControls(filterText!)}' ` +
        '(a case-sensitive regular expression matched at the start of the name; -i ignores case)', 1);
    }
    if (args.flags.has('--json')) {
      await writeOnce(`${JSON.stringify(toJson(data.counters, filter), null, 2)}\n`);
    } else {
      await writeOnce(formatSnap(data.counters, { verbose: args.flags.has('-v'), filter, escape: escapeControls }));
    }
    return target.stale !== undefined ? STALE_EXIT : 0;
  } finally {
    target.close();
  }
}

/** Counters sorted by name as plain JSON objects; 64-bit values beyond 2^53 become strings. */
function toJson(counters: readonly CounterInfo[], filter: RegExp | undefined): unknown[] {
  return selectCounters(counters, { filter })
    .map((c) => ({ ...c, value: typeof c.value === 'bigint' ? c.value.toString() : c.value }));
}
