/**
 * A counter's integer part (layout version 2): inc() and inc(<small integer>) add to a 32-bit
 * word next to the double, folded into the double under the seqlock when it would pass
 * 2^31 - 1. Checked on the raw block (where each part is, the seqlock around a fold), against
 * prom-client's own running sum for random call sequences (folds, fractions, huge values,
 * NaN, reset, remove, a kept child used after them), and through every reader: get(), metrics(), a region decode, and a
 * version 1 block (no integer part) still read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import fc from 'fast-check';

const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-int-'));
process.env.PERFMEM_DIR = dir;
process.env.PERFMEM_METRICS_SIZE = '4m';
const ours = await import('../../src/metrics/index.js');
const { currentRegion } = await import('../../src/perfmemory/index.js');
const { locateEntries } = await import('../../src/perfdata/index.js');
const prom = createRequire(import.meta.url)('prom-client') as typeof ours;

const BOUND = 2 ** 31 - 1;

/** The live bytes of the series block of `name` whose label JSON is `labels` (offsets as in docs/metrics.md). */
function block(name: string, labels: string): { f64: () => number; int: () => number; seq: () => [number, number]; version: () => number; at: number } {
  const bytes = currentRegion()!.bytes();
  const entries = locateEntries(bytes);
  const family = entries.find((e) => /^perfmem\.metrics\.v1\.f\d+$/.test(e.name)
    && new TextDecoder().decode(bytes.subarray(e.dataOffset + 8, e.dataOffset + 8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(e.dataOffset + 4, true))).includes(`"n":"${name}"`));
  assert.ok(family, `family ${name}`);
  const at = entries.find((e) => e.name.startsWith(`${family.name}.s`)
    && new TextDecoder().decode(bytes.subarray(e.dataOffset + 32, e.dataOffset + 32 + labels.length)) === labels)?.dataOffset;
  assert.ok(at !== undefined, `series ${labels}`);
  const dv = (): DataView => new DataView(currentRegion()!.bytes().buffer, currentRegion()!.bytes().byteOffset);
  return {
    at,
    version: () => dv().getUint8(at + 1),
    f64: () => dv().getFloat64(at + 16, true),
    int: () => dv().getUint32(at + 24, true),
    seq: () => [dv().getInt32(at + 8, true), dv().getInt32(at + 28, true)],
  };
}

