/**
 * The dashboard's model: one row per process with its latest metrics and their recent
 * history. Pure: readings go in (counters, /proc figures, the reader's clock), rows come out,
 * so the renderer and the tests need no live process.
 */
import type { CounterInfo } from '../perfdata/types.js';
import { loopStatus } from '../runtime/loop-status.js';
import type { Sample } from './columns.js';
import type { ProcStat } from '../perfmemory/index.js';
import { num } from './sample.js';
import type { ProcessKind } from '../perfmemory/index.js';

export const METRICS = ['cpu', 'rss', 'heap', 'gc', 'p99', 'elu'] as const;
export type MetricKey = (typeof METRICS)[number];

/** How many readings of history a row keeps for its sparklines. */
export const HISTORY = 60;

export interface Reading {
  /** The counters, undefined when the region could not be read (the process is gone). */
  counters: CounterInfo[] | undefined;
  sample: Sample | undefined;
  proc: ProcStat | undefined;
  /** Seconds since boot at the reading (/proc/uptime), to rate the first reading since process start. */
  uptimeSeconds?: number;
  /** Reader's wall clock (ms) and CLOCK_MONOTONIC (ns) at the reading. */
  atMs: number;
  monoNs: bigint;
  alive: boolean;
}

export interface Row {
  pid: number;
  kind: ProcessKind;
  name: string;
  status: 'running' | 'blocked' | 'dead';
  blockedForMs: number;
  /** Latest value of each metric (NaN: not known for this process). */
  values: Record<MetricKey, number>;
  /** Heap capacity beside the heap in use, bytes. */
  heapTotal: number;
  history: Record<MetricKey, number[]>;
  counters: CounterInfo[];
  last: Reading | undefined;
}

export function newRow(pid: number, kind: ProcessKind, name: string): Row {
  const empty = () => Object.fromEntries(METRICS.map((m) => [m, [] as number[]])) as unknown as Record<MetricKey, number[]>;
  return {
    pid, kind, name, status: 'running', blockedForMs: 0,
    values: Object.fromEntries(METRICS.map((m) => [m, NaN])) as unknown as Record<MetricKey, number>,
    heapTotal: NaN, history: empty(), counters: [], last: undefined,
  };
}

const FREQ = 'sun.os.hrt.frequency';

function sumMatching(sample: Sample, pattern: RegExp): number {
  let total = NaN;
  for (const [name, v] of sample) {
    if (!pattern.test(name)) continue;
    const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN;
    if (Number.isFinite(n)) total = (Number.isNaN(total) ? 0 : total) + n;
  }
  return total;
}

/** Collections so far: Node's own count, or the JVM collectors' invocations. */
function collections(sample: Sample, kind: ProcessKind): number {
  if (kind === 'node') return num(sample, 'node.gc.count') ?? NaN;
  return sumMatching(sample, /^sun\.gc\.collector\.\d+\.invocations$/);
}

function heap(sample: Sample, kind: ProcessKind): { used: number; total: number } {
  if (kind === 'node') {
    return { used: num(sample, 'node.memory.heapUsed') ?? NaN, total: num(sample, 'node.memory.heapTotal') ?? NaN };
  }
  return {
    used: sumMatching(sample, /^sun\.gc\.generation\.\d+\.space\.\d+\.used$/),
    total: sumMatching(sample, /^sun\.gc\.generation\.\d+\.space\.\d+\.capacity$/),
  };
}

/** Folds one reading into a row: metrics over the interval since the row's last reading. */
export function update(row: Row, r: Reading): Row {
  const prev = row.last;
  const dt = prev === undefined ? NaN : (r.atMs - prev.atMs) / 1000;
  const values = { ...row.values };
  let status: Row['status'] = r.alive ? 'running' : 'dead';
  let blockedForMs = 0;
  let heapTotal = row.heapTotal;
  if (r.alive) {
    const s = r.sample;
    const freq = (s && num(s, FREQ)) || 1e9;
    // CPU and RSS from /proc when readable: true even while a blocked loop stops the counters.
    if (r.proc !== undefined && prev?.proc !== undefined && dt > 0) {
      values.cpu = ((r.proc.cpuSeconds - prev.proc.cpuSeconds) / dt) * 100;
    } else if (r.proc !== undefined && prev === undefined && r.uptimeSeconds !== undefined && r.uptimeSeconds > r.proc.startSeconds) {
      // The first reading: the average since the process started, rather than nothing.
      values.cpu = (r.proc.cpuSeconds / (r.uptimeSeconds - r.proc.startSeconds)) * 100;
    } else if (s !== undefined && prev?.sample !== undefined && dt > 0) {
      const ticks = (x: Sample) => (num(x, 'node.cpu.user') ?? NaN) + (num(x, 'node.cpu.system') ?? NaN);
      values.cpu = ((ticks(s) - ticks(prev.sample)) / freq / dt) * 100;
    }
    values.rss = r.proc?.rssBytes ?? (s && num(s, 'node.memory.rss')) ?? NaN;
    if (s !== undefined) {
      const h = heap(s, row.kind);
      values.heap = h.used;
      heapTotal = h.total;
      if (prev?.sample !== undefined && dt > 0) values.gc = Math.max(0, (collections(s, row.kind) - collections(prev.sample, row.kind)) / dt);
      const p99 = num(s, 'node.eventLoop.delay.p99');
      values.p99 = p99 === undefined ? NaN : (p99 / freq) * 1000;
      const elu = num(s, 'node.eventLoop.utilization');
      values.elu = elu === undefined ? NaN : elu / 10000;
      if (row.kind === 'node') {
        const loop = loopStatus(s, r.monoNs);
        if (loop.state === 'blocked') {
          status = 'blocked';
          blockedForMs = loop.blockedForMs;
        }
      }
    }
  }
  const history = { ...row.history };
  for (const m of METRICS) {
    const v = r.alive ? values[m] : NaN;
    history[m] = [...history[m], v].slice(-HISTORY);
  }
  return {
    ...row, status, blockedForMs, values: r.alive ? values : row.values, heapTotal, history,
    counters: r.counters ?? row.counters, last: r.alive ? r : prev,
  };
}

export type SortKey = 'pid' | MetricKey;

/** Rows in display order: by a metric, highest first (unknown values last), or by pid. */
export function sortRows(rows: readonly Row[], key: SortKey, descending: boolean): Row[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    if (key === 'pid') return sign * (a.pid - b.pid);
    const x = a.values[key];
    const y = b.values[key];
    if (Number.isNaN(x) && Number.isNaN(y)) return a.pid - b.pid;
    if (Number.isNaN(x)) return 1;
    if (Number.isNaN(y)) return -1;
    return sign * (x - y) || a.pid - b.pid;
  });
}
