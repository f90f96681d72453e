/**
 * CPU time, memory and getrusage(2) figures. Per sample: one process.resourceUsage(). On the
 * slow cadence (counters.ts: SLOW_EVERY), and at once whenever getrusage's peak RSS rises (the
 * resident set grew), what costs most at a 1 Hz cadence: the resident set
 * size (libuv opens, reads and parses /proc/self/stat: 9 µs warm, 40-65 µs after a second of
 * idleness, the largest item of a sample; a read of /proc/self/statm on a kept descriptor was
 * measured at 30-50 µs, not worth a descriptor held open for the life of the process), and
 * on every other slow sample the full process.memoryUsage() (which walks the heap again) for
 * node.memory.arrayBuffers. V8's heap figures of memoryUsage() come from the heap collector's
 * getHeapStatistics(), read anyway. A reader that wants a fresher RSS reads /proc/<pid>/statm
 * itself (it runs as the process's user or root anyway).
 */
import { LongRow, monotonicLong, variableLong, type CounterRegistry, type PeriodicCollector, type SlowCollector } from '../counters.js';
import { usToTicks } from '../clock.js';

export function processUsageCollector(r: CounterRegistry): PeriodicCollector & SlowCollector {
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
  // The getrusage(2) figures that stay put for seconds on end in a quiet process.
  const row = new LongRow([maxRss, minorFaults, majorFaults, fsReads, fsWrites, voluntary, involuntary]);

  let slow = 0, peakAtRss = 0, rssFresh = false;
  const readRss = (): void => {
    rssFresh = true;
    if (slow++ % 2 === 0) {
      const m = process.memoryUsage(); // rss too: one /proc read, not two
      rss.set(m.rss);
      arrayBuffers.set(m.arrayBuffers);
    } else {
      rss.set(process.memoryUsage.rss());
    }
  };
  return {
    sample() {
      rssFresh = false;
      const u = process.resourceUsage();
      // A new peak means the resident set grew: read it now, not at the next slow sample.
      if (u.maxRSS > peakAtRss) { peakAtRss = u.maxRSS; readRss(); }
      cpuUser.set(usToTicks(u.userCPUTime));
      cpuSystem.set(usToTicks(u.systemCPUTime));
      row.put(0, u.maxRSS * 1024); // getrusage reports KiB
      row.put(1, u.minorPageFault);
      row.put(2, u.majorPageFault);
      row.put(3, u.fsRead);
      row.put(4, u.fsWrite);
      row.put(5, u.voluntaryContextSwitches);
      row.put(6, u.involuntaryContextSwitches);
    },
    slowSample() { if (!rssFresh) readRss(); },
    close() {},
  };
}
