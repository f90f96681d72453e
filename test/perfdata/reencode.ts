/** Test helper: re-creates a region's counters, in order, with perfmem's writer. */
import { PerfDataWriter, parsePerfData } from '../../src/perfdata/index.js';

/** The bytes PerfDataWriter produces for the same names, types, values, flags, order and clock. */
export function reencode(bytes: Uint8Array): Uint8Array {
  const parsed = parsePerfData(bytes, { pseudoCounters: false });
  const out = new ArrayBuffer(bytes.length);
  const w = new PerfDataWriter(out, { clock: () => parsed.header.modTimeStamp });
  for (const c of parsed.counters) {
    if (c.type === 'long') w.long(c.name, { units: c.units, variability: c.variability, value: c.value, supported: c.supported });
    else w.string(c.name, c.value, { variability: c.variability === 'variable' ? 'variable' : 'constant', maxLength: c.maxLength, supported: c.supported });
  }
  return new Uint8Array(out);
}
