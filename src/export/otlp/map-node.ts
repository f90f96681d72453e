/**
 * A Node process's runtime counters (written by perfmem/register) to the conventions' names:
 * process.*, v8js.* and nodejs.eventloop.*. Figures "over the interval" (delay percentiles,
 * utilization) come from the difference between this export and the previous one of the same
 * process, exact from the cumulative counters whatever the export interval.
 */
import type { LoopHistogram } from '../../runtime/loop-histogram.js';
import {
  BUCKET_COUNT, bucketLowerBound, bucketUpperBound, histogramDelta, histogramMean, histogramPercentile,
} from '../../runtime/loop-histogram.js';
import type { HistogramValue, MetricsBuilder } from './builder.js';
import { ATTRIBUTES as A, LOOP_DELAY_HISTOGRAM, METRICS as M } from './semconv.js';

export type Lookup = (name: string) => number | undefined;

/** What the previous export of this process saw: the base of the interval figures. */
export interface NodeState {
  histogram?: LoopHistogram;
  activeTicks?: number;
  idleTicks?: number;
}

const MAX_SPACES = 32;
const SPACE_USED = /^node\.heap\.space\.([A-Za-z0-9]{1,64})\.used$/;
const GC_TYPES = ['major', 'minor', 'incremental', 'weakcb'] as const;

/** The counter segment of a V8 space (`newLargeObject`) back to V8's name (`new_large_object_space`). */
export function v8SpaceName(segment: string): string {
  return `${segment.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_space`;
}

/** The region's space segments, bounded (a hostile region may declare thousands). */
export function heapSpaces(names: Iterable<string>): string[] {
  const out: string[] = [];
  for (const name of names) {
    const m = SPACE_USED.exec(name);
    if (m !== null) out.push(m[1]!);
    if (out.length >= MAX_SPACES) break;
  }
  return out;
}

/** Sub-buckets of the region's histogram merged per exported bucket: 4 per power of two (<= 25% wide). */
export const EXPORT_GROUP = 4;

// The bounds, computed once (they are the same for every process and every export).
const LOWER = Float64Array.from({ length: BUCKET_COUNT }, (_, i) => bucketLowerBound(i));
const UPPER = Float64Array.from({ length: BUCKET_COUNT }, (_, i) => bucketUpperBound(i));
const EXPORT_BOUNDS: readonly number[] = (() => {
  const bounds = [UPPER[0]! / 1e9];
  for (let i = 1; i < BUCKET_COUNT - 1; i += EXPORT_GROUP) bounds.push(UPPER[Math.min(i + EXPORT_GROUP - 1, BUCKET_COUNT - 2)]! / 1e9);
  return bounds;
})();

/**
 * The region's 322 buckets merged into 82 (bucket 0, 4 per octave from 2^16 to 2^36 ns, the
 * overflow): merging whole buckets keeps the counts exact, and 82 series per process is what
 * a Prometheus behind the collector can carry. Bounds in seconds.
 */
export function exportBuckets(h: LoopHistogram): { bucketCounts: number[]; explicitBounds: number[] } {
  const bucketCounts: number[] = [h.counts[0]!];
  for (let i = 1; i < BUCKET_COUNT - 1; i += EXPORT_GROUP) {
    let n = 0;
    for (let j = i; j < i + EXPORT_GROUP && j < BUCKET_COUNT - 1; j++) n += h.counts[j]!;
    bucketCounts.push(n);
  }
  bucketCounts.push(h.counts[BUCKET_COUNT - 1]!);
  return { bucketCounts, explicitBounds: EXPORT_BOUNDS as number[] };
}

/** The smallest delay recorded, to the lower bound of its bucket (within 6.25%), ns. */
function histogramMin(h: LoopHistogram): number {
  for (let i = 0; i < BUCKET_COUNT; i++) if (h.counts[i]! > 0) return LOWER[i]!;
  return 0;
}

/** Standard deviation from bucket midpoints around the exact mean, ns (approximate: bucket width). */
function histogramStddev(h: LoopHistogram): number {
  if (h.count <= 0) return 0;
  const mean = h.sumNs / h.count;
  let total = 0, n = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) {
    const c = h.counts[i]!;
    if (c === 0) continue;
    const lo = LOWER[i]!;
    const hi = i === BUCKET_COUNT - 1 ? Math.max(lo, h.maxNs) : Math.min(UPPER[i]!, h.maxNs || Infinity);
    const mid = (lo + Math.max(lo, hi)) / 2;
    total += c * (mid - mean) ** 2;
    n += c;
  }
  return n > 0 ? Math.sqrt(total / n) : 0;
}

