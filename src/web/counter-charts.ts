/**
 * Charts of the detail view that come from a process's raw counters rather than from the
 * monitor's history: heap by space, GC by kind, resources, worker threads (Node); heap
 * generations, collectors, threads, classes, safepoints and compilation (JVM). The page keeps
 * their history itself from the counters of each sample it fetched while the view is open.
 */
import type { SeriesSpec } from './charts.js';

type Counters = Record<string, number | string>;

export interface Point extends SeriesSpec {
  value: number | null;
}

interface Frame {
  cur: Counters;
  prev: Counters | null;
  dtSeconds: number;
  /** Ticks per second of the region's time counters (sun.os.hrt.frequency). */
  frequency: number;
}

export interface CounterChartSpec {
  id: string;
  title: string;
  runtime: 'node' | 'jvm';
  points(f: Frame): Point[];
}

function num(c: Counters | null, name: string): number | null {
  const v = c?.[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(c: Counters, name: string): string | null {
  const v = c[name];
  return typeof v === 'string' ? v : null;
}

/** Per-second rate of a monotonic counter between two samples (null on the first, or on a reset). */
function rate(f: Frame, name: string): number | null {
  const a = num(f.prev, name);
  const b = num(f.cur, name);
  if (a === null || b === null || f.dtSeconds <= 0 || b < a) return null;
  return (b - a) / f.dtSeconds;
}

/** Share of wall time spent in a ticks counter between two samples. */
function tickShare(f: Frame, name: string): number | null {
  const r = rate(f, name);
  return r === null ? null : r / f.frequency;
}

/** Names matching `re`, with their first capture group, sorted. */
function matching(c: Counters, re: RegExp): [string, string][] {
  const out: [string, string][] = [];
  for (const name of Object.keys(c)) {
    const m = re.exec(name);
    if (m) out.push([name, m[1]!]);
  }
  return out.sort((a, b) => a[1].localeCompare(b[1], 'en', { numeric: true }));
}

export const COUNTER_CHARTS: CounterChartSpec[] = [
  {
    id: 'node-heap-spaces',
    title: 'Heap by space',
    runtime: 'node',
    points: (f) => matching(f.cur, /^node\.heap\.space\.([^.]+)\.used$/).map(([name, space]) => ({ label: space, unit: 'bytes', value: num(f.cur, name) })),
  },
  {
    id: 'node-gc-kinds',
    title: 'GC by kind',
    runtime: 'node',
    points: (f) => [
      ...matching(f.cur, /^node\.gc\.([^.]+)\.count$/).filter(([, kind]) => kind !== 'last').map(([name, kind]): Point => ({ label: `${kind}/s`, unit: 'rate', value: rate(f, name) })),
      ...(num(f.cur, 'node.gc.time') !== null ? [{ label: 'time in GC', unit: 'percent' as const, right: true, value: tickShare(f, 'node.gc.time') }] : []),
    ],
  },
  {
    id: 'node-resources',
    title: 'Active resources by type',
    runtime: 'node',
    points: (f) => matching(f.cur, /^node\.resources\.([^.]+)$/).filter(([, t]) => t !== 'total').map(([name, type]) => ({ label: type, unit: 'count', value: num(f.cur, name) })),
  },
  {
    id: 'node-workers',
    title: 'Worker threads',
    runtime: 'node',
    points: (f) => {
      if (num(f.cur, 'node.workers.live') === null) return [];
      const out: Point[] = [{ label: 'live', unit: 'count', value: num(f.cur, 'node.workers.live') }];
      for (const [, id] of matching(f.cur, /^node\.worker\.(\d+)\.eventLoop\.active$/)) {
        if (num(f.cur, `node.worker.${id}.exited`) === 1) continue;
        const active = rate(f, `node.worker.${id}.eventLoop.active`);
        const idle = rate(f, `node.worker.${id}.eventLoop.idle`);
        const elu = active !== null && idle !== null && active + idle > 0 ? active / (active + idle) : null;
        out.push({ label: `thread ${id} ELU`, unit: 'percent', right: true, value: elu });
      }
      return out;
    },
  },
  {
    id: 'jvm-heap',
    title: 'Heap generations and metaspace',
    runtime: 'jvm',
    points: (f) => {
      const out: Point[] = matching(f.cur, /^(sun\.gc\.generation\.\d+\.space\.\d+)\.used$/).map(([name, base]) => ({
        label: str(f.cur, `${base}.name`) ?? base.replace('sun.gc.generation.', 'gen '),
        unit: 'bytes',
        value: num(f.cur, name),
      }));
      if (num(f.cur, 'sun.gc.metaspace.used') !== null) out.push({ label: 'metaspace', unit: 'bytes', value: num(f.cur, 'sun.gc.metaspace.used') });
      return out;
    },
  },
  {
    id: 'jvm-gc',
    title: 'GC by collector',
    runtime: 'jvm',
    points: (f) => matching(f.cur, /^sun\.gc\.collector\.(\d+)\.invocations$/).flatMap(([name, n]): Point[] => {
      const label = str(f.cur, `sun.gc.collector.${n}.name`) ?? `collector ${n}`;
      return [
        { label: `${label}/s`, unit: 'rate', value: rate(f, name) },
        { label: `${label} time`, unit: 'percent', right: true, value: tickShare(f, `sun.gc.collector.${n}.time`) },
      ];
    }),
  },
  {
    id: 'jvm-threads',
    title: 'Threads',
    runtime: 'jvm',
    points: (f) => [
      ['java.threads.live', 'live'],
      ['java.threads.daemon', 'daemon'],
      ['java.threads.livePeak', 'peak'],
    ].filter(([n]) => num(f.cur, n!) !== null).map(([n, label]) => ({ label: label!, unit: 'count', value: num(f.cur, n!) })),
  },
  {
    id: 'jvm-classes',
    title: 'Classes',
    runtime: 'jvm',
    points: (f) => [
      ['java.cls.loadedClasses', 'loaded'],
      ['java.cls.unloadedClasses', 'unloaded'],
      ['java.cls.sharedLoadedClasses', 'shared'],
    ].filter(([n]) => num(f.cur, n!) !== null).map(([n, label]) => ({ label: label!, unit: 'count', value: num(f.cur, n!) })),
  },
  {
    id: 'jvm-safepoints',
    title: 'Safepoints',
    runtime: 'jvm',
    points: (f) => num(f.cur, 'sun.rt.safepoints') === null ? [] : [
      { label: 'safepoints/s', unit: 'rate', value: rate(f, 'sun.rt.safepoints') },
      { label: 'time at safepoints', unit: 'percent', right: true, value: tickShare(f, 'sun.rt.safepointTime') },
    ],
  },
  {
    id: 'jvm-compilation',
    title: 'JIT compilation',
    runtime: 'jvm',
    points: (f) => num(f.cur, 'sun.ci.totalCompiles') === null && num(f.cur, 'java.ci.totalTime') === null ? [] : [
      { label: 'compiles/s', unit: 'rate', value: rate(f, 'sun.ci.totalCompiles') },
      { label: 'time compiling', unit: 'percent', right: true, value: tickShare(f, 'java.ci.totalTime') },
    ],
  },
];

/** Points per chart kept by the page: 10 minutes at 1 Hz, like the server's history. */
export const COUNTER_HISTORY = 600;

/** One chart's history: time axis and one column per series label, padded with nulls. */
export class CounterSeries {
  readonly xs: number[] = [];
  readonly columns = new Map<string, { spec: SeriesSpec; values: (number | null)[] }>();

  push(tSeconds: number, points: Point[]): void {
    if (this.xs.length > 0 && tSeconds <= this.xs[this.xs.length - 1]!) return;
    this.xs.push(tSeconds);
    const seen = new Set<string>();
    for (const p of points) {
      seen.add(p.label);
      let col = this.columns.get(p.label);
      if (!col) {
        col = { spec: { label: p.label, unit: p.unit, right: p.right }, values: new Array<number | null>(this.xs.length - 1).fill(null) };
        this.columns.set(p.label, col);
      }
      col.values.push(p.value);
    }
    for (const [label, col] of this.columns) if (!seen.has(label)) col.values.push(null);
    if (this.xs.length > COUNTER_HISTORY) {
      this.xs.shift();
      for (const col of this.columns.values()) col.values.shift();
    }
  }
}

/** Frequency of the time counters: sun.os.hrt.frequency, else nanoseconds. */
export function tickFrequency(c: Counters): number {
  const f = num(c, 'sun.os.hrt.frequency');
  return f !== null && f > 0 ? f : 1e9;
}
