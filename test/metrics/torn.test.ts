/**
 * A reader in another process never sees a torn series while a writer updates it at full
 * speed: every histogram read satisfies count = buckets + the +Inf ones and the sum that goes
 * with them, counts never go back, and a counter whose integer part is folded into its double
 * twice every 17 calls is never read off by a fold (a value the writer never had). Read as
 * clusterMetrics reads (two preads of the file, then the block again) and as the monitor does
 * (its view's snapshot, a second copy, then the block again).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAppRegions, type DecodeCache, type MetricFamily } from '../../src/metrics/index.js';
import { decodeMetrics } from '../../src/monitor/app-metrics.js';
import { attach, type RegionView } from '../../src/perfmemory/index.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-writer.js', import.meta.url));

test('no torn histogram or counter across processes', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-torn-'));
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, PERFMEM_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await once(child.stdout, 'data');
    let lastCount = 0;
    let lastCounter = 0;
    let lastFolds = 0;
    let reads = 0;
    let changes = 0;
    let foldReads = 0;
    let view: RegionView | undefined;
    const cache: DecodeCache = {};
    // The fold counter's values (see the fixture): value mod (2^31 - 1 + run) <= run.
    const run = 16;
    const period = 0x7fffffff + run;
    // At least 3,000 reads, and more while too few saw the writer's changes (a loaded machine).
    for (let i = 0; i < 3000 || (i < 30_000 && (changes <= 10 || foldReads <= 10)); i++) {
      let fam: MetricFamily[];
      if (i % 2 === 0) {
        const regions = readAppRegions(`cluster:${child.pid}`, dir);
        if (regions.length === 0) continue;
        fam = regions[0]!.families;
      } else {
        try {
          view ??= attach(child.pid!, { dir });
        } catch {
          continue;
        }
        const { bytes } = view.snapshotBytes();
        const d = decodeMetrics(view, bytes, cache, undefined);
        if (d === undefined || d.torn > 0 || d.families.length === 0) continue;
        fam = d.families;
      }
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
      const folds = fam.find((f) => f.name === 'stress_folds_total')!.values[0]!.value;
      assert.ok(Number.isSafeInteger(folds) && folds % period <= run, `read ${i}: ${folds} is not a value the fold counter had (off by a fold)`);
      assert.ok(folds >= lastFolds, `read ${i}: the fold counter went back from ${lastFolds} to ${folds}`);
      if (Math.floor(folds / period) !== Math.floor(lastFolds / period)) foldReads++;
      if (count !== lastCount) changes++;
      lastCount = count;
      lastCounter = counter;
      lastFolds = folds;
      reads++;
    }
    view?.detach();
    t.diagnostic(JSON.stringify({ reads, changes, foldReads, lastFolds }));
    assert.ok(foldReads > 10, `folds happened between reads (${foldReads})`);
    assert.ok(reads > 100, `enough reads (${reads})`);
    assert.ok(changes > 10, `the writer was writing during the reads (${changes} changes)`);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