async function value(c: { get(): Promise<{ values: { value: number; labels: object }[] }> }, labels: object = {}): Promise<number | undefined> {
  return (await c.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value;
}

/** This process's families decoded from its region, as another process reads them. */
function decoded(name: string): number[] {
  return ours.decodeAppMetrics(currentRegion()!.bytes()).find((f) => f.name === name)?.values.map((v) => v.value) ?? [];
}

test('inc() adds to the integer part; crossing 2^31 - 1 folds it into the double under the seqlock', async () => {
  const c = new ours.Counter({ name: 'fold_total', help: 'h', labelNames: ['k'], registers: [] });
  const child = c.labels('a');
  const b = block('fold_total', '{"k":"a"}');
  assert.equal(b.version(), 2);
  child.inc();
  child.inc(5);
  assert.deepEqual([b.f64(), b.int(), b.seq()], [0, 6, [0, 0]], 'both in the integer part, no seqlock');
  child.inc(BOUND - 7);
  assert.deepEqual([b.f64(), b.int()], [0, BOUND - 1]);
  child.inc();
  assert.deepEqual([b.f64(), b.int()], [0, BOUND], 'at the bound, not past it');
  child.inc();
  assert.deepEqual([b.f64(), b.int(), b.seq()], [BOUND, 1, [2, 2]], 'folded: the double has the old integer part, one seqlock write');
  assert.equal(await value(c, { k: 'a' }), 2 ** 31);
  assert.deepEqual(decoded('fold_total'), [2 ** 31]);
  child.inc(BOUND);
  assert.deepEqual([b.f64(), b.int(), b.seq()], [BOUND + 1, BOUND, [4, 4]], 'a fold, then the increment in the integer part');
  // The object-label path shares the fast path and the fold.
  c.inc({ k: 'a' }, 3);
  assert.deepEqual([b.f64(), b.int(), b.seq()], [2 * BOUND + 1, 3, [6, 6]]);
  c.inc({ k: 'a' });
  assert.equal(b.int(), 4);
  // Larger than the integer part holds: to the double, the integer part folded first.
  child.inc(2 ** 40);
  assert.deepEqual([b.f64(), b.int()], [2 * BOUND + 5 + 2 ** 40, 0]);
  child.inc();
  assert.equal(b.int(), 1);
  const total = 2 * BOUND + 5 + 2 ** 40 + 1;
  assert.equal(await value(c, { k: 'a' }), total);
  assert.deepEqual(decoded('fold_total'), [total]);
});

test('a fractional increment turns the integer part off until the double is an integer again', async () => {
  const c = new ours.Counter({ name: 'mixed_total', help: 'h', registers: [] });
  const b = block('mixed_total', '{}');
  c.inc();
  c.inc(3);
  c.inc(0.5);
  assert.deepEqual([b.f64(), b.int()], [4.5, 0], 'folded, then the fraction added to the double');
  c.inc();
  c.inc(3);
  assert.deepEqual([b.f64(), b.int()], [8.5, 0], 'integers go to the double while it has a fraction');
  c.inc(0.5);
  assert.deepEqual([b.f64(), b.int()], [9, 0]);
  c.inc();
  c.inc(2);
  assert.deepEqual([b.f64(), b.int()], [9, 3], 'an integer double again: the integer part is back');
  assert.equal(await value(c), 12);
  assert.deepEqual(decoded('mixed_total'), [12]);
});

test('reset() and remove() zero both parts; a kept child follows', async () => {
  const c = new ours.Counter({ name: 'zeroed_total', help: 'h', labelNames: ['k'], registers: [] });
  const child = c.labels('x');
  child.inc(7);
  child.inc(0.25);
  child.inc(4);
  const b = block('zeroed_total', '{"k":"x"}');
  assert.deepEqual([b.f64(), b.int()], [11.25, 0]);
  c.reset();
  assert.deepEqual(await c.get().then((f) => f.values), []);
  const again = c.labels('x');
  assert.equal(again, child, 'the same child for the same labels');
  assert.deepEqual([b.f64(), b.int()], [0, 0]);
  again.inc();
  again.inc(2);
  assert.deepEqual([b.f64(), b.int()], [0, 3], 'the integer part is on again after the reset');
  c.remove('x');
  c.inc({ k: 'x' }, 5);
  assert.deepEqual([b.f64(), b.int()], [0, 5]);
  assert.equal(await value(c, { k: 'x' }), 5);
});

/** One call of a random sequence, applied to either library. */
type Op = { kind: 'inc'; by: 'child' | 'object' | 'plain'; value: number | undefined } | { kind: 'reset' } | { kind: 'remove' };
const incValue = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 10 }) },
  { weight: 3, arbitrary: fc.integer({ min: BOUND - 3, max: BOUND + 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: BOUND }) },
  { weight: 2, arbitrary: fc.constantFrom(0.5, 0.1, 0.2, 1 / 3, 2.25, 1e-9, -0) },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 32, 2 ** 40 + 0.5, 2 ** 52, 2 ** 53 - 2 ** 31 - 1, 2 ** 53, 1e300) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 20, arbitrary: fc.record({ kind: fc.constant('inc' as const), by: fc.constantFrom('child' as const, 'object' as const, 'plain' as const), value: incValue }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'remove' as const }) },
);

