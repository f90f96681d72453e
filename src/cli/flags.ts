/**
 * A small parser for the flag-style commands (ps, snap, watch): boolean flags, flags that
 * take a value (`--filter x` or `--filter=x`), and positional arguments. Anything else is a
 * usage error naming the command's usage line.
 */
import { UsageError } from './errors.js';
import { escapeTerminal } from './escape.js';

export interface FlagSpec {
  usage: string;
  booleans: readonly string[];
  values?: readonly string[];
  /** The command's name, prefixed to errors ("ps: unknown option ..."). */
  command?: string;
}

export interface ParsedFlags {
  flags: Set<string>;
  values: Map<string, string>;
  positionals: string[];
  help: boolean;
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const out: ParsedFlags = { flags: new Set(), values: new Map(), positionals: [], help: false };
  const who = spec.command === undefined ? '' : `${spec.command}: `;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      out.help = true;
      continue;
    }
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (spec.values?.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${who}option ${escapeTerminal(name)} needs a value\n${spec.usage}`);
      out.values.set(name, value);
    } else if (eq < 0 && spec.booleans.includes(arg)) {
      out.flags.add(arg);
    } else if (eq < 0 && /^-[a-zA-Z]{2,}$/.test(arg) && [...arg.slice(1)].every((c) => spec.booleans.includes(`-${c}`))) {
      // Bundled short flags, as jps takes them: -lmv.
      for (const c of arg.slice(1)) out.flags.add(`-${c}`);
    } else {
      throw new UsageError(`${who}unknown option '${escapeTerminal(arg)}'\n${spec.usage}`);
    }
  }
  return out;
}
