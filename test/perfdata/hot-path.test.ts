import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../fixtures/perfdata-alloc.js', import.meta.url));

/** Garbage collections V8 reports (--trace-gc) while the child runs 5 million updates. */
function collectionsDuring(op: string): number {
  const out = execFileSync(process.execPath, ['--trace-gc', '--max-semi-space-size=1', script, op], { encoding: 'utf8' });
  const between = out.slice(out.indexOf('<<<start>>>'), out.indexOf('<<<end>>>'));
  assert.ok(between.startsWith('<<<start>>>'), 'the child ran');
  return between.split('\n').filter((l) => /Scavenge|Mark-Compact|Mark-sweep/i.test(l)).length;
}

test('inc(), add(n), set(v) and get() do not allocate once optimised (no GC in 5 million updates)', () => {
  // The control shows the method can see allocation: a bigint per call collects many times.
  assert.ok(collectionsDuring('bigint-add') > 5, 'allocating updates are seen');
  for (const op of ['inc', 'add', 'set', 'get']) assert.equal(collectionsDuring(op), 0, op);
});
