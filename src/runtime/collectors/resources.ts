/**
 * Active libuv resources by type (process.getActiveResourcesInfo(): 'TCPWrap', 'Timeout',
 * 'FSReqCallback', ...). A counter is created the first time a type is seen, up to a bound,
 * and set to 0 while none of that type is active.
 */
import { variableLong, type Collector, type CounterRegistry, type LongHandle } from '../counters.js';

/** More types than any Node has; types beyond it are counted in the total only. */
export const MAX_RESOURCE_TYPES = 48;

/** A resource type as a counter-name segment: ASCII letters and digits only. */
export function resourceSegment(type: string): string {
  const s = type.replace(/[^A-Za-z0-9]/g, '');
  return s === '' ? 'unknown' : /^[0-9]/.test(s) ? `t${s}` : s;
}

interface Slot { handle: LongHandle; count: number }

export function resourcesCollector(r: CounterRegistry): Collector {
  const total = variableLong(r, 'node.resources.total', 'none');
  const slotsBySegment = new Map<string, Slot>();
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
    }
    slotsByType.set(type, slot);
    return slot;
  };

  return {
    sample() {
      const info = process.getActiveResourcesInfo();
      for (const slot of slotsBySegment.values()) slot.count = 0;
      for (const type of info) {
        const slot = slotFor(type);
        if (slot !== null) slot.count++;
      }
      for (const slot of slotsBySegment.values()) slot.handle.set(slot.count);
      total.set(info.length);
    },
    close() {},
  };
}
