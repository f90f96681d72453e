/**
 * The short name of a process's command, as views show it. (Which app a process belongs to is
 * decided by perfmem/metrics' rule, in app-metrics.ts.)
 */

/** The short name of a command: a script's or jar's file name, a main class's simple name. */
export function scriptName(runtime: string, command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? '';
  if (first === '') return '';
  if (runtime === 'jvm' && !first.includes('/') && !first.endsWith('.jar')) return first.slice(first.lastIndexOf('.') + 1);
  return first.slice(first.lastIndexOf('/') + 1);
}
