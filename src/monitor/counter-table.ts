/**
 * A region's counters as one read gives them: values in an array, names by slot in a layout
 * shared by every read while the region's entries stay the same. A live region's layout changes
 * only when a writer declares an entry (perfmem declares its loop-histogram buckets lazily),
 * so a read costs one pass over the values, not the ~480 insertions of a fresh Map; and what
 * the monitor and the exporters derive from names alone (where the histogram's buckets are,
 * which counters are heap spaces) is derived once per layout (`derived`).
 *
 * A table is a ReadonlyMap, behaving exactly as the Map countersOf built before: same entries,
 * same order (the snapshot's counter order).
 */
import type { CounterInfo } from '../perfdata/types.js';

export type CounterValue = number | string;

export class CounterLayout {
  /** Each name once, in order of first appearance. */
  readonly names: readonly string[];
  readonly slots: ReadonlyMap<string, number>;
  /** The names as the read lists them (a name listed twice keeps its first place, as in a Map). */
  readonly #listed: readonly string[];
  /** The slot of each listed entry; undefined when every name is listed once (slot = index). */
  readonly slotOf: Int32Array | undefined;
  /** Facts derived from the names alone, by whoever derives them (see derived()). */
  readonly #derived = new Map<object, unknown>();

  constructor(listed: readonly string[]) {
    this.#listed = listed;
    const slots = new Map<string, number>();
    for (const name of listed) if (!slots.has(name)) slots.set(name, slots.size);
    this.slots = slots;
    this.names = slots.size === listed.length ? listed : [...slots.keys()];
    this.slotOf = slots.size === listed.length ? undefined : Int32Array.from(listed, (n) => slots.get(n)!);
  }

  /** `make(this)`, computed once per layout and kept under the key `make`. */
  derived<T>(make: (layout: CounterLayout) => T): T {
    let v = this.#derived.get(make) as T | undefined;
    if (v === undefined && !this.#derived.has(make)) this.#derived.set(make, (v = make(this)));
    return v as T;
  }

  /** True when `list` has these names in this order. */
  matches(list: readonly CounterInfo[]): boolean {
    const names = this.#listed;
    if (list.length !== names.length) return false;
    for (let i = 0; i < list.length; i++) if (list[i]!.name !== names[i]) return false;
    return true;
  }
}

export class CounterTable implements ReadonlyMap<string, CounterValue> {
  constructor(readonly layout: CounterLayout, readonly slotValues: readonly CounterValue[]) {}

  get size(): number {
    return this.slotValues.length;
  }

  get(name: string): CounterValue | undefined {
    const slot = this.layout.slots.get(name);
    return slot === undefined ? undefined : this.slotValues[slot];
  }

  has(name: string): boolean {
    return this.layout.slots.has(name);
  }

  forEach(fn: (value: CounterValue, key: string, map: ReadonlyMap<string, CounterValue>) => void, thisArg?: unknown): void {
    const { names } = this.layout;
    for (let i = 0; i < names.length; i++) fn.call(thisArg, this.slotValues[i]!, names[i]!, this);
  }

  *entries(): MapIterator<[string, CounterValue]> {
    const { names } = this.layout;
    for (let i = 0; i < names.length; i++) yield [names[i]!, this.slotValues[i]!];
  }

  *keys(): MapIterator<string> {
    yield* this.layout.names;
  }

  *values(): MapIterator<CounterValue> {
    yield* this.slotValues;
  }

  [Symbol.iterator](): MapIterator<[string, CounterValue]> {
    return this.entries();
  }
}

/**
 * The counters of one read as a table (longs as numbers: 2^53 is ample for ticks, bytes and
 * counts), on `previous`'s layout when the names are the same.
 */
export function tableOf(list: readonly CounterInfo[], previous: CounterLayout | undefined): CounterTable {
  const layout = previous !== undefined && previous.matches(list) ? previous : new CounterLayout(list.map((c) => c.name));
  const values = new Array<CounterValue>(layout.names.length);
  const slotOf = layout.slotOf;
  for (let i = 0; i < list.length; i++) {
    const v = list[i]!.value;
    values[slotOf === undefined ? i : slotOf[i]!] = typeof v === 'bigint' ? Number(v) : v;
  }
  return new CounterTable(layout, values);
}
