/**
 * `perfmem register-path [--url] [--json]`: the absolute location of perfmem's register hook,
 * for NODE_OPTIONS="--import <it>". A bare `--import perfmem/register` resolves from each
 * process's own directory, so every Node process started where perfmem is not installed would
 * die with ERR_MODULE_NOT_FOUND; an absolute path works from anywhere.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from './errors.js';
import { escapeTerminal } from './escape.js';
import { parseFlags } from './flags.js';
import { writeOnce } from './output.js';

const usage = 'usage: perfmem register-path [--url] [--json]';

const help = `${usage}

Prints the absolute path of perfmem's register hook, to instrument every Node process started
with it, from any directory:

  export NODE_OPTIONS="--import $(perfmem register-path)"

A path with spaces or quotes is printed as a file:// URL (NODE_OPTIONS splits on spaces).
If the path is wrong (perfmem moved or was removed), every Node process started with that
NODE_OPTIONS exits at once with ERR_MODULE_NOT_FOUND: unset NODE_OPTIONS, then run this again.

options:
  --url   always print a file:// URL
  --json  {"path": ..., "url": ..., "nodeOptions": ...}

examples:
  perfmem register-path
  NODE_OPTIONS="--import $(perfmem register-path)" node app.js
`;

/** The register hook's URL, next to this file in the built package. */
export function registerUrl(): URL {
  // The package's hook (perfmem/register), which loads the bundled core: an app that imports
  // perfmem (the bundle, by the package's exports) then shares its modules, so both see one
  // region (the unbundled ES module hook would be a second copy).
  return new URL('../runtime/register-require.cjs', import.meta.url);
}

/** What to put after --import: the path, or the URL when the path would not survive NODE_OPTIONS's splitting. */
export function importSpecifier(forceUrl = false): string {
  const url = registerUrl();
  const path = fileURLToPath(url);
  return forceUrl || /[\s"'\\]/.test(path) ? url.href : path;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { usage, booleans: ['--url', '--json'], command: 'register-path' });
  if (args.help) {
    await writeOnce(help);
    return 0;
  }
  if (args.positionals.length > 0) throw new UsageError(`register-path: unexpected argument '${escapeTerminal(args.positionals[0]!)}'\n${usage}`);
  const url = registerUrl();
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new UsageError(`register-path: ${escapeTerminal(path)} is missing (build perfmem first: npm run build)`, 1);
  const specifier = importSpecifier(args.flags.has('--url'));
  if (args.flags.has('--json')) {
    await writeOnce(JSON.stringify({ path, url: url.href, nodeOptions: `--import ${specifier}` }) + '\n');
  } else {
    await writeOnce(specifier + '\n');
  }
  return 0;
}
