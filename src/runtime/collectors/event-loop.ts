/**
 * The event loop as cumulative data (layout: ../loop-histogram.ts): every probe's delay goes
 * into a monotonic histogram (count, sum, max, one counter per bucket, declared the first time
 * a bucket is hit), and the loop's active and idle time are published as monotonic ticks.
 * A reader subtracts two reads and gets exact figures over its own interval, whatever it is.
 *
 * Adaptive probing, because on an idle process every timer wake-up costs more than all the
 * JavaScript perfmem runs (about 130 µs of kernel and libuv work each on the reference VM):
 *  - while the loop is idle, no probe timer runs: the sampler's own once-a-period timer is
 *    the probe (how late it fired, corrected below);
 *  - while the loop is busy (its active time over the last period passed BUSY_FRACTION), a
 *    fast probe every `resolutionMs` runs too, and stops after a quiet period.
 *
 * Why a slow probe loses nothing on a block: when a probe fires `late` ms after it was due,
 * a stretch of busy time at least `late` long ended just now; it began after the previous
 * probe, so it is at most `late + expected` long, and at most the loop's active time since
 * that probe (the ELU counter). When the loop was otherwise idle (which is when the slow
 * probe runs) that active time is the block itself, so the probe records the block's length
 * however long the probe's interval. An idle loop that becomes busy with many short callbacks
 * looks the same to one probe (late, with much active time since the previous one), so the
 * corrected figure is recorded only when the loop is idle again right after (one block; the
 * fast probe, started by the busy period, checks one resolution later), and the lateness alone
 * when it stays busy: a busy phase never shows a false block. The fast probe, whose loop is busy with other
 * callbacks, applies the correction only to a firing later than a whole interval (a block
 * longer than the interval), so that ordinary busy time is never counted as delay.
 */
import { performance } from 'node:perf_hooks';
import { constantLong, monotonicLong, type CounterRegistry, type PeriodicCollector, type LongHandle } from '../counters.js';
import { TICKS_PER_MS, msToTicks } from '../clock.js';
import { DEFAULT_DELAY_RESOLUTION_MS } from '../config.js';
import {
  BUCKET_COUNT, HISTOGRAM_VERSION_COUNTER, LOOP_HISTOGRAM_VERSION, TOTAL_COUNT_COUNTER, TOTAL_MAX_COUNTER,
  TOTAL_SUM_COUNTER, bucketCounterName, bucketIndex,
} from '../loop-histogram.js';

/**
 * The loop's idle time (ms) at the last reading, set with it. What
 * performance.eventLoopUtilization() computes, without its object or its second clock read:
 * that call cost 20-36 µs at a 1 Hz cadence, cold, against 3-4 µs for the idle time alone.
 */
let loopIdleMs = 0;
const nodeTiming = performance.nodeTiming;
let loopStartMs = -1;
/**
 * The loop's active time (ms) at the last reading: this sample's once the event-loop collector
 * ran (it runs first). A live binding, not a getter: at 1 Hz every call is cold (issue 10 item 3).
 */
export let lastActiveMs = 0;
/**
 * Whether the loop ran code for more than BUSY_FRACTION of the last period, as this sample's
 * event-loop reading says (false before the first). Collectors that read more while busy use it.
 */
export let loopBusy = false;

/** The loop's active time (ms) at `now` (a performance.now() reading); 0 before the loop starts. */
export function loopActiveMs(now: number): number {
  if (loopStartMs <= 0) {
    loopStartMs = nodeTiming.loopStart;
    if (loopStartMs <= 0) { loopIdleMs = 0; return 0; }
  }
  loopIdleMs = nodeTiming.idleTime;
  lastActiveMs = now - loopStartMs - loopIdleMs;
  return lastActiveMs;
}

/** A period whose active time is above this fraction switches the fast probe on. */
export const BUSY_FRACTION = 0.01;
/** A corrected slow probe stands when the loop is busier than this only until the next probe. */
export const CONFIRM_IDLE_FRACTION = 0.25;
/** A slow probe this late (ms) or less is timer jitter, not a block: recorded as is. */
export const JITTER_MS = 2;

/**
 * The delay a probe records, in ms: `late` is how late it fired, `expectedMs` its interval,
 * `activeMs` the loop's active time since the previous probe, `correctAbove` the lateness
 * beyond which the active time may stand for the block's length (see the file comment).
 */
