/**
 * Event-loop delay (how late a timer due every `resolutionMs` fires) summarised per sampling
 * window and reset after each, and event-loop utilization: cumulative active and idle time
 * plus the busy fraction of the last window.
 *
 * Not perf_hooks.monitorEventLoopDelay: its reset() also forgets the previous firing, so the
 * first interval after a reset is dropped, and a block that starts right after a sample
 * (the very thing to see) never reaches the histogram. Our own unref'd probe timer keeps its
 * last firing time across windows and records each firing's lateness beyond the resolution
 * (an idle loop shows ~0, a loop blocked for 200 ms shows ~200 ms) into a DelayWindow.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { monotonicLong, variableLong, type Collector, type CounterRegistry } from '../counters.js';
import { msToTicks } from '../clock.js';
import { DEFAULT_DELAY_RESOLUTION_MS } from '../config.js';
import { DelayWindow } from './delay-window.js';

/** Parts per million: the unit of fractions published as longs. */
export const PPM = 1_000_000;

/** The busy fraction of the window between two ELU readings, in ppm (0 for an empty window). */
export function utilizationPpm(now: EventLoopUtilization, last: EventLoopUtilization): number {
  const dActive = now.active - last.active, dIdle = now.idle - last.idle;
  return dActive + dIdle > 0 ? Math.round((dActive / (dActive + dIdle)) * PPM) : 0;
}

/** Room for every firing of a window, with slack for timers that run early or a late sample. */
export function windowCapacity(periodMs: number, resolutionMs: number): number {
  return Math.min(65_536, 2 * Math.ceil(periodMs / resolutionMs) + 16);
}

export function eventLoopCollector(r: CounterRegistry, resolutionMs = DEFAULT_DELAY_RESOLUTION_MS, periodMs = 1000): Collector {
  const delay = {
    min: variableLong(r, 'node.eventLoop.delay.min', 'ticks'),
    max: variableLong(r, 'node.eventLoop.delay.max', 'ticks'),
    mean: variableLong(r, 'node.eventLoop.delay.mean', 'ticks'),
    stddev: variableLong(r, 'node.eventLoop.delay.stddev', 'ticks'),
    p50: variableLong(r, 'node.eventLoop.delay.p50', 'ticks'),
    p90: variableLong(r, 'node.eventLoop.delay.p90', 'ticks'),
    p99: variableLong(r, 'node.eventLoop.delay.p99', 'ticks'),
    count: variableLong(r, 'node.eventLoop.delay.count', 'events'),
  };
  r.long('node.eventLoop.delay.resolution', { units: 'ticks', variability: 'constant', value: msToTicks(resolutionMs) });
  const active = monotonicLong(r, 'node.eventLoop.active', 'ticks');
  const idle = monotonicLong(r, 'node.eventLoop.idle', 'ticks');
  const utilization = variableLong(r, 'node.eventLoop.utilization', 'none');

  const window = new DelayWindow(windowCapacity(periodMs, resolutionMs));
  // Lateness beyond the resolution, in ns; a firing on time records 0.
  const record = (intervalMs: number): void => {
    window.record(intervalMs > resolutionMs ? msToTicks(intervalMs - resolutionMs) : 0);
  };
  let lastFiring = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    record(now - lastFiring);
    lastFiring = now;
  }, resolutionMs);
  timer.unref();
  let last: EventLoopUtilization = performance.eventLoopUtilization();

  return {
    sample() {
      // An interval still running is recorded now: after a block, the sampler's timer may fire
      // before the probe, and the block then belongs to this window, as the ELU does.
      const now = performance.now();
      if (now - lastFiring > resolutionMs) {
        record(now - lastFiring);
        lastFiring = now;
      }
      delay.min.set(Math.round(window.min));
      delay.max.set(Math.round(window.max));
      delay.mean.set(Math.round(window.mean));
      delay.stddev.set(Math.round(window.stddev));
      delay.p50.set(Math.round(window.percentile(50)));
      delay.p90.set(Math.round(window.percentile(90)));
      delay.p99.set(Math.round(window.percentile(99)));
      delay.count.set(window.count);
      window.reset();

      const elu = performance.eventLoopUtilization();
      active.set(msToTicks(elu.active));
      idle.set(msToTicks(elu.idle));
      utilization.set(utilizationPpm(elu, last));
      last = elu;
    },
    close() { clearInterval(timer); },
  };
}
