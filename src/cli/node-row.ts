/**
 * What one row of `perfmem stat` shows for a Node process, computed over the row's own
 * interval from monotonic data: the difference between this read and the previous one (the
 * first row, with no previous read, covers the time since the process started).
 *
 * - The row's interval is measured on the writer's clock (node.heartbeat, stamped at each
 *   sample), never the reader's: what accrued over 3.5 s is divided by 3.5 s, even when the
 *   reader asked every 0.5 s.
 * - A row in which the process published nothing new (same heartbeat) is `fresh: false`; its
 *   figures are NaN (printed `-`), never the previous values again.
 * - While the loop is blocked (heartbeat older than three periods) nothing new is published,
 *   but the block is known: it counts as one delay as long as it has lasted so far, as busy
 *   time in the utilization, and the watchdog thread's CPU counters (newer than the main
 *   thread's) give the CPU figures.
 * - Delay percentiles come from the cumulative histogram (runtime/loop-histogram). A process
 *   without it (older perfmem) only has the gauges of its last sampling window: those are
 *   exact only for a row that spans exactly one new window; otherwise NaN.
 */
import { histogramDelta, histogramMean, histogramPercentile, readLoopHistogram, recordDelay, type LoopHistogram } from '../runtime/loop-histogram.js';
import { loopStatus } from '../runtime/loop-status.js';

/** A heartbeat older than this many periods means the loop is blocked (see ongoingBlockMs). */
export const BLOCKED_AFTER_PERIODS = 2;
import type { Sample } from './columns.js';
import { num } from './sample.js';

const NS_PER_MS = 1e6;

export interface DelayFigures {
  /** Delays recorded in the row (probe firings), plus one for an ongoing block. */
  count: number;
  meanMs: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** 'histogram': exact over the row; 'window': the per-window gauges of the one window the row spans; 'none'. */
  source: 'histogram' | 'window' | 'none';
}

export interface NodeRow {
  /** Something new was published since the previous read (always true for the first row). */
  fresh: boolean;
  /** The row's interval on the writer's clock, ms (including an ongoing block); NaN when nothing new. */
  intervalMs: number;
  /** The interval between the two publications of main-thread counters the row spans, ms; NaN when nothing new. */
  mainIntervalMs: number;
  /** Time since the process started, at this read, ms. */
  uptimeMs: number;
  /** How long the loop has been blocked at this read (ongoingBlockMs), ms; 0 when it is not. */
  blockedMs: number;
  /** Event-loop utilization over the row, 0..1 (NaN when nothing new). */
  elu: number;
  delay: DelayFigures;
  /** CPU over the row, ns of CPU time and ns of interval (from whichever thread published last). */
  cpuUserNs: number;
  cpuSystemNs: number;
  cpuIntervalNs: number;
  /** Cumulative CPU time at this read, ns (main thread's or watchdog's counters, the newer); NaN when neither is new. */
  cpuUserTotalNs: number;
  cpuSystemTotalNs: number;
}

/**
 * How long the loop has been blocked at the read: the heartbeat's age (what `ps` shows as
 * "blocked <age>"), once it passes two periods (the sampler, due every period, is then a whole
 * period late: a stall, not timer jitter); 0 otherwise. The age may exceed the block itself by
 * up to a period (the loop may have been idle between its last sample and the block), never
 * fall short of it. `ps` says "blocked" after three periods.
 */
export function ongoingBlockMs(s: Sample, nowNs: number): number {
  if (!Number.isFinite(nowNs)) return 0;
  const status = loopStatus(s as ReadonlyMap<string, string>, nowNs, { periods: BLOCKED_AFTER_PERIODS });
  return status.state === 'blocked' ? status.heartbeatAgeMs : 0;
}

/** A sample's heartbeat (CLOCK_MONOTONIC ns at its last publication), or NaN. */
function heartbeat(s: Sample): number {
  return num(s, 'node.heartbeat') ?? NaN;
}

/** The newer of the main thread's and the watchdog's CPU counters, with the time they were taken. */
function cpuReading(s: Sample): { user: number; system: number; at: number } {
  const main = { user: num(s, 'node.cpu.user') ?? NaN, system: num(s, 'node.cpu.system') ?? NaN, at: heartbeat(s) };
  const wdAt = num(s, 'node.watchdog.heartbeat');
  const wdUser = num(s, 'node.watchdog.cpu.user');
  const wdSystem = num(s, 'node.watchdog.cpu.system');
  // Both are the whole process's CPU time (process.cpuUsage()), so either continues the other.
  if (wdAt !== undefined && wdUser !== undefined && wdSystem !== undefined && wdUser > 0 && !(wdAt <= main.at)) {
    return { user: wdUser, system: wdSystem, at: wdAt };
  }
  return main;
}

/** ns since the process started at the time of the sample's heartbeat (for the first row). */
function sinceStart(s: Sample): number {
  return num(s, 'sun.os.hrt.ticks') ?? NaN;
}

function windowDelay(s: Sample): DelayFigures {
  const ms = (name: string) => (num(s, name) ?? NaN) / NS_PER_MS;
  return {
    count: num(s, 'node.eventLoop.delay.count') ?? NaN,
    meanMs: ms('node.eventLoop.delay.mean'), p50Ms: ms('node.eventLoop.delay.p50'), p90Ms: ms('node.eventLoop.delay.p90'),
    p99Ms: ms('node.eventLoop.delay.p99'), maxMs: ms('node.eventLoop.delay.max'), source: 'window',
  };
}