export function mapNode(b: MetricsBuilder, get: Lookup, spaces: readonly string[], histogram: LoopHistogram | undefined, state: NodeState): NodeState {
  const freq = get('sun.os.hrt.frequency') ?? 1e9;
  const seconds = (name: string): number | undefined => { const v = get(name); return v === undefined ? undefined : v / freq; };

  b.sum(M.processCpuTime, true, [[{ [A.cpuMode]: 'user' }, seconds('node.cpu.user')], [{ [A.cpuMode]: 'system' }, seconds('node.cpu.system')]]);

  const space = (s: string) => ({ [A.v8HeapSpaceName]: v8SpaceName(s) });
  b.sum(M.v8HeapUsed, false, spaces.map((s) => [space(s), get(`node.heap.space.${s}.used`)] as const), true);
  b.sum(M.v8HeapSpaceSize, false, spaces.map((s) => [space(s), get(`node.heap.space.${s}.size`)] as const), true);
  b.sum(M.v8HeapLimit, false, spaces.map((s) => [space(s), get(`node.heap.space.${s}.size`)] as const), true);
  b.sum(M.v8HeapSpaceAvailable, false, spaces.map((s) => [space(s), get(`node.heap.space.${s}.available`)] as const), true);
  b.sum(M.v8HeapSpacePhysical, false, spaces.map((s) => [space(s), get(`node.heap.space.${s}.physical`)] as const), true);

  const gc: HistogramValue[] = [];
  for (const type of GC_TYPES) {
    const count = get(`node.gc.${type}.count`), time = seconds(`node.gc.${type}.time`);
    if (count !== undefined && time !== undefined) gc.push({ attributes: { [A.v8GcType]: type }, count, sum: time });
  }
  b.histogram(M.v8GcDuration, gc);

  // Event-loop time by state, and the utilization over the interval since the last export.
  const active = get('node.eventLoop.active'), idle = get('node.eventLoop.idle');
  b.sum(M.loopTime, true, [[{ [A.eventLoopState]: 'active' }, seconds('node.eventLoop.active')], [{ [A.eventLoopState]: 'idle' }, seconds('node.eventLoop.idle')]]);
  let utilization: number | undefined;
  if (active !== undefined && idle !== undefined && state.activeTicks !== undefined && state.idleTicks !== undefined) {
    const dA = active - state.activeTicks, dI = idle - state.idleTicks;
    if (dA >= 0 && dI >= 0 && dA + dI > 0) utilization = dA / (dA + dI);
  }
  if (utilization === undefined && active !== undefined && idle !== undefined && state.activeTicks === undefined && active + idle > 0) {
    // The first export of a process: the interval is its whole life so far.
    utilization = active / (active + idle);
  }
  b.gauge(M.loopUtilization, [[{}, utilization]]);

  // Delay: from the cumulative histogram when the region has it (the interval since the last
  // export), else the writer's own last window.
  const window = histogram === undefined ? undefined : state.histogram === undefined ? histogram : histogramDelta(histogram, state.histogram);
  if (window !== undefined && window.count > 0) {
    const s = (ns: number) => ns / 1e9;
    b.gauge(M.loopDelayMin, [[{}, s(histogramMin(window))]]);
    b.gauge(M.loopDelayMax, [[{}, s(window.maxNs)]]);
    b.gauge(M.loopDelayMean, [[{}, s(histogramMean(window))]]);
    b.gauge(M.loopDelayStddev, [[{}, s(histogramStddev(window))]]);
    b.gauge(M.loopDelayP50, [[{}, s(histogramPercentile(window, 50))]]);
    b.gauge(M.loopDelayP90, [[{}, s(histogramPercentile(window, 90))]]);
    b.gauge(M.loopDelayP99, [[{}, s(histogramPercentile(window, 99))]]);
  } else if (get('node.eventLoop.delay.count') !== undefined) {
    b.gauge(M.loopDelayMin, [[{}, seconds('node.eventLoop.delay.min')]]);
    b.gauge(M.loopDelayMax, [[{}, seconds('node.eventLoop.delay.max')]]);
    b.gauge(M.loopDelayMean, [[{}, seconds('node.eventLoop.delay.mean')]]);
    b.gauge(M.loopDelayStddev, [[{}, seconds('node.eventLoop.delay.stddev')]]);
    b.gauge(M.loopDelayP50, [[{}, seconds('node.eventLoop.delay.p50')]]);
    b.gauge(M.loopDelayP90, [[{}, seconds('node.eventLoop.delay.p90')]]);
    b.gauge(M.loopDelayP99, [[{}, seconds('node.eventLoop.delay.p99')]]);
  }
  if (histogram !== undefined) {
    // The count is the buckets' sum: the writer updates buckets and total one after the other,
    // and a reader between the two must still send count == sum(bucket_counts), as OTLP requires.
    const buckets = exportBuckets(histogram);
    const count = buckets.bucketCounts.reduce((a, n) => a + n, 0);
    b.histogram(LOOP_DELAY_HISTOGRAM, [{ attributes: {}, count, sum: histogram.sumNs / 1e9, max: histogram.maxNs / 1e9, ...buckets }]);
  }

  return { histogram, activeTicks: active, idleTicks: idle };
}
