/**
 * Which app a process belongs to. The one grouping rule of the monitor (replaced by
 * perfmem/metrics' `appOf` once that lands, so both read a region the same way): a Node
 * process whose parent is a tracked Node process running the same script is one of that
 * parent's cluster workers and joins its app; otherwise a process is its own app, named after
 * its script (Node) or main class or jar (JVM).
 */

/** The short name of a command: a script's or jar's file name, a main class's simple name. */
export function scriptName(runtime: string, command: string): string {
  const first = command.trim().split(/\s+/)[0] ?? '';
  if (first === '') return '';
  if (runtime === 'jvm' && !first.includes('/') && !first.endsWith('.jar')) return first.slice(first.lastIndexOf('.') + 1);
  return first.slice(first.lastIndexOf('/') + 1);
}

export interface AppCandidate {
  pid: number;
  ppid?: number;
  runtime: string;
  command: string;
}

/** The app of every candidate, by pid (a parent's app is decided before its children's). */
export function groupApps(candidates: readonly AppCandidate[]): Map<number, string> {
  const byPid = new Map(candidates.map((c) => [c.pid, c]));
  const apps = new Map<number, string>();
  const appOf = (c: AppCandidate, depth: number): string => {
    const known = apps.get(c.pid);
    if (known !== undefined) return known;
    const own = scriptName(c.runtime, c.command) || String(c.pid);
    const parent = c.ppid === undefined ? undefined : byPid.get(c.ppid);
    const app = parent !== undefined && depth < 8 && c.runtime === 'node' && parent.runtime === 'node'
      && scriptName(parent.runtime, parent.command) === scriptName(c.runtime, c.command) ? appOf(parent, depth + 1) : own;
    apps.set(c.pid, app);
    return app;
  };
  for (const c of candidates) appOf(c, 0);
  return apps;
}
