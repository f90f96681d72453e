/**
 * Runs the collectors once per period on an unref'd timer (it never keeps the process
 * alive), and publishes the heartbeat that tells a reader the event loop is still turning:
 * node.heartbeat holds CLOCK_MONOTONIC ticks at the last sample, node.sample.period the period.
 */
import { performance } from 'node:perf_hooks';
import { constantLong, monotonicLong, sharedLong, variableLong, type Collector, type CounterRegistry } from './counters.js';
import { TICKS_PER_MS, nowTicks } from './clock.js';

export interface Sampler {
  readonly periodMs: number;
  /** Samples at once (also what the timer does). Never throws. */
  sampleNow(): void;
  /** Stops the timer and the collectors; idempotent. */
  stop(): void;
}

export interface SamplerOptions {
  periodMs: number;
  /** Told about a collector that threw (it is then dropped); default: ignore. */
  onError?: (error: unknown) => void;
}

export function startSampler(r: CounterRegistry, collectors: Collector[], options: SamplerOptions): Sampler {
  const { periodMs } = options;
  const active = [...collectors];
  const heartbeat = variableLong(r, 'node.heartbeat', 'ticks');
  constantLong(r, 'node.sample.period', periodMs * TICKS_PER_MS, 'ticks');
  const count = monotonicLong(r, 'node.sample.count', 'events');
  const cost = monotonicLong(r, 'node.sample.time', 'ticks');
  // HotSpot's sampled clock: ticks since the VM started (jstat -t prints it as Timestamp).
  const hrtTicks = sharedLong(r, 'sun.os.hrt.ticks', 'ticks', 'monotonic');
  let stopped = false;

  const sampleNow = (scheduled?: boolean): void => {
    if (stopped) return;
    const begin = performance.now();
    for (let i = 0; i < active.length; i++) {
      try {
        active[i]!.sample(scheduled);
      } catch (error) {
        // A collector that fails once would fail every period: drop it, keep the rest.
        const [dropped] = active.splice(i--, 1);
        try { dropped?.close(); } catch { /* already failing */ }
        options.onError?.(error);
      }
    }
    const end = performance.now();
    hrtTicks.set(Math.round(end * TICKS_PER_MS));
    count.inc();
    cost.add(Math.round((end - begin) * TICKS_PER_MS));
    heartbeat.set(nowTicks());
  };

  sampleNow();
  const timer = setInterval(sampleNow, periodMs, true);
  timer.unref();

  return {
    periodMs,
    sampleNow: () => sampleNow(),
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      for (const c of active) {
        try { c.close(); } catch (error) { options.onError?.(error); }
      }
    },
  };
}
