/**
 * Limits: maxSeries sends further label sets to one overflow series with one warning (totals
 * stay right), and a small region grows instead of filling up (the cap: grow.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-overflow.js', import.meta.url));

interface Out { warnings: { code: string; message: string }[]; own: string; decoded: string; overflow: number; size: number }

const REGISTER = fileURLToPath(new URL('../../src/runtime/register.js', import.meta.url));

function run(env: Record<string, string>, nodeArgs: string[] = []): Out {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-overflow-'));
  try {
    return JSON.parse(execFileSync(process.execPath, [...nodeArgs, FIXTURE], { env: { ...process.env, PERFMEM_DIR: dir, ...env }, encoding: 'utf8' })) as Out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (text: string, prefix: string): string[] => text.split('\n').filter((l) => l.startsWith(prefix));

test('maxSeries: one warning, an overflow series that keeps the total', () => {
  const out = run({ PERFMEM_SIZE: '1m' });
  const max = out.warnings.filter((w) => w.code === 'PERFMEM_METRICS_MAX_SERIES');
  assert.equal(max.length, 1);
  assert.match(max[0]!.message, /limited_total reached maxSeries \(3\)/);
  const series = lines(out.own, 'limited_total{');
  assert.deepEqual(series, [
    'limited_total{user="u0"} 101',
    'limited_total{user="u1"} 2',
    'limited_total{user="u2"} 3',
    `limited_total{user="perfmem_overflow"} ${4 + 5 + 6 + 7 + 8 + 9 + 10}`,
  ]);
  assert.deepEqual(lines(out.decoded, 'limited_total{'), series, 'readers see the same series');
  assert.equal(out.overflow, 0);
  assert.equal(out.decoded, out.own, 'a reader decodes exactly the process\'s own text');
});

test('a small region grows: no warning, readers see every series', () => {
  const out = run({ PERFMEM_SIZE: '8k', SERIES: '400' });
  assert.deepEqual(out.warnings.filter((w) => w.code.startsWith('PERFMEM_') && w.code !== 'PERFMEM_METRICS_MAX_SERIES'), []);
  assert.equal(out.overflow, 0);
  assert.ok(out.size > 8 * 1024, `grown to ${out.size}`);
  assert.equal(lines(out.own, 'many{').length, 400, 'the process keeps every series');
  assert.equal(out.decoded, out.own, 'readers see every series');
});

test('under --import perfmem/register: metrics share the runtime\'s region', () => {
  const out = run({ SERIES: '50' }, ['--import', REGISTER]);
  assert.equal(out.size, 32 * 1024, 'the region perfmem/register made (PERFMEM_SIZE default)');
  assert.equal(out.decoded, out.own);
  assert.equal(lines(out.own, 'many{').length, 50);
});
