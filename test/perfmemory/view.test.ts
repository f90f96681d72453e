import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePerfData } from '../../src/perfdata/index.js';
import { attach, createRegion } from '../../src/index.js';
import { tempBase } from './helpers.js';

test('repeated snapshots and gets follow values and new counters exactly like a fresh parse', (t) => {
  const { base, remove } = tempBase('view');
  t.after(remove);
  const region = createRegion({ dir: base, size: 64 * 1024 });
  t.after(() => region.close());
  const file = attach(process.pid); // this process's own view
  t.after(() => file.detach());
  const counters = new Map<string, { set(v: number): void }>();
  fc.assert(fc.property(
    fc.array(fc.oneof(
      fc.record({ op: fc.constant('set' as const), i: fc.nat({ max: 30 }), v: fc.integer({ min: -1e12, max: 1e12 }) }),
      fc.record({ op: fc.constant('new' as const), i: fc.nat({ max: 30 }), v: fc.integer({ min: 0, max: 1000 }) }),
      fc.record({ op: fc.constant('read' as const), i: fc.nat({ max: 30 }), v: fc.constant(0) }),
    ), { maxLength: 40 }),
    (ops) => {
      for (const { op, i, v } of ops) {
        const name = `view.prop.c${i}`;
        if (op === 'new' && !counters.has(name)) counters.set(name, region.long(name, { value: v }));
        else if (op === 'set') counters.get(name)?.set(v);
        const expected = parsePerfData(region.bytes().slice());
        assert.deepEqual(file.snapshot(), expected);
        assert.deepEqual(file.get(name), expected.counters.find((c) => c.name === name));
      }
    },
  ), { numRuns: 30 });
});
