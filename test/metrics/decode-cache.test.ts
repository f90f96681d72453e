/**
 * A reader's DecodeCache never keeps a region's structure taken while an entry was still being
 * written. perfmem/metrics publishes an entry (the prologue counts it) before it fills it, so a
 * read can meet an entry whose record is empty. Such a read used to be cached, and every later
 * read of the region with the same entry count decoded without the entry: a dead worker's
 * counter read as 0 forever by a long-lived reader (churn.test's rare 995 of 1000). Each entry
 * of a real region is taken in turn as not yet written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateEntries } from '../../src/perfdata/index.js';
import type { DecodeCache } from '../../src/metrics/index.js';

const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-decode-cache-'));
process.env.PERFMEM_DIR = dir;
process.env.PERFMEM_APP = 'cache';
const m = await import('../../src/metrics/index.js');
const { metricStore } = await import('../../src/metrics/store.js');

test('an entry read before it was written is read once it is: the cache keeps only complete structures', () => {
  try {
    m.register.setDefaultLabels({ zone: 'a' });
    new m.Counter({ name: 'plain_total', help: 'unlabelled' }).inc(5);
    new m.Counter({ name: 'by_method_total', help: 'labelled', labelNames: ['method'] }).inc({ method: 'GET' }, 3);
    const full = Uint8Array.from(metricStore().region!.bytes());
    const expected = m.decodeRegionMetrics(full);
    assert.equal(expected.identity?.app, 'cache');
    const value = (d: typeof expected, name: string): number | undefined => d.families.find((f) => f.name === name)?.values[0]?.value;
    assert.equal(value(expected, 'plain_total'), 5);
    assert.equal(value(expected, 'by_method_total'), 3);

    const entries = locateEntries(full).filter((e) => e.name.startsWith('perfmem.metrics.'));
    assert.ok(entries.length >= 6, `app, defaults, 2 families, 2 series (${entries.map((e) => e.name).join(' ')})`);
    for (const e of entries) {
      // Published, not yet written: the entry's data all zeros.
      const partial = Uint8Array.from(full);
      partial.fill(0, e.dataOffset, e.dataOffset + e.vectorLength);
      const cache: DecodeCache = {};
      assert.notDeepEqual(m.decodeRegionMetrics(partial, { cache }), expected, `${e.name} missing changes what is read`);
      assert.deepEqual(m.decodeRegionMetrics(full, { cache }), expected, `${e.name} is read once written`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
