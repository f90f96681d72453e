/**
 * Point-in-time figures of one reading, the same for every runtime: RSS and threads from
 * /proc when readable, heap from V8's statistics (Node) or the generations' spaces (JVM).
 */
import { num, str, sumMatching, type Reading } from './reading.js';
import type { ProcessGauges } from './types.js';

const SPACE_USED = /^sun\.gc\.generation\.[01]\.space\.\d+\.used$/;
const SPACE_CAPACITY = /^sun\.gc\.generation\.[01]\.space\.\d+\.capacity$/;
const GEN_MAX = /^sun\.gc\.generation\.[01]\.maxCapacity$/;

export function gaugesOf(r: Reading, startTimeMs: number): ProcessGauges {
  const c = r.counters;
  const node = r.runtime === 'node';
  const blocked = r.loop.state === 'blocked';
  // While the main thread is blocked its own figures stand still; the watchdog's RSS does not.
  const regionRss = (blocked ? num(c, 'node.watchdog.rss') : undefined) ?? num(c, 'node.memory.rss');
  return {
    rssBytes: r.proc?.rssBytes ?? regionRss ?? null,
    heapUsedBytes: (node ? num(c, 'node.memory.heapUsed') : sumMatching(c, SPACE_USED)) ?? null,
    heapTotalBytes: (node ? num(c, 'node.memory.heapTotal') : sumMatching(c, SPACE_CAPACITY)) ?? null,
    heapLimitBytes: (node ? num(c, 'node.heap.heapSizeLimit') : sumMatching(c, GEN_MAX)) ?? null,
    handles: (node ? num(c, 'node.resources.total') : undefined) ?? null,
    threads: r.proc?.threads ?? num(c, 'java.threads.live') ?? null,
    uptimeSeconds: startTimeMs > 0 ? Math.max(0, (r.atMs - startTimeMs) / 1000) : null,
  };
}

/** The runtime's version: Node's `v20.x.y`, a JVM's java.vm.version. */
export function runtimeVersionOf(r: Reading): string {
  return (r.runtime === 'node' ? str(r.counters, 'node.version') : str(r.counters, 'java.property.java.vm.version')) ?? '';
}