const NO_DELAY: DelayFigures = { count: NaN, meanMs: NaN, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN, maxMs: NaN, source: 'none' };

function fromHistogram(h: LoopHistogram): DelayFigures {
  const ms = (ns: number) => ns / NS_PER_MS;
  if (h.count === 0) return { ...NO_DELAY, count: 0, source: 'histogram' };
  return {
    count: h.count, meanMs: ms(histogramMean(h)), p50Ms: ms(histogramPercentile(h, 50)), p90Ms: ms(histogramPercentile(h, 90)),
    p99Ms: ms(histogramPercentile(h, 99)), maxMs: ms(h.maxNs), source: 'histogram',
  };
}

/**
 * The row between `previous` (undefined for the first row) and `current`, read when the
 * reader's CLOCK_MONOTONIC was `nowNs` (process.hrtime.bigint()); NaN for a saved file, whose
 * writer's clock has nothing to do with now (no block is folded in).
 */
export function nodeRow(current: Sample, previous: Sample | undefined, nowNs: number): NodeRow {
  const blockedMs = ongoingBlockMs(current, nowNs);
  const blockedNs = blockedMs * NS_PER_MS;
  const beat = heartbeat(current);
  const fresh = previous === undefined || beat !== heartbeat(previous);
  const live = fresh || blockedMs > 0;

  // The row's interval on the writer's clock, extended to this read while the loop is blocked.
  // Effective time = heartbeat + the block folded in at that read; the row is the difference.
  const interval = previous === undefined
    ? sinceStart(current) + blockedNs
    : beat + blockedNs - (heartbeat(previous) + priorBlockNs(previous));

  // Utilization: the unpublished part of a block is busy time.
  const active = num(current, 'node.eventLoop.active') ?? NaN;
  const idle = num(current, 'node.eventLoop.idle') ?? NaN;
  let elu = NaN;
  if (live) {
    const prevActive = previous === undefined ? 0 : (num(previous, 'node.eventLoop.active') ?? NaN) + priorBlockNs(previous);
    const prevIdle = previous === undefined ? 0 : num(previous, 'node.eventLoop.idle') ?? NaN;
    const dActive = active + blockedNs - prevActive;
    const dIdle = idle - prevIdle;
    elu = dActive + dIdle > 0 ? Math.min(1, Math.max(0, dActive / (dActive + dIdle))) : NaN;
  }

  let delay = NO_DELAY;
  const hist = readLoopHistogram((name) => current.get(name));
  if (hist !== undefined) {
    const prevHist = previous === undefined ? undefined : readLoopHistogram((name) => previous.get(name));
    if (live) {
      const d = prevHist === undefined ? hist : histogramDelta(hist, prevHist);
      if (blockedNs > 0) recordDelay(d, blockedNs);
      delay = fromHistogram(d);
    }
  } else if (live) {
    const windows = previous === undefined ? 1 : (num(current, 'node.sample.count') ?? NaN) - (num(previous, 'node.sample.count') ?? NaN);
    if (fresh && windows === 1) delay = windowDelay(current);
    if (blockedMs > 0) {
      delay = { ...(delay.source === 'window' ? delay : NO_DELAY), maxMs: Math.max(blockedMs, delay.source === 'window' ? delay.maxMs : 0) };
    }
  }

  const cpuNow = cpuReading(current);
  const cpuBefore = previous === undefined ? undefined : cpuReading(previous);
  const cpuIntervalNs = cpuBefore === undefined ? sinceStart(current) + (cpuNow.at - beat) : cpuNow.at - cpuBefore.at;
  const cpuFresh = cpuBefore === undefined || cpuIntervalNs > 0;
  return {
    fresh,
    intervalMs: live ? interval / NS_PER_MS : NaN,
    mainIntervalMs: fresh ? (previous === undefined ? sinceStart(current) : beat - heartbeat(previous)) / NS_PER_MS : NaN,
    uptimeMs: (sinceStart(current) + (Number.isFinite(nowNs) ? Math.max(0, nowNs - beat) : 0)) / NS_PER_MS,
    blockedMs,
    elu,
    delay,
    cpuUserNs: cpuFresh ? cpuNow.user - (cpuBefore?.user ?? 0) : NaN,
    cpuSystemNs: cpuFresh ? cpuNow.system - (cpuBefore?.system ?? 0) : NaN,
    cpuIntervalNs: cpuFresh ? cpuIntervalNs : NaN,
    cpuUserTotalNs: cpuFresh ? cpuNow.user : NaN,
    cpuSystemTotalNs: cpuFresh ? cpuNow.system : NaN,
  };
}

/**
 * The block (ns) the previous row already folded in. Each read is taken as its published
 * values plus the block known at that read (active time and clock advanced by it), and a row
 * is the difference of two such reads: so a block is never counted twice, also when it has
 * ended by the next read (the published active time then includes all of it).
 */
function priorBlockNs(previous: Sample): number {
  return num(previous, READER_BLOCKED_NS) ?? 0;
}

/** A pseudo-counter stat adds to each sample it keeps: the block (ns) that sample's row folded in. */
export const READER_BLOCKED_NS = '\u0000reader.blockedNs';

/** The sample with the block its row folded in, for the next row's difference. */
export function withBlock(sample: Sample, row: NodeRow): Sample {
  if (row.blockedMs <= 0) return sample;
  const m = new Map(sample);
  m.set(READER_BLOCKED_NS, row.blockedMs * NS_PER_MS);
  return m;
}
