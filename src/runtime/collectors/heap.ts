/**
 * V8 heap statistics, per heap space, and their JVM mirrors so that `jstat -gc`/`-gcutil`
 * show V8's heap: eden = V8's new spaces, old generation = V8's old and large-object spaces.
 * V8 has no survivor, metaspace or compressed-class spaces: those counters are not published
 * (jstat prints `-` for them).
 */
import v8 from 'node:v8';
import { constantLong, constantString, variableLong, type Collector, type CounterRegistry, type LongHandle } from '../counters.js';

/** `total_heap_size` -> `totalHeapSize`. */
export function camelCase(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `new_large_object_space` -> `newLargeObject`: the space's counter-name segment. */
export function spaceSegment(spaceName: string): string {
  return camelCase(spaceName.replace(/_space$/, ''));
}

/** V8 spaces whose objects are young (JVM eden) and old (JVM old generation). */
const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);
const OLD_SPACES = new Set(['old_space', 'large_object_space']);

interface SpaceHandles {
  size: LongHandle;
  used: LongHandle;
  available: LongHandle;
  physical: LongHandle;
  generation: 0 | 1 | -1;
}

export function heapCollector(r: CounterRegistry): Collector {
  // Heap-wide statistics: every numeric field V8 reports, under its camelCase name.
  const heapStats = v8.getHeapStatistics() as unknown as Record<string, number>;
  const heapKeys: string[] = [];
  const heapHandles: LongHandle[] = [];
  for (const [key, value] of Object.entries(heapStats)) {
    if (typeof value !== 'number') continue;
    const isCount = key.startsWith('number_of_') || key === 'does_zap_garbage';
    heapKeys.push(key);
    heapHandles.push(variableLong(r, `node.heap.${camelCase(key)}`, isCount ? 'none' : 'bytes'));
  }

  // process.memoryUsage()'s heap figures, from the same call (memoryUsage() would read them again).
  const heapTotal = variableLong(r, 'node.memory.heapTotal', 'bytes');
  const heapUsed = variableLong(r, 'node.memory.heapUsed', 'bytes');
  const external = variableLong(r, 'node.memory.external', 'bytes');

  const spaces: SpaceHandles[] = [];
  const initialSpaces = v8.getHeapSpaceStatistics();
  for (const s of initialSpaces) {
    const base = `node.heap.space.${spaceSegment(s.space_name)}`;
    spaces.push({
      size: variableLong(r, `${base}.size`, 'bytes'),
      used: variableLong(r, `${base}.used`, 'bytes'),
      available: variableLong(r, `${base}.available`, 'bytes'),
      physical: variableLong(r, `${base}.physical`, 'bytes'),
      generation: YOUNG_SPACES.has(s.space_name) ? 0 : OLD_SPACES.has(s.space_name) ? 1 : -1,
    });
  }

  // JVM mirrors: two generations of one space each, as the JDK's jstat options read them.
  const gen = (n: 0 | 1, name: string, spaceName: string) => {
    constantString(r, `sun.gc.generation.${n}.name`, name);
    constantLong(r, `sun.gc.generation.${n}.spaces`, 1);
    constantString(r, `sun.gc.generation.${n}.space.0.name`, spaceName);
    return {
      capacity: variableLong(r, `sun.gc.generation.${n}.capacity`, 'bytes'),
      spaceCapacity: variableLong(r, `sun.gc.generation.${n}.space.0.capacity`, 'bytes'),
      spaceUsed: variableLong(r, `sun.gc.generation.${n}.space.0.used`, 'bytes'),
    };
  };
  constantString(r, 'sun.gc.policy.name', 'V8');
  constantLong(r, 'sun.gc.policy.generations', 2);
  const young = gen(0, 'young', 'eden');
  const old = gen(1, 'old', 'space');
  // V8's limit on the whole heap, the closest figure to the old generation's maximum.
  constantLong(r, 'sun.gc.generation.1.maxCapacity', heapStats.heap_size_limit ?? 0, 'bytes');

  return {
    sample() {
      const stats = v8.getHeapStatistics() as unknown as Record<string, number>;
      for (let i = 0; i < heapKeys.length; i++) heapHandles[i]!.set(stats[heapKeys[i]!] ?? 0);
      heapTotal.set(stats.total_heap_size ?? 0);
      heapUsed.set(stats.used_heap_size ?? 0);
      external.set(stats.external_memory ?? 0);

      let youngSize = 0, youngUsed = 0, oldSize = 0, oldUsed = 0;
      const now = v8.getHeapSpaceStatistics();
      // The list of spaces is fixed for the life of the isolate; index i is the same space.
      for (let i = 0; i < spaces.length && i < now.length; i++) {
        const s = now[i]!, h = spaces[i]!;
        h.size.set(s.space_size);
        h.used.set(s.space_used_size);
        h.available.set(s.space_available_size);
        h.physical.set(s.physical_space_size);
        if (h.generation === 0) { youngSize += s.space_size; youngUsed += s.space_used_size; }
        else if (h.generation === 1) { oldSize += s.space_size; oldUsed += s.space_used_size; }
      }
      young.capacity.set(youngSize);
      young.spaceCapacity.set(youngSize);
      young.spaceUsed.set(youngUsed);
      old.capacity.set(oldSize);
      old.spaceCapacity.set(oldSize);
      old.spaceUsed.set(oldUsed);
    },
    close() {},
  };
}
