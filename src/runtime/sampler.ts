/**
 * Runs the collectors once per period on an unref'd timer (it never keeps the process
 * alive), and publishes the heartbeat that tells a reader the event loop is still turning:
 * node.heartbeat holds CLOCK_MONOTONIC ticks at the last sample, node.sample.period the period.
 */
import { performance } from 'node:perf_hooks';
import { SLOW_EVERY, constantLong, monotonicLong, sharedLong, variableLong, type Collector, type CounterRegistry } from './counters.js';
import { TICKS_PER_MS, nowTicks } from './clock.js';

export interface Sampler {
  readonly periodMs: number;
  /** Samples at once (also what the timer does). Never throws. */
  sampleNow(): void;
  /** @internal What the timer runs each period: a scheduled sample (the benchmark times it). */
  tick(): void;
  /** Stops the timer and the collectors; idempotent. */
  stop(): void;
}

export interface SamplerOptions {
  periodMs: number;
  /** Told about a collector that threw (it is then dropped); default: ignore. */
  onError?: (error: unknown) => void;
}

const OFFSET_TRIES = 5;
const OFFSET_TIGHT_MS = 0.002;

/**
 * CLOCK_MONOTONIC in ticks at performance.now() = 0, so that a sample turns its own
 * performance.now() into the heartbeat (CLOCK_MONOTONIC ticks, comparable across processes)
 * without a second clock call: both clocks are CLOCK_MONOTONIC (performance.now() is
 * process.hrtime() minus the time origin), so the offset is fixed. Read between two
 * performance.now() calls, it is off by less than half the time between them: well under a
 * µs, unless the thread was preempted in between (tens of µs on a loaded machine). So the
 * tightest of a few readings is kept, stopping at the first under OFFSET_TIGHT_MS.
 */
export function monotonicOffset(): number {
  let best = Number.NaN;
  let bestWidth = Infinity;
  for (let i = 0; i < OFFSET_TRIES && bestWidth > OFFSET_TIGHT_MS; i++) {
    const before = performance.now();
    const ticks = nowTicks();
    const after = performance.now();
    if (after - before < bestWidth) {
      bestWidth = after - before;
      best = Number(ticks) - ((before + after) / 2) * TICKS_PER_MS;
    }
  }
  return best;
}

export function startSampler(r: CounterRegistry, collectors: Collector[], options: SamplerOptions): Sampler {
  const { periodMs } = options;
  const live = [...collectors];
  // Only collectors with work to do: at 1 Hz even a call that does nothing costs (about 2 µs).
  // A collector may also leave sample undefined while it has nothing to do (workers: none).
  const active = collectors.filter((c) => 'sample' in c);
  const slow = collectors.filter((c) => c.slowSample !== undefined);
  let scheduledCount = 0;
  const heartbeat = variableLong(r, 'node.heartbeat', 'ticks');
  constantLong(r, 'node.sample.period', periodMs * TICKS_PER_MS, 'ticks');
  const count = monotonicLong(r, 'node.sample.count', 'events');
  const cost = monotonicLong(r, 'node.sample.time', 'ticks');
  // HotSpot's sampled clock: ticks since the VM started (jstat -t prints it as Timestamp).
  const hrtTicks = sharedLong(r, 'sun.os.hrt.ticks', 'ticks', 'monotonic');
  const monotonicAt = monotonicOffset();
  let stopped = false;
  // Totals kept here and stored with set(), like every other store of a sample: at 1 Hz the
  // code of inc() and add() would be cold code of its own each period.
  let samples = 0, costTicks = 0;

  // A collector that fails once would fail every period: drop it, keep the rest.
  const drop = (c: Collector, error: unknown): void => {
    for (const list of [live, active, slow]) {
      const at = list.indexOf(c);
      if (at !== -1) list.splice(at, 1);
    }
    try { c.close(); } catch { /* already failing */ }
    options.onError?.(error);
  };

  const sampleNow = (scheduled?: boolean): void => {
    if (stopped) return;
    const begin = performance.now();
    for (let i = 0; i < active.length; i++) {
      try {
        const c = active[i]!;
        if (c.sample !== undefined) c.sample(scheduled, begin);
      } catch (error) {
        drop(active[i--]!, error);
      }
    }
    if (scheduled !== true || scheduledCount++ % SLOW_EVERY === 0) {
      for (let i = 0; i < slow.length; i++) {
        try {
          slow[i]!.slowSample!();
        } catch (error) {
          drop(slow[i--]!, error);
        }
      }
    }
    const end = performance.now();
    hrtTicks.set(Math.round(end * TICKS_PER_MS));
    count.set(++samples);
    cost.set(costTicks += Math.round((end - begin) * TICKS_PER_MS));
    heartbeat.set(Math.round(end * TICKS_PER_MS + monotonicAt));
  };

  sampleNow();
  const timer = setInterval(sampleNow, periodMs, true);
  timer.unref();

  return {
    periodMs,
    sampleNow: () => sampleNow(),
    tick: () => sampleNow(true),
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      for (const c of live) {
        try { c.close(); } catch (error) { options.onError?.(error); }
      }
    },
  };
}
