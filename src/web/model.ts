/**
 * The process table's model: sort keys, grouping by app (cluster primary first, then its
 * workers), state wording and the short per-process history the sparklines draw. Pure: no DOM.
 */
import type { ProcessSummary } from './api.js';
import { formatDuration } from './format.js';

export type SortKey =
  | 'pid' | 'runtime' | 'app' | 'command' | 'state' | 'uptime' | 'cpu' | 'rss' | 'heap' | 'gc' | 'loop' | 'elu';

export interface SortOrder {
  key: SortKey;
  descending: boolean;
}

const STATE_RANK: Record<string, number> = { blocked: 0, running: 1, stale: 2, gone: 3 };

/** The value a column sorts by; null sorts last whatever the direction. */
export function sortValue(p: ProcessSummary, key: SortKey): number | string | null {
  switch (key) {
    case 'pid': return p.pid;
    case 'runtime': return p.runtime;
    case 'app': return p.app;
    case 'command': return p.command;
    case 'state': return (STATE_RANK[p.state] ?? 9) * 1e12 - p.blockedMs;
    case 'uptime': return p.gauges.uptimeSeconds;
    case 'cpu': return p.rates.cpu;
    case 'rss': return p.gauges.rssBytes;
    case 'heap': return p.gauges.heapUsedBytes;
    case 'gc': return p.rates.gcPerSecond;
    case 'loop': return p.rates.loopDelayP99Ms;
    case 'elu': return p.rates.elu;
  }
}

function compareValues(a: number | string | null, b: number | string | null, descending: boolean): number {
  if (a === null && b === null) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const c = typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
  return descending ? -c : c;
}

export function compareProcesses(a: ProcessSummary, b: ProcessSummary, order: SortOrder): number {
  return compareValues(sortValue(a, order.key), sortValue(b, order.key), order.descending) || a.pid - b.pid;
}

export interface AppGroup {
  app: string;
  /** In the sort order, each cluster worker right after its primary. */
  processes: ProcessSummary[];
  cpu: number | null;
  rssBytes: number | null;
}

function sum(values: (number | null)[]): number | null {
  let total: number | null = null;
  for (const v of values) if (v !== null) total = (total ?? 0) + v;
  return total;
}

/** Each process in the sort order, its children (cluster workers) right after it, in the sort order too. */
function treeOrder(list: ProcessSummary[], order: SortOrder): ProcessSummary[] {
  const sorted = [...list].sort((a, b) => compareProcesses(a, b, order));
  const pids = new Set(sorted.map((p) => p.pid));
  const out: ProcessSummary[] = [];
  const placed = new Set<number>();
  const place = (p: ProcessSummary, depth: number) => {
    if (placed.has(p.pid)) return;
    placed.add(p.pid);
    out.push(p);
    if (depth < 8) for (const c of sorted) if (c.ppid === p.pid) place(c, depth + 1);
  };
  for (const p of sorted) if (p.ppid === undefined || !pids.has(p.ppid)) place(p, 0);
  // A parent loop (pid reuse) leaves processes unplaced: append them.
  for (const p of sorted) place(p, 8);
  return out;
}

/**
 * Groups processes by app. Groups are ordered by their best member in the sort order (so the
 * group holding the busiest process comes first when sorting by CPU), ties by app name.
 */
export function groupByApp(processes: readonly ProcessSummary[], order: SortOrder): AppGroup[] {
  const byApp = new Map<string, ProcessSummary[]>();
  for (const p of processes) {
    const list = byApp.get(p.app);
    if (list) list.push(p);
    else byApp.set(p.app, [p]);
  }
  const groups: AppGroup[] = [];
  for (const [app, list] of byApp) {
    groups.push({
      app,
      processes: treeOrder(list, order),
      cpu: sum(list.map((p) => p.rates.cpu)),
      rssBytes: sum(list.map((p) => p.gauges.rssBytes)),
    });
  }
  // Each group's best member in the sort order (its list is sorted, bar the primary moved first).
  const best = new Map(groups.map((g) => [g, g.processes.reduce((x, y) => (compareProcesses(y, x, order) < 0 ? y : x))]));
  groups.sort((g, h) => compareProcesses(best.get(g)!, best.get(h)!, order) || g.app.localeCompare(h.app));
  return groups;
}

/** Whether a process is a worker of another process in the same list (indented under it). */
export function isWorkerOf(p: ProcessSummary, group: AppGroup): boolean {
  return p.ppid !== undefined && group.processes.some((q) => q.pid === p.ppid);
}

/** "spin (/srv/app/lib/server.js:42)" -> "spin (server.js:42)": the frame as a table cell has room for it. */
export function shortFrame(frame: string): string {
  const m = /^(.*?) \((.*)\)$/s.exec(frame);
  if (!m) return frame;
  const loc = m[2]!;
  const cut = Math.max(loc.lastIndexOf('/'), loc.lastIndexOf('\\'));
  return cut < 0 ? frame : `${m[1]} (${loc.slice(cut + 1)})`;
}

/**
 * The state: "running", "blocked for 3.2 s in spin (/srv/app.js:12)", "stale", "gone"; `short`
 * keeps only the file name of the frame (for the table; the full text goes in its title).
 */
export function describeState(p: ProcessSummary, short = false): string {
  if (p.state !== 'blocked') return p.state;
  const seconds = p.blockedMs / 1000;
  const forText = seconds >= 10 ? formatDuration(seconds) : `${seconds.toFixed(1)} s`;
  if (!p.blockedIn) return `blocked for ${forText}`;
  return `blocked for ${forText} in ${short ? shortFrame(p.blockedIn) : p.blockedIn}`;
}

/** A fixed-size ring of recent values (the sparklines' data), oldest first when read. */
export class Ring {
  private readonly values: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  /** null is stored as NaN: a gap in the line. */
  push(v: number | null): void {
    const i = (this.start + this.count) % this.capacity;
    this.values[i] = v === null ? NaN : v;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  get length(): number {
    return this.count;
  }

  at(i: number): number {
    return this.values[(this.start + i) % this.capacity]!;
  }

  /** Largest finite value, or 0. */
  max(): number {
    let m = 0;
    for (let i = 0; i < this.count; i++) {
      const v = this.at(i);
      if (v > m) m = v;
    }
    return m;
  }
}

/** Sparkline series kept per process: enough for a minute at 1 Hz. */
export const SPARK_POINTS = 60;

export interface Sparks {
  lastSeq: number;
  cpu: Ring;
  rss: Ring;
  heap: Ring;
  loop: Ring;
}

export function newSparks(): Sparks {
  return { lastSeq: -1, cpu: new Ring(SPARK_POINTS), rss: new Ring(SPARK_POINTS), heap: new Ring(SPARK_POINTS), loop: new Ring(SPARK_POINTS) };
}

/** Adds one sample's figures to a process's sparklines (once per sample sequence number). */
export function pushSparks(s: Sparks, p: ProcessSummary, seq: number): void {
  if (s.lastSeq === seq) return;
  s.lastSeq = seq;
  s.cpu.push(p.rates.cpu);
  s.rss.push(p.gauges.rssBytes);
  s.heap.push(p.gauges.heapUsedBytes);
  s.loop.push(p.rates.loopDelayP99Ms);
}
