/**
 * Plain-language verdicts: where a process's figures cross a known threshold, say so and say
 * what it means. Thresholds for the event loop are clinic doctor's (median delay >= 10 ms, or
 * a single delay >= 100 ms, means the loop is being blocked). Pure: no DOM.
 */
import type { HistoryPoint, ProcessSummary } from './api.js';
import { formatBytes, formatDuration, formatMs, formatPercent } from './format.js';

export type VerdictLevel = 'bad' | 'warn' | 'info';

export interface Verdict {
  id: string;
  level: VerdictLevel;
  title: string;
  detail: string;
}

export const LOOP_MEDIAN_THRESHOLD_MS = 10;
export const LOOP_MAX_THRESHOLD_MS = 100;
export const GC_RATIO_THRESHOLD = 0.1;
export const HEAP_LIMIT_SHARE = 0.9;
/** Heap growth is judged over windows of this length... */
export const HEAP_WINDOW_MS = 60_000;
/** ...and reported once the post-GC floor has risen in this many consecutive windows. */
export const HEAP_GROWING_WINDOWS = 3;
/** The event-loop and GC verdicts look at the last minute. */
export const RECENT_MS = 60_000;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function finite(values: (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null && Number.isFinite(v));
}

/**
 * How long the heap's floor (its lowest use in each window: the level after collections) has
 * risen window after window up to now, or null when it has not risen for HEAP_GROWING_WINDOWS.
 */
export function heapGrowth(history: readonly HistoryPoint[]): { minutes: number; fromBytes: number; toBytes: number } | null {
  const points = history.filter((h) => h.gauges.heapUsedBytes !== null);
  if (points.length < 2) return null;
  const end = points[points.length - 1]!.atMs;
  const floors: number[] = [];
  // Windows counted back from the newest sample, oldest first in `floors`.
  for (let w = 0; ; w++) {
    const hi = end - w * HEAP_WINDOW_MS;
    const lo = hi - HEAP_WINDOW_MS;
    if (lo < points[0]!.atMs - 1) break;
    let floor = Infinity;
    for (const p of points) if (p.atMs > lo && p.atMs <= hi) floor = Math.min(floor, p.gauges.heapUsedBytes!);
    if (floor === Infinity) break;
    floors.unshift(floor);
  }
  let rising = 0;
  for (let i = floors.length - 1; i > 0 && floors[i]! > floors[i - 1]!; i--) rising++;
  if (rising < HEAP_GROWING_WINDOWS) return null;
  const from = floors[floors.length - 1 - rising]!;
  const to = floors[floors.length - 1]!;
  // Noise-level growth (a few percent) is not a trend worth a verdict.
  if (to < from * 1.05) return null;
  return { minutes: rising * (HEAP_WINDOW_MS / 60_000), fromBytes: from, toBytes: to };
}

/** The verdicts for one process: its summary now plus its kept history (oldest first). */
export function verdicts(p: ProcessSummary, history: readonly HistoryPoint[]): Verdict[] {
  const out: Verdict[] = [];
  if (p.state === 'blocked') {
    out.push({
      id: 'blocked',
      level: 'bad',
      title: `Event loop blocked for ${formatMs(p.blockedMs)}${p.blockedIn ? ` in ${p.blockedIn}` : ''}`,
      detail: 'Synchronous code is running on the main thread right now: no request, timer or I/O callback of this process runs until it returns.',
    });
  } else if (p.state === 'stale') {
    out.push({ id: 'stale', level: 'warn', title: 'Stale region', detail: 'This region outlived its process (or its pid now belongs to another program): the figures are the last ones it published.' });
  } else if (p.state === 'gone') {
    out.push({ id: 'gone', level: 'info', title: 'Process exited', detail: 'Its region disappeared; the charts keep its last history.' });
  }

  const recent = history.filter((h) => h.atMs > (history[history.length - 1]?.atMs ?? 0) - RECENT_MS);
  const p50 = median(finite(recent.map((h) => h.rates.loopDelayP50Ms)));
  const maxes = finite(recent.map((h) => h.rates.loopDelayMaxMs));
  const max = maxes.length ? Math.max(...maxes) : null;
  if (p50 !== null && p50 >= LOOP_MEDIAN_THRESHOLD_MS) {
    out.push({
      id: 'loop-median',
      level: 'bad',
      title: `Event-loop delay is high: median ${formatMs(p50)} over the last minute`,
      detail: `Callbacks wait ${formatMs(p50)} on average before they run (healthy is under ${LOOP_MEDIAN_THRESHOLD_MS} ms). Long synchronous work on the main thread (JSON of big payloads, crypto, regular expressions, sync fs) delays every request.`,
    });
  }
  if (max !== null && max >= LOOP_MAX_THRESHOLD_MS && p.state !== 'blocked') {
    out.push({
      id: 'loop-max',
      level: 'warn',
      title: `The event loop stalled for ${formatMs(max)} in the last minute`,
      detail: `A single callback held the main thread for at least ${LOOP_MAX_THRESHOLD_MS} ms: every request in flight waited that long.`,
    });
  }

  const growth = heapGrowth(history);
  if (growth) {
    out.push({
      id: 'heap-growing',
      level: 'warn',
      title: `Heap growing for ${formatDuration(growth.minutes * 60)}`,
      detail: `The heap's floor after collections rose from ${formatBytes(growth.fromBytes)} to ${formatBytes(growth.toBytes)}: memory is being retained. If it keeps rising, take a heap snapshot and look for a growing cache or listener list.`,
    });
  }

  const limit = p.gauges.heapLimitBytes;
  const used = p.gauges.heapUsedBytes;
  if (limit && used !== null && used / limit >= HEAP_LIMIT_SHARE) {
    out.push({
      id: 'heap-limit',
      level: 'bad',
      title: `Heap at ${formatPercent(used / limit)} of its limit`,
      detail: `It uses ${formatBytes(used)} of ${formatBytes(limit)}: the collector works harder and harder, and past the limit the process dies with "heap out of memory".`,
    });
  }

  const gcRatio = median(finite(recent.map((h) => h.rates.gcTimeRatio)));
  if (gcRatio !== null && gcRatio >= GC_RATIO_THRESHOLD) {
    out.push({
      id: 'gc-time',
      level: 'warn',
      title: `${formatPercent(gcRatio)} of the time in garbage collection`,
      detail: 'Collections pause the program this often: it allocates fast or its heap is nearly full.',
    });
  }

  if (p.runtime === 'node') {
    const elu = median(finite(recent.map((h) => h.rates.elu)));
    if (elu !== null && elu >= 0.9 && p.state !== 'blocked') {
      out.push({
        id: 'elu',
        level: 'warn',
        title: `Event loop ${formatPercent(elu)} busy`,
        detail: 'The main thread is nearly saturated: more load will queue up. Move CPU work to worker threads or add processes.',
      });
    }
  }
  return out;
}
