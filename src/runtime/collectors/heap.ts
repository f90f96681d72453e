/**
 * V8 heap statistics, per heap space, and their JVM mirrors so that `jstat -gc`/`-gcutil`
 * show V8's heap: eden = V8's new spaces, old generation = V8's old and large-object spaces.
 * V8 has no survivor, metaspace or compressed-class spaces: those counters are not published
 * (jstat prints `-` for them).
 *
 * v8.getHeapStatistics() (the heap as a whole, and memoryUsage()'s heap figures): every sample
 * while the loop is busy (it ran code for BUSY_FRACTION of the time since the last read), else
 * on the slow cadence (counters.ts: SLOW_EVERY), since an idle loop's heap does not move; it
 * costs 13-20 µs at a 1 Hz cadence, cold. The per-space figures and the JVM generation mirrors made of them come from
 * v8.getHeapSpaceStatistics() (one native call and one object per space), read on the slow
 * cadence (counters.ts: SLOW_EVERY), and at once when the heap's used or committed size moved
 * by SPACES_REREAD_BYTES since they were last read: a quiet heap's spaces are read every few
 * seconds, a growing or collected one's every sample.
 */
// Named imports: a default import of a Node module has the bundle copy its every export at load.
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { BUSY_FRACTION, lastActiveMs } from './event-loop.js';
import { LongRow, constantLong, constantString, variableLong, type CounterRegistry, type LongHandle, type PeriodicCollector, type SlowCollector } from '../counters.js';

/**
 * `total_heap_size` -> `totalHeapSize`: an underscore before a lowercase letter or a digit goes,
 * and the letter is capitalised. A loop: replace() with a callback is cold code of V8's regular
 * expressions that cost every start about 0.07 ms for these few names.
 */
export function camelCase(snake: string): string {
  let out = '';
  for (let i = 0; i < snake.length; i++) {
    const next = snake.charCodeAt(i + 1);
    if (snake[i] === '_' && ((next >= 0x61 && next <= 0x7a) || (next >= 0x30 && next <= 0x39))) out += snake[++i]!.toUpperCase();
    else out += snake[i];
  }
  return out;
}

/** `new_large_object_space` -> `newLargeObject`: the space's counter-name segment. */
export function spaceSegment(spaceName: string): string {
  return camelCase(spaceName.endsWith('_space') ? spaceName.slice(0, -'_space'.length) : spaceName);
}

/** V8 spaces whose objects are young (JVM eden) and old (JVM old generation). */
const YOUNG_SPACES = new Set(['new_space', 'new_large_object_space']);
const OLD_SPACES = new Set(['old_space', 'large_object_space']);

/** A change of the heap's used or committed size that has the spaces read at once (bytes). */
export const SPACES_REREAD_BYTES = 1 << 20;

interface SpaceHandles {
  size: LongHandle;
  used: LongHandle;
  available: LongHandle;
  physical: LongHandle;
  generation: 0 | 1 | -1;
}

export function heapCollector(r: CounterRegistry): PeriodicCollector & SlowCollector {
  // Heap-wide statistics: every numeric field V8 reports, under its camelCase name.
  const heapStats = getHeapStatistics() as unknown as Record<string, number>;
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
  const initialSpaces = getHeapSpaceStatistics();
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

  // Every figure of a sample in one row, so that those that did not move are not stored again.
  const heapFields = heapKeys.length;
  const row = new LongRow([
    ...heapHandles, heapTotal, heapUsed, external,
    ...spaces.flatMap((h) => [h.size, h.used, h.available, h.physical]),
    young.capacity, young.spaceCapacity, young.spaceUsed, old.capacity, old.spaceCapacity, old.spaceUsed,
  ]);
  const spacesAt = heapFields + 3;
  const mirrorsAt = spacesAt + spaces.length * 4;

  // The heap as a whole when the spaces were last read: a change of SPACES_REREAD_BYTES or
  // more since then has the spaces read at once, not at the next slow sample.
  let usedAtSpaces = NaN, totalAtSpaces = NaN, used = 0, total = 0, spacesFresh = false;
  const readSpaces = (): void => {
    spacesFresh = true;
    usedAtSpaces = used;
    totalAtSpaces = total;
    let youngSize = 0, youngUsed = 0, oldSize = 0, oldUsed = 0;
    const now = getHeapSpaceStatistics();
    // The list of spaces is fixed for the life of the isolate; index i is the same space.
    for (let i = 0, at = spacesAt; i < spaces.length && i < now.length; i++, at += 4) {
      const s = now[i]!, generation = spaces[i]!.generation;
      row.put(at, s.space_size);
      row.put(at + 1, s.space_used_size);
      row.put(at + 2, s.space_available_size);
      row.put(at + 3, s.physical_space_size);
      if (generation === 0) { youngSize += s.space_size; youngUsed += s.space_used_size; }
      else if (generation === 1) { oldSize += s.space_size; oldUsed += s.space_used_size; }
    }
    row.put(mirrorsAt, youngSize);
    row.put(mirrorsAt + 1, youngSize);
    row.put(mirrorsAt + 2, youngUsed);
    row.put(mirrorsAt + 3, oldSize);
    row.put(mirrorsAt + 4, oldSize);
    row.put(mirrorsAt + 5, oldUsed);
  };

  // The loop's active time and the clock at the last read of the heap as a whole.
  let heapFresh = false, activeAtHeap = NaN, heapAt = 0;
  const readHeap = (now: number): void => {
    heapFresh = true;
    activeAtHeap = lastActiveMs;
    heapAt = now;
    const stats = getHeapStatistics() as unknown as Record<string, number>;
    for (let i = 0; i < heapFields; i++) row.put(i, stats[heapKeys[i]!] ?? 0);
    total = stats.total_heap_size ?? 0;
    used = stats.used_heap_size ?? 0;
    row.put(heapFields, total);
    row.put(heapFields + 1, used);
    row.put(heapFields + 2, stats.external_memory ?? 0);
    if (!(Math.abs(used - usedAtSpaces) < SPACES_REREAD_BYTES && Math.abs(total - totalAtSpaces) < SPACES_REREAD_BYTES)) readSpaces();
  };

  return {
    sample(_scheduled?: boolean, now = performance.now()) {
      heapFresh = false;
      spacesFresh = false;
      // An idle loop allocates (next to) nothing: its heap is read on the slow cadence; a loop
      // that ran code since the last read (by the fast probe's measure of busy) is read now.
      if (!(lastActiveMs - activeAtHeap < BUSY_FRACTION * (now - heapAt))) readHeap(now);
    },
    slowSample() {
      if (!heapFresh) readHeap(performance.now());
      if (!spacesFresh) readSpaces();
    },
    close() {},
  };
}
