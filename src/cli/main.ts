/**
 * `perfmem <command> ...`: dispatches to one module per command. A user error prints one
 * line (`perfmem: ...`) and exits non-zero; only a bug in perfmem prints a stack trace.
 */
import { UsageError } from './errors.js';
import { escapeTerminal } from './escape.js';
import { escapeControls } from './escape-controls.js';

type CommandModule = { run(argv: string[]): Promise<number> };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  ps: { summary: 'list Node and JVM processes with a perfdata region (like jps)', load: () => import('./ps.js') },
  snap: { summary: 'print every counter of a process or file (like jstat -snap)', load: () => import('./snap.js') },
  stat: { summary: 'print jstat-style columns at an interval', load: () => import('./stat.js') },
  stack: { summary: "print a process's main-thread JavaScript stack, even while blocked", load: () => import('./stack.js') },
  watch: { summary: 'live terminal dashboard of all processes', load: () => import('./watch.js') },
  serve: { summary: 'Prometheus/OpenMetrics endpoint and JSON API for every process', load: () => import('./serve.js') },
  otlp: { summary: 'push every process\'s metrics to an OpenTelemetry collector (OTLP/HTTP)', load: () => import('./otlp.js') },
  shm: { summary: 'list and manage POSIX shared memory objects (like posixshmcontrol)', load: () => import('./shm.js') },
  demo: { summary: 'start instrumented demo workers and watch them (what `npm start` runs)', load: () => import('./demo.js') },
  'register-path': { summary: 'print the absolute path to use in NODE_OPTIONS="--import <path>"', load: () => import('./register-path.js') },
};

export function usage(): string {
  const lines = ['usage: perfmem <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(14)} ${c.summary}`);
  lines.push('', 'Run `perfmem <command> --help` (or `perfmem help <command>`) for the options of one command,',
    '`perfmem version` for the version. The reference is docs/tools.md.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  let [name, ...rest] = argv;
  if (name === 'help' && rest.length > 0) {
    // `perfmem help stat` is `perfmem stat --help`.
    [name, rest] = [rest[0]!, ['--help']];
  }
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    // Without a command, the usage goes to stderr with status 2 (a mistake); asked for, to stdout.
    (name === undefined ? process.stderr : process.stdout).write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
    process.stdout.write(pkg.version + '\n');
    return 0;
  }
  const command = commands[name];
  try {
    if (command === undefined) throw new UsageError(`unknown command '${escapeTerminal(name)}' (try: ${Object.keys(commands).join(', ')})`);
    return await (await command.load()).run(rest);
  } catch (err) {
    return reportError(err);
  }
}

/** Prints a user-facing error as one line and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    // Untrusted parts were escaped where the message was made; each line is escaped again so
    // that no message can reach the terminal with a control character (the newline before a
    // usage line is perfmem's own).
    process.stderr.write(`perfmem: ${err.message.split('\n').map(escapeControls).join('\n')}\n`);
    return err.exitCode;
  }
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && typeof e.message === 'string') {
    // OS errors (EACCES, ENOENT, ...) and perfmem's own coded errors are user-facing too; their
    // messages carry paths and names from outside: escaped whole.
    process.stderr.write(`perfmem: ${escapeTerminal(e.message)}\n`);
    return 1;
  }
  throw err;
}
