import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../fixtures/perfdata-alloc.js', import.meta.url));

/** Garbage collections V8 reports while the child runs 5 million updates (small young generation). */
function collectionsDuring(op: string): number {
  const out = execFileSync(process.execPath, ['--max-semi-space-size=1', '--no-concurrent-recompilation', script, op], { encoding: 'utf8' });
  return (JSON.parse(out) as { collections: number }).collections;
}

test('inc(), add(n) and set(v) do not allocate once optimised (no GC in 5 million updates)', () => {
  // Optimisation happens synchronously (--no-concurrent-recompilation), so the warm-up is enough even on a busy machine.
  // The control shows the method can see allocation: a bigint per call collects many times.
  assert.ok(collectionsDuring('bigint-add') > 5, 'allocating updates are seen');
  for (const op of ['inc', 'add', 'set']) assert.equal(collectionsDuring(op), 0, op);
});
