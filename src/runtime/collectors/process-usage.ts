/**
 * CPU time, memory and getrusage(2) figures. Per sample: one process.resourceUsage(). Less
 * often, what costs most at a 1 Hz cadence: the resident set size (libuv reads and parses
 * /proc/self/stat: 9 µs warm, 50 µs and more after a second of idleness, the largest item
 * of a sample) every RSS_EVERY samples, and the full process.memoryUsage() (which walks the
 * heap again) every ARRAY_BUFFERS_EVERY samples for node.memory.arrayBuffers. V8's heap
 * figures of memoryUsage() come from the heap collector's getHeapStatistics(), read anyway.
 * A reader that wants a fresher RSS reads /proc/<pid>/statm itself (it runs as the process's
 * user or root anyway).
 */
import { monotonicLong, variableLong, type Collector, type CounterRegistry } from '../counters.js';
import { usToTicks } from '../clock.js';

/** node.memory.arrayBuffers is refreshed every this many samples. */
export const ARRAY_BUFFERS_EVERY = 10;
/** node.memory.rss is refreshed every this many samples (and at the first). */
export const RSS_EVERY = 5;

export function processUsageCollector(r: CounterRegistry): Collector {
  const cpuUser = monotonicLong(r, 'node.cpu.user', 'ticks');
  const cpuSystem = monotonicLong(r, 'node.cpu.system', 'ticks');

  const rss = variableLong(r, 'node.memory.rss', 'bytes');
  const maxRss = variableLong(r, 'node.memory.maxRss', 'bytes');
  const arrayBuffers = variableLong(r, 'node.memory.arrayBuffers', 'bytes');

  const minorFaults = monotonicLong(r, 'node.rusage.minorPageFaults', 'events');
  const majorFaults = monotonicLong(r, 'node.rusage.majorPageFaults', 'events');
  const fsReads = monotonicLong(r, 'node.rusage.fsReads', 'events');
  const fsWrites = monotonicLong(r, 'node.rusage.fsWrites', 'events');
  const voluntary = monotonicLong(r, 'node.rusage.voluntaryContextSwitches', 'events');
  const involuntary = monotonicLong(r, 'node.rusage.involuntaryContextSwitches', 'events');

  let n = 0;
  return {
    sample() {
      const u = process.resourceUsage();
      cpuUser.set(usToTicks(u.userCPUTime));
      cpuSystem.set(usToTicks(u.systemCPUTime));
      maxRss.set(u.maxRSS * 1024); // getrusage reports KiB
      minorFaults.set(u.minorPageFault);
      majorFaults.set(u.majorPageFault);
      fsReads.set(u.fsRead);
      fsWrites.set(u.fsWrite);
      voluntary.set(u.voluntaryContextSwitches);
      involuntary.set(u.involuntaryContextSwitches);

      if (n % RSS_EVERY === 0) rss.set(process.memoryUsage.rss());
      if (n % ARRAY_BUFFERS_EVERY === 0) arrayBuffers.set(process.memoryUsage().arrayBuffers);
      n++;
    },
    close() {},
  };
}
