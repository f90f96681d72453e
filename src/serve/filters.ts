/**
 * The `?pid=`, `?runtime=` and `?app=` filters shared by /metrics and /api/processes. Each may
 * repeat or hold a comma-separated list; a process must match every filter given.
 */
import type { AppSample, ProcessSample } from '../monitor/types.js';

export interface ProcessFilter {
  pids?: Set<number>;
  runtimes?: Set<string>;
  apps?: Set<string>;
}

export class FilterError extends Error {}

function values(params: URLSearchParams, name: string): string[] | undefined {
  const all = params.getAll(name);
  if (all.length === 0) return undefined;
  return all.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export function parseFilter(params: URLSearchParams): ProcessFilter {
  const f: ProcessFilter = {};
  const pids = values(params, 'pid');
  if (pids !== undefined) {
    f.pids = new Set(pids.map((p) => {
      if (!/^[1-9]\d{0,9}$/.test(p)) throw new FilterError(`pid must be a process id, got '${p.slice(0, 32)}'`);
      return Number(p);
    }));
  }
  const runtimes = values(params, 'runtime');
  if (runtimes !== undefined) {
    for (const r of runtimes) if (r !== 'node' && r !== 'jvm' && r !== 'other') throw new FilterError(`runtime must be node, jvm or other, got '${r.slice(0, 32)}'`);
    f.runtimes = new Set(runtimes);
  }
  const apps = values(params, 'app');
  if (apps !== undefined) f.apps = new Set(apps);
  return f;
}

export function matches(f: ProcessFilter, p: ProcessSample): boolean {
  return (f.pids === undefined || f.pids.has(p.pid)) && (f.runtimes === undefined || f.runtimes.has(p.runtime))
    && (f.apps === undefined || f.apps.has(p.app));
}

/** An app's aggregated metrics match when its app does, one of its pids does (?pid=) and `node` is allowed (?runtime=). */
export function matchesApp(f: ProcessFilter, a: AppSample): boolean {
  return (f.apps === undefined || f.apps.has(a.app)) && (f.pids === undefined || a.pids.some((p) => f.pids!.has(p)))
    && (f.runtimes === undefined || f.runtimes.has('node'));
}
