/**
 * The JDK's own reader accepts a region full of app metrics: plain `jstat -snap` shows none of
 * them (Supported flag 0), and with unsupported counters shown each is an empty string.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveJdk, jstatSnap } from '../perfdata/jdk.js';

const WRITER = fileURLToPath(new URL('../fixtures/metrics-writer.js', import.meta.url));

test('jstat -snap reads a region with metrics and hides them', async (t) => {
  if (!haveJdk()) {
    t.skip('jstat is not installed (JDK 17 tools needed)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-jdk-'));
  const child = spawn(process.execPath, [WRITER], { env: { ...process.env, PERFMEM_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await once(child.stdout, 'data');
    const file = `file://${dir}/hsperfdata_${userInfo().username}/${child.pid}`;
    const { stdout: plain } = await promisify(execFile)('jstat', ['-snap', file]);
    assert.doesNotMatch(plain, /perfmem\.metrics/);
    assert.match(plain, /java\.property\.java\.vm\.name="Node\.js"/);
    const all = (await jstatSnap(file, false)).split('\n').filter((l) => l.startsWith('perfmem.metrics.'));
    assert.ok(all.length >= 5, all.join('\n'));
    for (const line of all) assert.match(line, /^perfmem\.metrics\.v1\.[a-z0-9.]+=""$/);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
