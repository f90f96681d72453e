/**
 * Event-loop delay (how late a timer due every `resolutionMs` fires) summarised per sampling
 * window and reset after each, and event-loop utilization: cumulative active and idle time
 * plus the busy fraction of the last window.
 *
 * Not perf_hooks.monitorEventLoopDelay: its reset() also forgets the previous firing, so the
 * first interval after a reset is dropped, and a block that starts right after a sample
 * (the very thing to see) never reaches the histogram. Our own unref'd timer keeps its last
 * firing time across windows. The histogram holds whole intervals (resolution included); we
 * publish the lateness beyond the resolution, so an idle loop shows ~0 and a loop blocked
 * for 200 ms shows ~200 ms.
 */
import { createHistogram, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { monotonicLong, variableLong, type Collector, type CounterRegistry } from '../counters.js';
import { msToTicks } from '../clock.js';
import { DEFAULT_DELAY_RESOLUTION_MS } from '../config.js';

/** Parts per million: the unit of fractions published as longs. */
export const PPM = 1_000_000;

export function eventLoopCollector(r: CounterRegistry, resolutionMs = DEFAULT_DELAY_RESOLUTION_MS): Collector {
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

  const histogram = createHistogram();
  let lastFiring = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    histogram.record(Math.max(1, msToTicks(now - lastFiring)));
    lastFiring = now;
  }, resolutionMs);
  timer.unref();
  const resolutionNs = msToTicks(resolutionMs);
  const late = (ns: number): number => (ns > resolutionNs ? Math.round(ns - resolutionNs) : 0);
  let last: EventLoopUtilization = performance.eventLoopUtilization();

  return {
    sample() {
      // An interval still running is recorded now: after a block, the sampler's timer may fire
      // before the delay timer, and the block then belongs to this window, as the ELU does.
      const now = performance.now();
      if (now - lastFiring > resolutionMs) {
        histogram.record(Math.max(1, msToTicks(now - lastFiring)));
        lastFiring = now;
      }
      // The histogram records nanoseconds already; with no sample in the window its min/mean
      // are placeholders (2^63, NaN), so an empty window publishes zeros.
      if (histogram.count > 0) {
        delay.min.set(late(histogram.min));
        delay.max.set(late(histogram.max));
        delay.mean.set(late(histogram.mean));
        delay.stddev.set(Math.round(histogram.stddev));
        delay.p50.set(late(histogram.percentile(50)));
        delay.p90.set(late(histogram.percentile(90)));
        delay.p99.set(late(histogram.percentile(99)));
      } else {
        delay.min.set(0); delay.max.set(0); delay.mean.set(0); delay.stddev.set(0);
        delay.p50.set(0); delay.p90.set(0); delay.p99.set(0);
      }
      delay.count.set(histogram.count);
      histogram.reset();

      const elu = performance.eventLoopUtilization();
      active.set(msToTicks(elu.active));
      idle.set(msToTicks(elu.idle));
      const dActive = elu.active - last.active, dIdle = elu.idle - last.idle;
      utilization.set(dActive + dIdle > 0 ? Math.round((dActive / (dActive + dIdle)) * PPM) : 0);
      last = elu;
    },
    close() { clearInterval(timer); },
  };
}
