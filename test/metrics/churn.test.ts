/**
 * 200 workers come and go (a tenth SIGKILLed): the app's files stay bounded (one file and its
 * lock), no count is lost, and the files are gone when the app ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-churn.js', import.meta.url));

test('churn of 200 workers: bounded files, exact total, clean end', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-churn-'));
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [FIXTURE], { env: { ...process.env, PERFMEM_DIR: dir, WORKERS: '200' }, maxBuffer: 1 << 24 });
    const out = JSON.parse(stdout) as { maxFiles: number; text: string; missing: string[]; diagnosis: unknown };
    assert.ok(out.maxFiles <= 2, `at most the app file and its lock (saw ${out.maxFiles})`);
    assert.match(out.text, /^churn_total 1000$/m, `workers without counts in the app file: ${out.missing.join(', ')}; ${JSON.stringify(out.diagnosis)}`);
    const appDir = readdirSync(dir).find((n) => n.startsWith('perfmem_'));
    assert.deepEqual(appDir === undefined ? [] : readdirSync(join(dir, appDir)), []);
    // A SIGKILLed worker's region stays until the next process in the directory cleans it up
    // (as a JVM's does); its counts were folded when the primary saw it die.
    for (const name of readdirSync(join(dir, readdirSync(dir).find((n) => n.startsWith('hsperfdata_'))!))) {
      assert.throws(() => process.kill(Number(name), 0), /ESRCH/, `region ${name} belongs to a dead worker`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
