/**
 * A CounterRegistry that keeps counters in a Map, for testing the collectors by themselves
 * (the end-to-end tests use real regions). It enforces what the real writer enforces about
 * names: dotted ASCII identifiers, no duplicates.
 */
import type { CounterRegistry, LongHandle, StringHandle } from '../../src/runtime/counters.js';
import type { LongValue, Units, Variability } from '../../src/perfdata/types.js';

export interface Recorded {
  type: 'long' | 'string';
  units: Units;
  variability: Variability;
  value: LongValue | string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;

export class RecordingRegistry implements CounterRegistry {
  readonly counters = new Map<string, Recorded>();

  #declare(name: string, r: Recorded): Recorded {
    if (!NAME.test(name)) throw new Error(`invalid counter name ${JSON.stringify(name)}`);
    if (this.counters.has(name)) throw new Error(`duplicate counter ${name}`);
    this.counters.set(name, r);
    return r;
  }

  long(name: string, o: { units: Units; variability: Variability; value?: number | bigint }): LongHandle {
    const r = this.#declare(name, { type: 'long', units: o.units, variability: o.variability, value: o.value ?? 0 });
    const check = (v: number | bigint): LongValue => {
      if (typeof v === 'number' && !Number.isInteger(v)) throw new Error(`${name}: ${v} is not an integer`);
      return v;
    };
    return {
      inc: () => { r.value = Number(r.value) + 1; },
      add: (n) => { r.value = Number(r.value) + Number(check(n)); },
      set: (v) => { r.value = check(v); },
      get: () => r.value as LongValue,
    };
  }

  string(name: string, value: string, o: { variability: 'constant' | 'variable'; maxLength?: number }): StringHandle {
    const r = this.#declare(name, { type: 'string', units: 'string', variability: o.variability, value });
    return { set: (s) => { r.value = s; }, get: () => r.value as string };
  }

  /** The value of a long counter as a number (throws when missing). */
  num(name: string): number {
    const r = this.counters.get(name);
    if (r === undefined || r.type !== 'long') throw new Error(`no long counter ${name}`);
    return Number(r.value);
  }

  str(name: string): string {
    const r = this.counters.get(name);
    if (r === undefined || r.type !== 'string') throw new Error(`no string counter ${name}`);
    return r.value as string;
  }
}
