/**
 * hsperfdata's memory pools and collectors under the names client_java (and JMX) gives them,
 * so JVM dashboards built on client_java's `jvm_memory_pool_*{pool}` and
 * `jvm_gc_collection_seconds{gc}` work unchanged. docs/serve.md shows these tables.
 */

/** Collector names as hsperfdata publishes them (JDK 17 and JDK 8) -> GarbageCollectorMXBean names. */
export const COLLECTOR_NAMES: Readonly<Record<string, string>> = {
  'G1 young collection pauses': 'G1 Young Generation',
  'G1 incremental collections': 'G1 Young Generation',
  'G1 full collection pauses': 'G1 Old Generation',
  'G1 stop-the-world full collections': 'G1 Old Generation',
  'G1 concurrent cycle pauses': 'G1 Concurrent GC',
  'Parallel young collection pauses': 'PS Scavenge',
  PSScavenge: 'PS Scavenge',
  'Parallel full collection pauses': 'PS MarkSweep',
  PSParallelCompact: 'PS MarkSweep',
  'Serial young collection pauses': 'Copy',
  Copy: 'Copy',
  'Serial full collection pauses': 'MarkSweepCompact',
  MSC: 'MarkSweepCompact',
  ParNew: 'ParNew',
  CMS: 'ConcurrentMarkSweep',
};

/** The prefix MemoryPoolMXBean names carry per GC policy (sun.gc.policy.name). */
function policyPrefix(policy: string): { prefix: string; old: string } {
  if (policy === 'GarbageFirst') return { prefix: 'G1 ', old: 'G1 Old Gen' };
  if (policy.startsWith('ParScav') || policy.startsWith('PSScavenge')) return { prefix: 'PS ', old: 'PS Old Gen' };
  if (policy.startsWith('Copy')) return { prefix: '', old: 'Tenured Gen' };
  if (policy.startsWith('ParNew')) return { prefix: 'Par ', old: 'CMS Old Gen' };
  return { prefix: '', old: 'Old Gen' };
}

/**
 * The pool a generation's space belongs to: generation 0's `eden` -> "<prefix>Eden Space",
 * `s0`/`s1` -> "<prefix>Survivor Space" (summed, as JMX reports one survivor pool), generation
 * 1 -> the old generation's pool, generation 2 (JDK 7's permanent generation) -> "<prefix>Perm Gen".
 * Anything else keeps hsperfdata's own names.
 */
export function poolName(policy: string, generation: number, generationName: string, spaceName: string): string {
  const { prefix, old } = policyPrefix(policy);
  if (generation === 0 && spaceName === 'eden') return `${prefix}Eden Space`;
  if (generation === 0 && (spaceName === 's0' || spaceName === 's1')) return `${prefix}Survivor Space`;
  if (generation === 1) return old;
  if (generation === 2 && generationName === 'perm') return `${prefix}Perm Gen`;
  return `${generationName} ${spaceName}`.trim();
}

/** Non-heap pools from their own counters. */
export const NONHEAP_POOLS: readonly (readonly [prefix: string, pool: string])[] = [
  ['sun.gc.metaspace', 'Metaspace'],
  ['sun.gc.compressedclassspace', 'Compressed Class Space'],
];