export function probeDelayMs(late: number, expectedMs: number, activeMs: number, correctAbove: number): number {
  if (!(late > 0)) return 0;
  if (late <= correctAbove) return late;
  return Math.max(late, Math.min(activeMs, late + expectedMs));
}

/** Buckets are declared in aligned groups of this many, when a delay first lands in the group. */
export const BUCKET_GROUP = 4;

/** The cumulative delay histogram's counters in a region (buckets declared when first hit). */
export class DelayHistogramWriter {
  private readonly buckets: (LongHandle | null | undefined)[] = new Array<LongHandle | null | undefined>(BUCKET_COUNT);
  private readonly count: LongHandle;
  private readonly sum: LongHandle;
  private readonly max: LongHandle;
  private maxNs = 0;
  // Totals kept here and stored with set(): at 1 Hz each distinct handle method a sample runs
  // is cold code of its own (inc() and add()'s compare-and-swap), set() is warm from the rest.
  private readonly counts = new Float64Array(BUCKET_COUNT);
  private total = 0;
  private totalNs = 0;

  constructor(private readonly r: CounterRegistry, private readonly onFull?: (e: unknown) => void) {
    // Not `supported`: a plain `jstat -snap` (which hides unsupported counters) stays readable.
    r.long(HISTOGRAM_VERSION_COUNTER, { units: 'none', variability: 'constant', value: LOOP_HISTOGRAM_VERSION, supported: false });
    this.count = r.long(TOTAL_COUNT_COUNTER, { units: 'events', variability: 'monotonic', value: 0, supported: false });
    this.sum = r.long(TOTAL_SUM_COUNTER, { units: 'ticks', variability: 'monotonic', value: 0, supported: false });
    this.max = r.long(TOTAL_MAX_COUNTER, { units: 'ticks', variability: 'monotonic', value: 0, supported: false });
  }

  record(ns: number): void {
    const v = ns > 0 ? Math.round(ns) : 0;
    const i = bucketIndex(v);
    let b = this.buckets[i];
    if (b === undefined) {
      this.declareGroup(i);
      b = this.buckets[i];
    }
    if (b) b.set(++this.counts[i]!);
    this.count.set(++this.total);
    this.sum.set(this.totalNs += v);
    if (v > this.maxNs) { this.maxNs = v; this.max.set(v); }
  }

  /**
   * Declares bucket i with the rest of its group of BUCKET_GROUP neighbours. A declaration
   * costs 50-80 µs at a 1 Hz cadence with cold caches (4 µs for each one right after), and the
   * slow probe of an idle loop keeps landing in new buckets for minutes (its lateness wanders
   * over several octaves), so one at a time made it the largest item of a sample.
   */
  private declareGroup(i: number): void {
    const first = i - (i % BUCKET_GROUP);
    for (let j = first; j < first + BUCKET_GROUP && j < BUCKET_COUNT; j++) {
      if (this.buckets[j] !== undefined) continue;
      try {
        this.buckets[j] = this.r.long(bucketCounterName(j), { units: 'events', variability: 'monotonic', value: 0, supported: false });
      } catch (e) {
        // A full region: this bucket stays unpublished (the totals still count the delay).
        this.buckets[j] = null;
        this.onFull?.(e);
        return;
      }
    }
  }
}

export interface EventLoopCollector extends PeriodicCollector {
  /** Whether the fast probe runs now (tests and the benchmark). */
  readonly fastProbe: boolean;
}

