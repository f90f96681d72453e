/**
 * Garbage collections, counted as they happen from PerformanceObserver 'gc' entries (not
 * per sample), by V8's kind, and mirrored into the JVM collector counters jstat reads:
 * collector.0 = scavenges (young, YGC), collector.1 = mark-compact (full, FGC),
 * collector.2 = incremental-marking steps (the pauses of the concurrent cycle, CGC).
 */
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { constantString, monotonicLong, variableLong, type Collector, type CounterRegistry, type LongHandle, type StringHandle } from '../counters.js';
import { msToTicks } from '../clock.js';

export const GC_KINDS = ['minor', 'major', 'incremental', 'weakcb'] as const;
export type GcKind = (typeof GC_KINDS)[number];

/** perf_hooks' kind constant -> our kind word (undefined for a kind this Node does not document). */
export function gcKindName(kind: number): GcKind | undefined {
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MINOR: return 'minor';
    case constants.NODE_PERFORMANCE_GC_MAJOR: return 'major';
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL: return 'incremental';
    case constants.NODE_PERFORMANCE_GC_WEAKCB: return 'weakcb';
    default: return undefined;
  }
}

/** The JVM collector each kind is mirrored into (-1: none). */
const JVM_COLLECTOR: Record<GcKind, number> = { minor: 0, major: 1, incremental: 2, weakcb: -1 };
const JVM_COLLECTOR_NAMES = ['V8 scavenger (minor)', 'V8 mark-compact (major)', 'V8 incremental marking'];
/** What jstat -gccause shows as the last cause (LGCC): an explicit gc() call, or the kind. */
const CAUSES: Record<GcKind, string> = { minor: 'V8 scavenge', major: 'V8 mark-compact', incremental: 'V8 incremental marking', weakcb: 'V8 weak callbacks' };
export const FORCED_CAUSE = 'System.gc()';

interface KindHandles { count: LongHandle; time: LongHandle }
interface JvmCollector { invocations: LongHandle; time: LongHandle; lastEntryTime: LongHandle; lastExitTime: LongHandle }

export function gcCollector(r: CounterRegistry): Collector {
  const byKind = new Map<GcKind, KindHandles>();
  for (const kind of GC_KINDS) {
    byKind.set(kind, {
      count: monotonicLong(r, `node.gc.${kind}.count`, 'events'),
      time: monotonicLong(r, `node.gc.${kind}.time`, 'ticks'),
    });
  }
  const total: KindHandles = { count: monotonicLong(r, 'node.gc.count', 'events'), time: monotonicLong(r, 'node.gc.time', 'ticks') };
  const lastDuration = variableLong(r, 'node.gc.last.duration', 'ticks');
  const lastKind: StringHandle = r.string('node.gc.last.kind', '', { variability: 'variable', maxLength: 16 });

  const jvm: JvmCollector[] = JVM_COLLECTOR_NAMES.map((name, i) => {
    constantString(r, `sun.gc.collector.${i}.name`, name);
    return {
      invocations: monotonicLong(r, `sun.gc.collector.${i}.invocations`, 'events'),
      time: monotonicLong(r, `sun.gc.collector.${i}.time`, 'ticks'),
      lastEntryTime: variableLong(r, `sun.gc.collector.${i}.lastEntryTime`, 'ticks'),
      lastExitTime: variableLong(r, `sun.gc.collector.${i}.lastExitTime`, 'ticks'),
    };
  });
  r.long('sun.gc.policy.collectors', { units: 'none', variability: 'constant', value: jvm.length });
  // JavaScript never runs during a collection, so whenever anyone can look there is none.
  r.string('sun.gc.cause', 'No GC', { variability: 'variable', maxLength: 64 });
  const lastCause: StringHandle = r.string('sun.gc.lastCause', 'No GC', { variability: 'variable', maxLength: 64 });

  const record = (entry: PerformanceEntry): void => {
    const detail = (entry as PerformanceEntry & { detail?: { kind?: number; flags?: number } }).detail;
    const kind = gcKindName(detail?.kind ?? -1);
    if (kind === undefined) return;
    const ticks = msToTicks(entry.duration);
    const h = byKind.get(kind)!;
    h.count.inc();
    h.time.add(ticks);
    total.count.inc();
    total.time.add(ticks);
    lastDuration.set(ticks);
    lastKind.set(kind);
    const forced = ((detail?.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0;
    if (kind !== 'weakcb') lastCause.set(forced ? FORCED_CAUSE : CAUSES[kind]);
    const c = jvm[JVM_COLLECTOR[kind]];
    if (c !== undefined) {
      // Entry and exit times in ticks since process start, like HotSpot's elapsed counter.
      const start = msToTicks(entry.startTime);
      c.invocations.inc();
      c.time.add(ticks);
      c.lastEntryTime.set(start);
      c.lastExitTime.set(start + ticks);
    }
  };

  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) record(entry);
  });
  observer.observe({ entryTypes: ['gc'] });

  // No sample(): everything is written as collections happen.
  return {
    close() { observer.disconnect(); },
  };
}
