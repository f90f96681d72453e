/**
 * The text of `jstat -J-Djstat.showUnsupported=true -snap [-v]`: one `name=value` line per
 * counter, sorted by name (Java's String order: UTF-16 code units), strings in double quotes
 * without escaping, and with -v the units, variability and Supported/Unsupported words.
 */
import type { CounterInfo, Units, Variability } from '../perfdata/types.js';

export interface SnapFormatOptions {
  /** Append units, variability and support, like jstat -snap -v. */
  verbose?: boolean;
  /**
   * Keep only counters whose name matches at its start, as jvmstat's findByPattern does
   * (Matcher.lookingAt); a string is compiled as a regular expression.
   */
  filter?: RegExp | string;
  /** Include counters without the Supported flag (default true, as -Djstat.showUnsupported=true). */
  showUnsupported?: boolean;
  /** Applied to names and string values (the CLI makes them inert on a terminal); none by default, as jstat. */
  escape?: (s: string) => string;
}

const UNITS_WORD: Record<Units, string> = {
  none: 'None', bytes: 'Bytes', ticks: 'Ticks', events: 'Events', string: 'String', hertz: 'Hertz',
};
const VARIABILITY_WORD: Record<Variability, string> = {
  constant: 'Constant', monotonic: 'Monotonic', variable: 'Variable',
};

/** A regular expression that matches only at the start of a name (lookingAt semantics). */
function anchoredAtStart(filter: RegExp | string): RegExp {
  const source = typeof filter === 'string' ? filter : filter.source;
  const flags = typeof filter === 'string' ? '' : filter.flags.replace(/[gy]/g, '');
  return new RegExp(source, `${flags}y`);
}

/** Java's String.compareTo: code-unit order, which is what JavaScript's < does. */
function byName(a: CounterInfo, b: CounterInfo): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The counters jstat -snap would print, in its order: sorted by name, filtered as -name does. */
export function selectCounters(counters: readonly CounterInfo[], options: Pick<SnapFormatOptions, 'filter' | 'showUnsupported'> = {}): CounterInfo[] {
  const pattern = options.filter === undefined ? undefined : anchoredAtStart(options.filter);
  const showUnsupported = options.showUnsupported ?? true;
  return [...counters].sort(byName).filter((c) => {
    if (!c.supported && !showUnsupported) return false;
    if (pattern === undefined) return true;
    pattern.lastIndex = 0;
    return pattern.test(c.name);
  });
}

/** One line per counter, without line terminators. */
export function formatSnapLines(counters: readonly CounterInfo[], options: SnapFormatOptions = {}): string[] {
  const lines: string[] = [];
  const esc = options.escape ?? ((s: string) => s);
  for (const c of selectCounters(counters, options)) {
    let line = c.type === 'string' ? `${esc(c.name)}="${esc(String(c.value))}"` : `${esc(c.name)}=${c.value}`;
    if (options.verbose) {
      line += ` ${UNITS_WORD[c.units]} ${VARIABILITY_WORD[c.variability]} ${c.supported ? 'Supported' : 'Unsupported'}`;
    }
    lines.push(line);
  }
  return lines;
}

/** The whole output of jstat -snap: every line followed by a newline. */
export function formatSnap(counters: readonly CounterInfo[], options: SnapFormatOptions = {}): string {
  const lines = formatSnapLines(counters, options);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