export function eventLoopCollector(r: CounterRegistry, resolutionMs = DEFAULT_DELAY_RESOLUTION_MS, periodMs = 1000, onError?: (e: unknown) => void): EventLoopCollector {
  const histogram = new DelayHistogramWriter(r, onError);
  constantLong(r, 'node.eventLoop.delay.resolution', msToTicks(resolutionMs), 'ticks');
  const active = monotonicLong(r, 'node.eventLoop.active', 'ticks');
  const idle = monotonicLong(r, 'node.eventLoop.idle', 'ticks');

  // The previous probe: when it fired and the loop's active time then (ms).
  let lastAt = performance.now();
  let lastActive = loopActiveMs(lastAt);
  // The loop's active time at the previous sample, to tell a busy period from an idle one.
  let sampleActive = lastActive, sampleAt = lastAt;
  let fast: NodeJS.Timeout | undefined;

  const probe = (now: number, nowActive: number, expectedMs: number, correctAbove: number): void => {
    const late = now - lastAt - expectedMs;
    histogram.record(msToTicks(probeDelayMs(late, expectedMs, nowActive - lastActive, correctAbove)));
    lastAt = now;
    lastActive = nowActive;
  };
  // A slow probe's corrected delay waits for confirmation: if the loop is idle again right
  // after (under a quarter busy until the next probe), the active time was one block and the
  // correction stands; if it stays busy, the active time may have been many short callbacks
  // (an idle loop becoming busy) and only the lateness, a sure lower bound, is recorded.
  let pending: { late: number; corrected: number; at: number; active: number } | undefined;
  const resolve = (now: number, nowActive: number): void => {
    if (pending === undefined) return;
    const busyFraction = now > pending.at ? (nowActive - pending.active) / (now - pending.at) : 1;
    histogram.record(msToTicks(busyFraction < CONFIRM_IDLE_FRACTION ? pending.corrected : pending.late));
    pending = undefined;
  };
  const slowProbe = (now: number, nowActive: number): void => {
    const late = Math.max(0, now - lastAt - periodMs);
    const corrected = probeDelayMs(late, periodMs, nowActive - lastActive, JITTER_MS);
    lastAt = now;
    lastActive = nowActive;
    if (corrected - late <= Math.max(JITTER_MS, corrected * 0.1)) histogram.record(msToTicks(corrected));
    else pending = { late, corrected, at: now, active: nowActive };
  };
  const fastProbe = (): void => {
    const now = performance.now(), nowActive = loopActiveMs(now);
    resolve(now, nowActive);
    probe(now, nowActive, resolutionMs, resolutionMs);
  };

  return {
    get fastProbe() { return fast !== undefined; },
    // The common case (a scheduled sample of an idle loop) runs straight through, with no
    // call but the idle time and the stores: at 1 Hz this code is cold and mostly interpreted,
    // where each call costs about a µs (issue 10 item 3). What it inlines: loopActiveMs,
    // msToTicks, resolve() without a pending probe, and slowProbe() of a probe on time.
    sample(scheduled?: boolean, sampledAt?: number) {
      const now = sampledAt ?? performance.now();
      let nowActive = 0;
      if (loopStartMs > 0 || (loopStartMs = nodeTiming.loopStart) > 0) {
        loopIdleMs = nodeTiming.idleTime;
        nowActive = now - loopStartMs - loopIdleMs;
      } else {
        loopIdleMs = 0;
      }
      lastActiveMs = nowActive;
      active.set(Math.round(nowActive * TICKS_PER_MS));
      idle.set(Math.round(loopIdleMs * TICKS_PER_MS));
      const busy = nowActive - sampleActive > BUSY_FRACTION * Math.max(now - sampleAt, periodMs);
      loopBusy = busy;
      sampleActive = nowActive;
      sampleAt = now;
      if (scheduled === true && pending !== undefined) resolve(now, nowActive);
      if (fast === undefined) {
        // The sampler's timer is the slow probe; a call out of schedule (sampleNow) is not.
        if (scheduled === true) {
          const late = now - lastAt - periodMs;
          // On time or timer jitter: recorded as is (what slowProbe() would record).
          if (late <= JITTER_MS) {
            lastAt = now;
            lastActive = nowActive;
            histogram.record(late > 0 ? late * TICKS_PER_MS : 0);
          } else {
            slowProbe(now, nowActive);
          }
        }
        if (busy) {
          fast = setInterval(fastProbe, resolutionMs);
          fast.unref();
          lastAt = now;
          lastActive = nowActive;
        }
      } else if (!busy) {
        // A quiet period: record the interval still running, hand over to the slow probe.
        if (now - lastAt >= resolutionMs) probe(now, nowActive, resolutionMs, resolutionMs);
        clearInterval(fast);
        fast = undefined;
        lastAt = now;
        lastActive = nowActive;
      }
    },
    close() { if (fast !== undefined) clearInterval(fast); fast = undefined; },
  };
}
