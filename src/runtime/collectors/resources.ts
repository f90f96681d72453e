/**
 * Active libuv resources by type (process.getActiveResourcesInfo(): 'TCPWrap', 'Timeout',
 * 'FSReqCallback', ...). A counter is created the first time a type is seen, up to a bound,
 * and set to 0 while none of that type is active. Read on the slow cadence (counters.ts:
 * SLOW_EVERY): the list is an array of strings built for each call.
 */
import { variableLong, type CounterRegistry, type LongHandle, type SlowCollector } from '../counters.js';

/** More types than any Node has; types beyond it are counted in the total only. */
export const MAX_RESOURCE_TYPES = 48;

/** A resource type as a counter-name segment: ASCII letters and digits only. */
export function resourceSegment(type: string): string {
  const s = type.replace(/[^A-Za-z0-9]/g, '');
  return s === '' ? 'unknown' : /^[0-9]/.test(s) ? `t${s}` : s;
}

interface Slot { handle: LongHandle; count: number }

export function resourcesCollector(r: CounterRegistry): SlowCollector {
  const total = variableLong(r, 'node.resources.total', 'none');
  const slotsBySegment = new Map<string, Slot>();
  const slots: Slot[] = [];
  // Two types that collapse to one segment share its slot.
  const slotsByType = new Map<string, Slot | null>();

  const slotFor = (type: string): Slot | null => {
    let slot = slotsByType.get(type);
    if (slot !== undefined) return slot;
    const segment = resourceSegment(type);
    slot = slotsBySegment.get(segment) ?? null;
    if (slot === null && slotsBySegment.size < MAX_RESOURCE_TYPES) {
      slot = { handle: variableLong(r, `node.resources.${segment}`, 'none'), count: 0 };
      slotsBySegment.set(segment, slot);
      slots.push(slot);
    }
    slotsByType.set(type, slot);
    return slot;
  };

  return {
    slowSample() {
      const info = process.getActiveResourcesInfo();
      for (let i = 0; i < slots.length; i++) slots[i]!.count = 0;
      for (let i = 0; i < info.length; i++) {
        const slot = slotFor(info[i]!);
        if (slot !== null) slot.count++;
      }
      for (let i = 0; i < slots.length; i++) slots[i]!.handle.set(slots[i]!.count);
      total.set(info.length);
    },
    close() {},
  };
}
