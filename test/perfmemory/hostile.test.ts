import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { parsePerfData } from '../../src/perfdata/index.js';
import { attach, attachFile } from '../../src/perfmemory/index.js';
import { FIXTURE_DIR } from '../perfdata/jdk.js';
import { FIXTURES, stop, tempBase } from './helpers.js';

const REAL = readFileSync(FIXTURE_DIR + 'cetra3_example');

/** Reads `bytes` as a saved file; returns 'ok' or the error's code, failing on an uncoded error. */
function readAs(path: string, bytes: Uint8Array): string {
  writeFileSync(path, bytes);
  try {
    const view = attachFile(path);
    try {
      view.snapshot();
      view.get('sun.rt.javaCommand');
    } finally {
      view.detach();
    }
    return 'ok';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    assert.equal(typeof code, 'string', `uncoded error: ${String(err)}`);
    assert.match(code as string, /^ERR_/);
    return code as string;
  }
}

test('random bytes, mutated and truncated real files give only coded errors or valid results', (t) => {
  const { base, remove } = tempBase('hostile');
  t.after(remove);
  const path = `${base}/file`;
  const seen = new Set<string>();
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 8192 }), (bytes) => {
    seen.add(readAs(path, bytes));
  }), { numRuns: 300 });
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat({ max: REAL.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 16 }),
    fc.nat({ max: REAL.length }),
    (edits, cut) => {
      const bytes = Uint8Array.from(REAL);
      for (const [at, value] of edits) bytes[at] = value;
      seen.add(readAs(path, bytes.subarray(0, Math.max(cut, 1))));
    },
  ), { numRuns: 500 });
  assert.ok(seen.has('ok') && [...seen].some((c) => c !== 'ok'), [...seen].join(','));
});

test('a huge num_entries or entry_offset does not hang or overrun', (t) => {
  const { base, remove } = tempBase('huge');
  t.after(remove);
  const path = `${base}/file`;
  for (const [offset, value] of [[28, 0x7fffffff], [24, 0x7ffffff0], [8, 0x7fffffff], [24, 32768 - 4]] as const) {
    const bytes = Buffer.from(REAL);
    bytes.writeInt32LE(value, offset);
    const started = process.hrtime.bigint();
    readAs(path, bytes);
    assert.ok(process.hrtime.bigint() - started < 5_000_000_000n, 'finished');
  }
});

test('a huge sparse file is refused before anything is allocated', (t) => {
  const { base, remove } = tempBase('sparse');
  t.after(remove);
  const path = `${base}/huge`;
  writeFileSync(path, REAL);
  truncateSync(path, 257 * 1024 * 1024);
  assert.throws(() => attachFile(path), { code: 'ERR_PERFDATA_SIZE', message: /more than/ });
});

test('a file that shrinks and grows while being read gives results or coded errors, never a crash', async (t) => {
  const { base, remove } = tempBase('shrink');
  t.after(remove);
  // The child renames itself into the file: the region is named after the child's pid.
  const child = spawn(process.execPath, [FIXTURES + 'shrinker.js', base, FIXTURE_DIR + 'cetra3_example'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => stop(child));
  const [line] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string];
  assert.match(line, /^ready \d+/);
  // While the file is momentarily empty it is, rightly, not found: try until it is not.
  let view: ReturnType<typeof attach> | undefined;
  // Time-bound, not count-bound: on a loaded machine the child may be slow to write.
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && view === undefined;) {
    try {
      view = attach(child.pid!, { dir: base });
    } catch (err) {
      assert.match((err as { code?: string }).code ?? '', /^ERR_(PROCESS_NOT_FOUND|PERFDATA_SIZE)$/);
    }
  }
  assert.ok(view !== undefined);
  t.after(() => view.detach());
  const outcomes = new Map<string, number>();
  const until = Date.now() + 1500;
  while (Date.now() < until) {
    let outcome = 'ok';
    try {
      view.snapshot();
    } catch (err) {
      outcome = (err as { code?: string }).code ?? `uncoded: ${String(err)}`;
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  for (const code of outcomes.keys()) assert.match(code, /^(ok|ERR_PERFDATA_[A-Z]+)$/, code);
  // Once the file holds still again, the same view goes on reading it (like jvmstat it may keep
  // a constant string it decoded mid-rewrite), and a new view reads it exactly.
  const steady = once(child.stdout!, 'data');
  writeFileSync(`${base}/stop`, '');
  assert.match(String((await steady)[0]), /steady/);
  const expected = parsePerfData(REAL).counters;
  assert.deepEqual(view.snapshot().counters.map((c) => c.name), expected.map((c) => c.name));
  const fresh = attach(child.pid!, { dir: base });
  t.after(() => fresh.detach());
  assert.deepEqual(fresh.snapshot().counters, expected);
});

