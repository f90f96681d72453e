/**
 * What a perfdata counter update and a region parse cost. `counter update`: one update of a
 * long counter in a region against a plain typed-array store (the goal: inc() within
 * 1.3x) and against prom-client's Counter.inc(). `parse`: decoding a JVM-sized region of about
 * 200 counters, against copying its 32 KiB.
 */
import { readFileSync } from 'node:fs';
import { Counter } from 'prom-client';
import { benchMain, nsPerOp, sink } from './harness.js';
import { PerfDataReader, PerfDataWriter, locateEntries, parsePerfData } from '../src/perfdata/index.js';
import { parseWithoutCache } from '../src/perfdata/reader.js';

/*
 * Every counter-update loop has the same shape, `for (let i = 0, m = n | 0; i < m; i++)`: an
 * int32 bound. With `i < n` on the tagged parameter, TurboFan re-checks that n is a small
 * integer on every iteration unless it peels the loop, and it cannot peel a loop whose body
 * has a deoptimization exit (LongCounter.inc()'s never-taken carry, prom-client's checks), so
 * the loop's own check (one compare and branch, a third of a 0.8 ns iteration) was charged to
 * some variants and not to others (--trace-turbo-loop: "Cannot peel loop ... Deoptimize").
 */
const writer = new PerfDataWriter(new ArrayBuffer(32 * 1024));
const counter = writer.long('bench.events', { units: 'events', variability: 'monotonic' });
const u32 = new Uint32Array(1024);
const i32 = new Int32Array(1024);

/** About 200 counters, mostly longs, with strings of the sizes HotSpot's properties have. */
function jvmSizedRegion(): Uint8Array {
  const w = new PerfDataWriter(new ArrayBuffer(32 * 1024));
  for (let i = 0; i < 170; i++) w.long(`sun.gc.generation.${i % 3}.space.${i}.used`, { units: 'bytes', value: i * 1_000_003 });
  for (let i = 0; i < 30; i++) w.string(`java.property.bench.${i}.value`, `/usr/lib/jvm/java-17-openjdk-amd64/lib/${i}`, { variability: i % 3 === 0 ? 'variable' : 'constant' });
  return new Uint8Array(w.buffer);
}

const fixture = new Uint8Array(readFileSync(new URL('../../test/fixtures/hsperfdata/xin_13223', import.meta.url)));
const synthetic = jvmSizedRegion();
const copy = new Uint8Array(32 * 1024);

function storeThrough(a: Uint32Array, n: number): void {
  for (let i = 0, m = n | 0; i < m; i++) a[i & 1023] = i;
  sink.value = a[5];
}

function incThrough(c: { inc(): void }, n: number): void {
  for (let i = 0, m = n | 0; i < m; i++) c.inc();
  sink.value = c;
}

function promCounter(labelNames: string[] = []): Counter {
  return new Counter({ name: `bench_total_${labelNames.length}`, help: 'bench', labelNames, registers: [] });
}

function parseGroup(name: string, bytes: Uint8Array, description: string) {
  const reader = new PerfDataReader({ cacheConstantStrings: true });
  return {
    name,
    unit: 'µs/op',
    description,
    variants: {
      'copy the region (Uint8Array.set)': { baseline: true, run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) copy.set(bytes); sink.value = copy[9]; }) / 1000 },
      'parsePerfData, first time (full walk)': { run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) sink.value = parseWithoutCache(bytes); }) / 1000 },
      'parsePerfData, same buffer again': { run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) sink.value = parsePerfData(bytes); }) / 1000 },
      'PerfDataReader.read again (constant strings kept)': { run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) sink.value = reader.read(bytes); }) / 1000 },
      'locateEntries': { run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) sink.value = locateEntries(bytes); }) / 1000 },
    },
  };
}

await benchMain([
  {
    name: 'counter update',
    unit: 'ns/op',
    description: 'One update of a 64-bit counter in a loop: perfmem handles in a region, a plain typed-array store, prom-client.',
    goals: [
      { variant: 'LongCounter.inc()', maxRatio: 1.3, source: 'issue 10 item 1' },
      { variant: 'LongCounter.inc()', below: 'prom-client Counter.inc()', source: 'issue 10 item 1' },
      { variant: 'LongCounter.set(i)', maxRatio: 1.3, to: 'Uint32Array store after a load of the other word', source: 'issue 10 item 1 (set() must see the high word unchanged)' },
      { variant: 'LongCounter.add(3) (atomic)', maxRatio: 1.3, to: 'Atomics.add on an Int32Array', source: 'issue 10 item 1 (add() is atomic)' },
    ],
    variants: {
      'Uint32Array store': { baseline: true, run: () => nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) u32[i & 1023] = i; sink.value = u32[5]; }) },
      'Uint32Array store after a load of the other word': {
        note: 'the floor for set(), which stores 32 bits only while the high word is 0',
        run: () => nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) { if (u32[(i & 1023) ^ 1] === 0) u32[i & 1023] = 0; } sink.value = u32[5]; }),
      },
      'Uint32Array element ++': { run: () => nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) u32[7]!++; sink.value = u32[7]; }) },
      'LongCounter.inc()': { run: () => nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) counter.inc(); sink.value = counter.get(); }) },
      'Atomics.add on an Int32Array': { note: 'the floor for add(), which is atomic', run: () => nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) Atomics.add(i32, 9, 3); sink.value = i32[9]; }) },
      'LongCounter.add(3) (atomic)': { run: () => nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) counter.add(3); sink.value = counter.get(); }) },
      'LongCounter.add(3n) (bigint)': { run: () => nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) counter.add(3n); sink.value = counter.get(); }) },
      'LongCounter.set(i)': { run: () => nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) counter.set(i); sink.value = counter.get(); }) },
      'prom-client Counter.inc()': { run: () => { const c = promCounter(); return nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) c.inc(); sink.value = c; }); } },
      // The same updates through a handle the optimiser cannot fold into a constant (a function's
      // parameter, as in a helper that takes the counter): the handle's map and fields are
      // checked and loaded on each call. For information; the goals are on the variants above.
      'Uint32Array store, array as a parameter': { run: () => nsPerOp((n) => storeThrough(u32, n)) },
      'LongCounter.inc(), handle as a parameter': { run: () => nsPerOp((n) => incThrough(counter, n)) },
      'prom-client Counter.inc(), counter as a parameter': { run: () => { const c = promCounter(); return nsPerOp((n) => incThrough(c, n)); } },
      'prom-client Counter.inc(labels)': {
        run: () => {
          const c = promCounter(['method', 'code']);
          return nsPerOp((n) => { for (let i = 0, m = n | 0; i < m; i++) c.inc({ method: 'GET', code: '200' }); sink.value = c; });
        },
      },
    },
  },
  parseGroup('parse a 212-counter JVM region', fixture, 'A JDK 6 region from the fixtures (212 counters, 32 KiB), whole.'),
  parseGroup('parse a 200-counter perfmem region', synthetic, '170 longs and 30 strings written by PerfDataWriter (32 KiB).'),
]);
