/**
 * CPU time, memory and getrusage(2) figures. Per sample: one process.resourceUsage(), of which
 * the CPU times and context switches are stored (`perfmem stat -cpu` shows both per second),
 * and the peak RSS (maxRss) when it rose. The page-fault and file-system counts are stored on
 * the slow cadence (counters.ts: SLOW_EVERY) and every sample while the loop is busy: from that
 * same call, but at 1 Hz each figure compared and stored costs about a µs, cold, and in a
 * quiet process they stay put (issue 10 item 3). On the slow cadence too, and at
 * once whenever the peak RSS rises (the resident set grew), what costs most at a 1 Hz cadence:
 * the resident set size (libuv opens, reads and parses /proc/self/stat: 9 µs warm, 40-65 µs
 * after a second of idleness, the largest item of a sample; a read of /proc/self/statm on a
 * kept descriptor was measured at 30-50 µs, not worth a descriptor held open for the life of
 * the process), and on every other slow sample the full process.memoryUsage() (which walks
 * the heap again) for node.memory.arrayBuffers. V8's heap figures of memoryUsage() come from
 * the heap collector's getHeapStatistics(), read anyway. A reader that wants a fresher RSS
 * reads /proc/<pid>/statm itself (it runs as the process's user or root anyway).
 *
 * Why resourceUsage() and not process.cpuUsage(), when the CPU times are all a quiet sample
 * stores: both are one getrusage(RUSAGE_SELF), and at 1 Hz cpuUsage() was not cheaper
 * (its argument checks are more cold code than resourceUsage()'s object of 16 fields).
 */
import { LongRow, monotonicLong, variableLong, type CounterRegistry, type PeriodicCollector, type SlowCollector } from '../counters.js';
import { loopBusy } from './event-loop.js';

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
  // The page-fault and file-system counts, stored on the slow cadence and while the loop is busy.
  const row = new LongRow([minorFaults, majorFaults, fsReads, fsWrites]);

  let slow = 0, peakAtRss = 0, rssFresh = false, countsFresh = false, lastVoluntary = -1, lastInvoluntary = -1;
  // This sample's resourceUsage(), for slowSample() (which runs after sample() in the same period).
  let usage: NodeJS.ResourceUsage | undefined;
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
  const storeCounts = (u: NodeJS.ResourceUsage): void => {
    countsFresh = true;
    row.put(0, u.minorPageFault);
    row.put(1, u.majorPageFault);
    row.put(2, u.fsRead);
    row.put(3, u.fsWrite);
  };
  return {
    sample() {
      rssFresh = false;
      countsFresh = false;
      const u = process.resourceUsage();
      usage = u;
      // A new peak means the resident set grew: read it now, not at the next slow sample.
      if (u.maxRSS > peakAtRss) {
        peakAtRss = u.maxRSS;
        maxRss.set(u.maxRSS * 1024); // getrusage reports KiB
        readRss();
      }
      // usToTicks, inlined (a call costs about a µs here).
      cpuUser.set(u.userCPUTime * 1000);
      cpuSystem.set(u.systemCPUTime * 1000);
      // Compared inline (a LongRow.put() call is cold code of its own at 1 Hz).
      if (u.voluntaryContextSwitches !== lastVoluntary) voluntary.set(lastVoluntary = u.voluntaryContextSwitches);
      if (u.involuntaryContextSwitches !== lastInvoluntary) involuntary.set(lastInvoluntary = u.involuntaryContextSwitches);
      if (loopBusy) storeCounts(u);
    },
    slowSample() {
      if (!rssFresh) readRss();
      if (!countsFresh) storeCounts(usage ?? process.resourceUsage());
    },
    close() {},
  };
}
