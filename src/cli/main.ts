/**
 * `perfmem <command> ...`: dispatches to one module per command. A user error prints one
 * line (`perfmem: ...`) and exits non-zero; only a bug in perfmem prints a stack trace.
 */
import { UsageError } from './errors.js';

type CommandModule = { run(argv: string[]): Promise<number> };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  ps: { summary: 'list Node and JVM processes with a perfdata region (like jps)', load: () => import('./ps.js') },
  snap: { summary: 'print every counter of a process or file (like jstat -snap)', load: () => import('./snap.js') },
  stat: { summary: 'print jstat-style columns at an interval', load: () => import('./stat.js') },
  watch: { summary: 'live terminal dashboard of all processes', load: () => import('./watch.js') },
  serve: { summary: 'Prometheus/OpenMetrics endpoint and JSON API for every process', load: () => import('./serve.js') },
  shm: { summary: 'list and manage POSIX shared memory objects (like posixshmcontrol)', load: () => import('./shm.js') },
  demo: { summary: 'start instrumented demo workers and watch them (what `npm start` runs)', load: () => import('./demo.js') },
};

export function usage(): string {
  const lines = ['usage: perfmem <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(6)} ${c.summary}`);
  lines.push('', 'Run `perfmem <command> --help` for the options of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    const { createRequire } = await import('node:module');
    const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
    process.stdout.write(pkg.version + '\n');
    return 0;
  }
  const command = commands[name];
  try {
    if (command === undefined) throw new UsageError(`unknown command '${name}' (try: ${Object.keys(commands).join(', ')})`);
    return await (await command.load()).run(rest);
  } catch (err) {
    return reportError(err);
  }
}

/** Prints a user-facing error as one line and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`perfmem: ${err.message}\n`);
    return err.exitCode;
  }
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && typeof e.message === 'string') {
    // OS errors (EACCES, ENOENT, ...) and perfmem's own coded errors are user-facing too.
    process.stderr.write(`perfmem: ${e.message}\n`);
    return 1;
  }
  throw err;
}