let run = 0;
test('any sequence of calls: the same text as prom-client\'s running sum, from every reader', async () => {
  await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
    run++;
    const texts: string[] = [];
    for (const lib of [prom, ours] as const) {
      const registry = new lib.Registry();
      const labelled = new lib.Counter({ name: `seq_${run}_total`, help: 'h', labelNames: ['k'], registers: [registry] });
      const plain = new lib.Counter({ name: `seq_${run}_plain_total`, help: 'h', registers: [registry] });
      const child = labelled.labels('c');
      // (perfmem shows a kept child's series from labels() on, prom-client from its first inc().)
      child.inc();
      for (const o of ops) {
        if (o.kind === 'reset') labelled.reset();
        else if (o.kind === 'remove') labelled.remove('o');
        else if (o.by === 'child') child.inc(o.value);
        else if (o.by === 'plain') plain.inc(o.value);
        else if (o.value === undefined) labelled.inc({ k: 'o' });
        else labelled.inc({ k: 'o' }, o.value);
      }
      texts.push(await registry.metrics());
      if (lib === ours) {
        const names = new Set([`seq_${run}_total`, `seq_${run}_plain_total`]);
        const fromRegion = ours.decodeAppMetrics(currentRegion()!.bytes()).filter((f) => names.has(f.name));
        texts.push(ours.formatPrometheus(fromRegion));
      }
    }
    assert.equal(texts[1], texts[0], 'metrics() differs from prom-client\'s');
    // A reader of the region has the same series and values (in the order the blocks were made).
    const lines = (t: string): string[] => t.split('\n').sort();
    assert.deepEqual(lines(texts[2]!), lines(texts[1]!), 'a reader of the region differs');
  }), { numRuns: 300 });
});

test('a version 1 block (no integer part) is still read', () => {
  const c = new ours.Counter({ name: 'old_total', help: 'h', registers: [] });
  c.inc(41.5);
  const b = block('old_total', '{}');
  const bytes = currentRegion()!.bytes().slice();
  const dv = new DataView(bytes.buffer);
  // Version 1: the value, then the second seq word right after it, then a zero word.
  bytes[b.at + 1] = 1;
  dv.setInt32(b.at + 24, 0, true);
  dv.setInt32(b.at + 28, 0, true);
  assert.deepEqual(ours.decodeAppMetrics(bytes).find((f) => f.name === 'old_total')?.values.map((v) => v.value), [41.5]);
  // A version 1 reader's second seq word is version 2's integer part: a non-zero one is not
  // settled, never a wrong value.
  dv.setInt32(b.at + 24, 3, true);
  const r = ours.decodeRegionMetrics(bytes);
  assert.deepEqual(r.families.find((f) => f.name === 'old_total')?.values, []);
  assert.equal(r.torn, 1);
});

test('a fold caught half done (a writer killed in it) or copies that disagree are never read as a value', () => {
  const c = new ours.Counter({ name: 'half_total', help: 'h', registers: [] });
  c.inc(BOUND);
  const b = block('half_total', '{}');
  const good = currentRegion()!.bytes().slice();
  const torn = good.slice();
  const dv = new DataView(torn.buffer);
  // begin() stored seq 1 in both words, then the double got the integer part; the integer part is not zeroed yet.
  dv.setInt32(b.at + 8, 1, true);
  dv.setInt32(b.at + 28, 1, true);
  dv.setFloat64(b.at + 16, BOUND, true);
  const seriesOf = (r: ReturnType<typeof ours.decodeRegionMetrics>): number[] | undefined => r.families.find((f) => f.name === 'half_total')?.values.map((v) => v.value);
  let r = ours.decodeRegionMetrics(torn, { confirm: torn });
  assert.deepEqual([seriesOf(r), r.torn], [[], 1]);
  // The block read again, settled: its value.
  const block28 = (bytes: Uint8Array): Uint8Array => bytes.slice(b.at + 8, b.at + 32);
  r = ours.decodeRegionMetrics(torn, { confirm: torn, reread: () => block28(good) });
  assert.deepEqual([seriesOf(r), r.torn], [[BOUND], 0]);
  // Two copies, each settled, that disagree (the integer part moved between them): read again.
  const later = good.slice();
  new DataView(later.buffer).setUint32(b.at + 24, BOUND - 1, true);
  r = ours.decodeRegionMetrics(good, { confirm: later });
  assert.deepEqual([seriesOf(r), r.torn], [[], 1]);
  // Rereads must agree with each other: one that differs from the next is not taken.
  const rereads = [block28(later), block28(good), block28(good)];
  r = ours.decodeRegionMetrics(good, { confirm: later, reread: () => rereads.shift() });
  assert.deepEqual([seriesOf(r), r.torn, rereads.length], [[BOUND], 0, 0]);
});

test('cleanup', () => {
  rmSync(dir, { recursive: true, force: true });
});
