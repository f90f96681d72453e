/**
 * A reader in another process never sees a torn series while a writer updates it at full
 * speed: every histogram read satisfies count = buckets + the +Inf ones and the sum that goes
 * with them, and counts never go back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAppRegions } from '../../src/metrics/index.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-writer.js', import.meta.url));

test('no torn histogram across processes', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-torn-'));
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, PERFMEM_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await once(child.stdout, 'data');
    let lastCount = 0;
    let lastCounter = 0;
    let reads = 0;
    let changes = 0;
    for (let i = 0; i < 3000; i++) {
      const regions = readAppRegions(`cluster:${child.pid}`, dir);
      if (regions.length === 0) continue;
      const fam = regions[0]!.families;
      const hist = fam.find((f) => f.name === 'stress_seconds')!;
      const get = (metric: string, le?: string): number => hist.values.find((v) => v.metricName === metric && (le === undefined || String(v.labels.le) === le))!.value;
      const count = get('stress_seconds_count');
      const half = get('stress_seconds_bucket', '0.5');
      const one = get('stress_seconds_bucket', '1');
      const inf = get('stress_seconds_bucket', '+Inf');
      const sum = get('stress_seconds_sum');
      assert.equal(one, half, 'nothing falls in (0.5, 1]');
      assert.equal(inf, count);
      assert.equal(sum, 0.5 * half + 2 * (count - half), `a consistent sum at read ${i}`);
      assert.ok(count >= lastCount, 'the count never goes back');
      const counter = fam.find((f) => f.name === 'stress_total')!.values[0]!.value;
      assert.ok(counter >= lastCounter, 'the counter never goes back');
      if (count !== lastCount) changes++;
      lastCount = count;
      lastCounter = counter;
      reads++;
    }
    assert.ok(reads > 100, `enough reads (${reads})`);
    assert.ok(changes > 10, `the writer was writing during the reads (${changes} changes)`);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
