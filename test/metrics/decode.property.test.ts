/**
 * The reader side as a format: what this process writes, any reader decodes to the same text
 * (labels with quotes, newlines, backslashes, any Unicode; doubles of every kind), and hostile
 * bytes never crash the decoder or get through unchecked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';

const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-decode-'));
process.env.PERFMEM_DIR = dir;
process.env.PERFMEM_METRICS_SIZE = '4m';
const m = await import('../../src/metrics/index.js');
const { currentRegion } = await import('../../src/perfmemory/index.js');
const { readHeader } = await import('../../src/perfdata/index.js');

let run = 0;
const labelValue = fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('a"b', 'line\nbreak', 'back\\slash', 'ünï©ødé 🙂'), fc.integer());
const double = fc.double({ noNaN: true });

test('round trip: a reader decodes exactly the writer\'s own text', async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.tuple(labelValue, labelValue, double), { minLength: 1, maxLength: 6 }),
    fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 20 }),
    async (gaugeCalls, observations) => {
      run++;
      const registry = new m.Registry();
      const g = new m.Gauge({ name: `g_${run}`, help: `help ${run} with \\ and \n`, labelNames: ['a', 'b'], registers: [registry] });
      for (const [a, b, v] of gaugeCalls) g.set({ a: a as string, b: b as string }, v);
      const c = new m.Counter({ name: `c_${run}_total`, help: 'c', labelNames: ['a'], registers: [registry] });
      for (const [a, , v] of gaugeCalls) c.inc({ a: a as string }, Math.abs(v) === Infinity ? 1 : Math.abs(v));
      const h = new m.Histogram({ name: `h_${run}`, help: 'h', buckets: m.linearBuckets(-100, 50, 5), registers: [registry] });
      for (const v of observations) h.observe(v);
      const own = await registry.metrics();
      const names = new Set([`g_${run}`, `c_${run}_total`, `h_${run}`]);
      const decoded = m.decodeAppMetrics(currentRegion()!.bytes()).filter((f) => names.has(f.name));
      assert.equal(m.formatPrometheus(decoded), own);
    },
  ), { numRuns: 60 });
});

test('hostile bytes: the decoder bounds and checks everything it reads', () => {
  const s = new m.Summary({ name: 'hostile_summary', help: 'x', labelNames: ['k'], registers: [] });
  s.observe({ k: 'v' }, 1);
  // A counter with a non-zero integer part and a double (layout version 2), and one that is a double only.
  const c = new m.Counter({ name: 'hostile_total', help: 'x', labelNames: ['k'], registers: [] });
  c.labels('int').inc(2 ** 31 - 1);
  c.labels('int').inc(5);
  c.labels('frac').inc(0.5);
  const good = currentRegion()!.bytes().slice();
  // Flips land in the part of the region that holds entries (the rest is unused).
  const used = readHeader(good).used;
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(used - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }), (flips) => {
    const bytes = good.slice();
    for (const [at, v] of flips) bytes[at] = v;
    try {
      const r = m.decodeRegionMetrics(bytes, { reread: () => undefined });
      for (const f of r.families) {
        assert.match(f.name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
        for (const v of f.values) {
          assert.equal(typeof v.value, 'number');
          for (const [k, x] of Object.entries(v.labels)) {
            assert.match(k, /^[a-zA-Z_][a-zA-Z0-9_]*$/);
            assert.ok(typeof x === 'string' || typeof x === 'number');
          }
        }
      }
      m.formatPrometheus(r.families);
    } catch (err) {
      // Only the perfdata reader's own, coded refusals of a corrupt region are acceptable.
      assert.match(String((err as { code?: string }).code), /^ERR_PERFDATA_/, String(err));
    }
  }), { numRuns: 300 });
});

test('cleanup', () => {
  rmSync(dir, { recursive: true, force: true });
});
