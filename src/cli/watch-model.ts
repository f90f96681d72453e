/**
 * The dashboard's model: one row per process from the monitor's samples, with recent history
 * for the sparklines. Every figure is the monitor's (rates from deltas of monotonic data over
 * the interval between two samples; `-` when the process published nothing new; a blocked
 * loop's block folded into the delay so it grows on screen). Pure: samples in, rows out.
 */
import { scriptName } from '../monitor/apps.js';
import type { ProcessSample, Runtime } from '../monitor/types.js';
import { escapeTerminal } from './escape.js';

export const METRICS = ['cpu', 'rss', 'heap', 'gc', 'p99', 'elu'] as const;
export type MetricKey = (typeof METRICS)[number];
export type SortKey = MetricKey | 'pid';

/** How many samples of history a row keeps for its sparklines. */
export const HISTORY = 60;

export interface Row {
  pid: number;
  kind: Runtime;
  /** Shown name, escaped for the terminal; told apart from same-named rows by labelRows(). */
  name: string;
  /** 'stale': the region outlived its process, or the pid now belongs to another process; 'dead': gone. */
  status: 'running' | 'blocked' | 'stale' | 'dead';
  blockedForMs: number;
  /** Where a blocked loop is stuck ("fn (file:line)"), escaped. */
  blockedIn: string | undefined;
  /** Latest value of each metric (NaN: not known, or nothing new this interval). */
  values: Record<MetricKey, number>;
  heapTotal: number;
  history: Record<MetricKey, number[]>;
  /** The latest sample (counters and stack for the detail view). */
  sample: ProcessSample;
}

const orNaN = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);

function valuesOf(s: ProcessSample): Record<MetricKey, number> {
  return {
    cpu: orNaN(s.rates.cpu) * 100,
    rss: orNaN(s.gauges.rssBytes),
    heap: orNaN(s.gauges.heapUsedBytes),
    gc: orNaN(s.rates.gcPerSecond),
    p99: orNaN(s.rates.loopDelayP99Ms),
    elu: orNaN(s.rates.elu) * 100,
  };
}

const STATUS: Record<ProcessSample['state'], Row['status']> = { running: 'running', blocked: 'blocked', stale: 'stale', gone: 'dead' };

/** The row for a new sample of a process, continuing `prev`'s history. */
export function rowFromSample(prev: Row | undefined, s: ProcessSample): Row {
  const live = s.state === 'running' || s.state === 'blocked';
  const values = live ? valuesOf(s) : prev?.values ?? valuesOf(s);
  const empty = () => Object.fromEntries(METRICS.map((m) => [m, [] as number[]])) as unknown as Record<MetricKey, number[]>;
  const history = prev?.history ?? empty();
  const next = {} as Record<MetricKey, number[]>;
  for (const m of METRICS) next[m] = [...history[m], live ? values[m] : NaN].slice(-HISTORY);
  return {
    pid: s.pid, kind: s.runtime, name: escapeTerminal(scriptName(s.runtime, s.command) || String(s.pid)),
    status: STATUS[s.state], blockedForMs: s.blockedMs, blockedIn: s.blockedIn === undefined ? undefined : escapeTerminal(s.blockedIn),
    values, heapTotal: live ? orNaN(s.gauges.heapTotalBytes) : prev?.heapTotal ?? NaN, history: next, sample: s,
  };
}

/**
 * Tells same-named rows apart: by worker id when the region says it, else by the first
 * argument in which their commands differ (identical commands stay alike: the PID column
 * tells them apart).
 */
export function labelRows(rows: Row[]): Row[] {
  const byName = new Map<string, Row[]>();
  for (const r of rows) {
    const list = byName.get(r.name);
    if (list === undefined) byName.set(r.name, [r]);
    else list.push(r);
  }
  for (const [name, same] of byName) {
    if (same.length < 2) continue;
    const args = same.map((r) => r.sample.command.trim().split(/\s+/).slice(1));
    const longest = Math.max(...args.map((a) => a.length));
    let at = -1;
    for (let i = 0; i < longest && at < 0; i++) if (new Set(args.map((a) => a[i] ?? '')).size > 1) at = i;
    same.forEach((r, k) => {
      const tag = r.sample.worker !== undefined ? `#${r.sample.worker}` : at >= 0 ? ` ${args[k]![at] ?? ''}` : '';
      r.name = name + escapeTerminal(tag);
    });
  }
  return rows;
}

export function sortRows(rows: readonly Row[], key: SortKey, descending: boolean): Row[] {
  const value = (r: Row): number => (key === 'pid' ? r.pid : r.values[key]);
  return [...rows].sort((a, b) => {
    const va = value(a), vb = value(b);
    // Unknown values last in either direction; ties by pid.
    if (Number.isNaN(va) !== Number.isNaN(vb)) return Number.isNaN(va) ? 1 : -1;
    const d = Number.isNaN(va) ? 0 : descending ? vb - va : va - vb;
    return d !== 0 ? d : a.pid - b.pid;
  });
}
