/**
 * A JVM's hsperfdata counters to the conventions' jvm.* names. The pool and collector names
 * are the ones the JVM's own management beans (and so OpenTelemetry's Java agent) report, so
 * dashboards built for the agent work unchanged; an unknown collector keeps its hsperfdata name.
 */
import type { HistogramValue, MetricsBuilder, Value } from './builder.js';
import type { Attributes } from './model.js';
import { bounded } from './resource.js';
import { ATTRIBUTES as A, METRICS as M } from './semconv.js';
import type { Lookup } from './map-node.js';

export type StringLookup = (name: string) => string | undefined;

interface Pool { used: number; committed: number; limit?: number }

/** hsperfdata's space names per GC policy -> the memory pool bean names. */
const POOL_NAMES: Record<string, Record<string, string>> = {
  GarbageFirst: { eden: 'G1 Eden Space', s0: 'G1 Survivor Space', s1: 'G1 Survivor Space', old: 'G1 Old Gen', perm: 'G1 Perm Gen' },
  'ParScav:MSC': { eden: 'PS Eden Space', s0: 'PS Survivor Space', s1: 'PS Survivor Space', old: 'PS Old Gen', perm: 'PS Perm Gen' },
  'Copy:MSC': { eden: 'Eden Space', s0: 'Survivor Space', s1: 'Survivor Space', old: 'Tenured Gen', perm: 'Perm Gen' },
};

/** hsperfdata's collector names -> [GarbageCollectorMXBean name, the agent's jvm.gc.action]. */
const COLLECTORS: Record<string, readonly [string, string]> = {
  'G1 young collection pauses': ['G1 Young Generation', 'end of minor GC'],
  'G1 incremental collections': ['G1 Young Generation', 'end of minor GC'],
  'G1 full collection pauses': ['G1 Old Generation', 'end of major GC'],
  'G1 stop-the-world full collections': ['G1 Old Generation', 'end of major GC'],
  'G1 concurrent cycle pauses': ['G1 Concurrent GC', 'end of concurrent GC'],
  PSScavenge: ['PS Scavenge', 'end of minor GC'],
  PSParallelCompact: ['PS MarkSweep', 'end of major GC'],
  Copy: ['Copy', 'end of minor GC'],
  MSC: ['MarkSweepCompact', 'end of major GC'],
};

const MAX_GENERATIONS = 4, MAX_SPACES = 8, MAX_COLLECTORS = 8;

export function mapJvm(b: MetricsBuilder, get: Lookup, str: StringLookup, cpuSeconds: number | undefined): void {
  const freq = get('sun.os.hrt.frequency') ?? 1e9;
  const policy = str('sun.gc.policy.name') ?? '';
  const names = POOL_NAMES[policy];

  // Heap pools: every space of every generation, survivors merged as the beans do.
  const heap = new Map<string, Pool>();
  const nonHeap = new Map<string, Pool>();
  const generations = Math.min(MAX_GENERATIONS, get('sun.gc.policy.generations') ?? 0);
  for (let g = 0; g < generations; g++) {
    const genName = str(`sun.gc.generation.${g}.name`) ?? `generation ${g}`;
    const spaces = Math.min(MAX_SPACES, get(`sun.gc.generation.${g}.spaces`) ?? 0);
    for (let s = 0; s < spaces; s++) {
      const p = `sun.gc.generation.${g}.space.${s}`;
      const spaceName = str(`${p}.name`) ?? `space ${s}`;
      const used = get(`${p}.used`), committed = get(`${p}.capacity`);
      if (used === undefined || committed === undefined) continue;
      // The old generation's one space is "old" or "space" depending on the collector.
      const key = genName === 'old' || genName === 'perm' ? genName : spaceName;
      const pool = bounded(names?.[key] ?? `${genName} ${spaceName}`, 128);
      // JDK 7's permanent generation holds classes: non-heap, as its bean says.
      const pools = genName === 'perm' ? nonHeap : heap;
      const max = get(`${p}.maxCapacity`);
      // G1's young pools have no maximum of their own (their beans report -1).
      const limit = policy === 'GarbageFirst' && genName !== 'old' ? undefined : max;
      const had = pools.get(pool);
      if (had === undefined) pools.set(pool, { used, committed, limit });
      else { had.used += used; had.committed += committed; }
    }
  }
  for (const [counter, pool] of [['sun.gc.metaspace', 'Metaspace'], ['sun.gc.compressedclassspace', 'Compressed Class Space']] as const) {
    const used = get(`${counter}.used`), committed = get(`${counter}.capacity`);
    if (used !== undefined && committed !== undefined) nonHeap.set(pool, { used, committed, limit: get(`${counter}.maxCapacity`) });
  }
  const pools = (pick: (p: Pool) => Value): Array<readonly [Attributes, Value]> => [
    ...[...heap].map(([name, p]) => [{ [A.jvmMemoryType]: 'heap', [A.jvmMemoryPoolName]: name }, pick(p)] as const),
    ...[...nonHeap].map(([name, p]) => [{ [A.jvmMemoryType]: 'non_heap', [A.jvmMemoryPoolName]: name }, pick(p)] as const),
  ];
  b.sum(M.jvmMemoryUsed, false, pools((p) => p.used), true);
  b.sum(M.jvmMemoryCommitted, false, pools((p) => p.committed), true);
  b.sum(M.jvmMemoryLimit, false, pools((p) => p.limit), true);

  // Collections: hsperfdata keeps a count and a total time per collector, not each pause.
  const gc: HistogramValue[] = [];
  const collectors = Math.min(MAX_COLLECTORS, Math.max(get('sun.gc.policy.collectors') ?? 0, 3));
  for (let i = 0; i < collectors; i++) {
    const name = str(`sun.gc.collector.${i}.name`);
    const count = get(`sun.gc.collector.${i}.invocations`), time = get(`sun.gc.collector.${i}.time`);
    if (name === undefined || count === undefined || time === undefined) continue;
    const [bean, action] = COLLECTORS[name] ?? [bounded(name, 128), 'end of GC'];
    gc.push({ attributes: { [A.jvmGcName]: bean, [A.jvmGcAction]: action }, count, sum: time / freq });
  }
  b.histogram(M.jvmGcDuration, gc);

  const live = get('java.threads.live'), daemon = get('java.threads.daemon');
  b.sum(M.jvmThreadCount, false, [
    [{ [A.jvmThreadDaemon]: true }, daemon],
    [{ [A.jvmThreadDaemon]: false }, live !== undefined && daemon !== undefined ? live - daemon : undefined],
  ], true);

  // The ClassLoadingMXBean's totals include classes from the shared archive (CDS).
  const plus = (a: Value, c: Value): Value => (a === undefined ? undefined : a + (c ?? 0));
  const loaded = plus(get('java.cls.loadedClasses'), get('java.cls.sharedLoadedClasses'));
  const unloaded = plus(get('java.cls.unloadedClasses'), get('java.cls.sharedUnloadedClasses'));
  b.sum(M.jvmClassLoaded, true, [[{}, loaded]], true);
  b.sum(M.jvmClassUnloaded, true, [[{}, unloaded]], true);
  b.sum(M.jvmClassCount, false, [[{}, loaded !== undefined && unloaded !== undefined ? loaded - unloaded : undefined]], true);

  // hsperfdata has no CPU counter: the process's CPU time comes from /proc.
  b.sum(M.jvmCpuTime, true, [[{}, cpuSeconds]]);
}
