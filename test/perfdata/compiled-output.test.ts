import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

/**
 * With target ES2022 TypeScript emits class field declarations (`name;`) unless
 * useDefineForClassFields is false; each one defines the property before the constructor
 * assigns it, which made LongCounter.inc() 2-4x slower (issue 10). The hot-path classes'
 * compiled JS must assign their fields in the constructor only.
 */
const HOT_PATH = [
  'perfdata/handles.js', 'perfdata/writer.js', 'shm/mapping.js', 'perfmemory/backing.js', 'perfmemory/view.js', 'perfmemory/region.js',
  'perfmemory/thread-counters.js', 'runtime/sampler.js', 'runtime/collectors/event-loop.js', 'runtime/collectors/process-usage.js',
  'runtime/collectors/heap.js', 'runtime/collectors/gc.js', 'runtime/collectors/resources.js', 'runtime/collectors/workers.js',
  'metrics/counter.js', 'metrics/store.js', 'metrics/gauge.js', 'metrics/histogram.js',
];

for (const file of HOT_PATH) {
  test(`compiled ${file} declares no public class fields`, () => {
    const js = readFileSync(new URL(`../../src/${file}`, import.meta.url), 'utf8');
    // What TypeScript emits for a typed field without an initialiser: a bare name at class-body indentation.
    const declarations = js.split('\n').filter((line) => /^ {4}(static )?[A-Za-z_$][\w$]*;$/.test(line));
    assert.deepEqual(declarations, []);
  });
}
