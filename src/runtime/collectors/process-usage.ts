/**
 * CPU time, memory and getrusage(2) figures. Per sample: one process.resourceUsage() and
 * process.memoryUsage.rss() (V8's heap figures come from the heap collector's
 * getHeapStatistics(), read anyway); the full process.memoryUsage(), which walks the heap
 * again, only every ARRAY_BUFFERS_EVERY samples, for node.memory.arrayBuffers.
 */
import { monotonicLong, variableLong, type Collector, type CounterRegistry } from '../counters.js';
import { usToTicks } from '../clock.js';

/** node.memory.arrayBuffers is refreshed every this many samples. */
export const ARRAY_BUFFERS_EVERY = 10;

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

      rss.set(process.memoryUsage.rss());
      if (n++ % ARRAY_BUFFERS_EVERY === 0) arrayBuffers.set(process.memoryUsage().arrayBuffers);
    },
    close() {},
  };
}
