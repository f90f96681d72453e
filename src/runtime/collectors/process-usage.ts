/**
 * CPU time, memory and getrusage(2) figures. One process.resourceUsage() and one
 * process.memoryUsage() per sample: each builds one small object, nothing else allocates.
 */
import { monotonicLong, variableLong, type Collector, type CounterRegistry } from '../counters.js';
import { usToTicks } from '../clock.js';

export function processUsageCollector(r: CounterRegistry): Collector {
  const cpuUser = monotonicLong(r, 'node.cpu.user', 'ticks');
  const cpuSystem = monotonicLong(r, 'node.cpu.system', 'ticks');

  const rss = variableLong(r, 'node.memory.rss', 'bytes');
  const maxRss = variableLong(r, 'node.memory.maxRss', 'bytes');
  const heapTotal = variableLong(r, 'node.memory.heapTotal', 'bytes');
  const heapUsed = variableLong(r, 'node.memory.heapUsed', 'bytes');
  const external = variableLong(r, 'node.memory.external', 'bytes');
  const arrayBuffers = variableLong(r, 'node.memory.arrayBuffers', 'bytes');

  const minorFaults = monotonicLong(r, 'node.rusage.minorPageFaults', 'events');
  const majorFaults = monotonicLong(r, 'node.rusage.majorPageFaults', 'events');
  const fsReads = monotonicLong(r, 'node.rusage.fsReads', 'events');
  const fsWrites = monotonicLong(r, 'node.rusage.fsWrites', 'events');
  const voluntary = monotonicLong(r, 'node.rusage.voluntaryContextSwitches', 'events');
  const involuntary = monotonicLong(r, 'node.rusage.involuntaryContextSwitches', 'events');

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

      const m = process.memoryUsage();
      rss.set(m.rss);
      heapTotal.set(m.heapTotal);
      heapUsed.set(m.heapUsed);
      external.set(m.external);
      arrayBuffers.set(m.arrayBuffers);
    },
    close() {},
  };
}
