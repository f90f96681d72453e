/**
 * Processes grouped by PERFMEM_APP (PM2's rule) and read from a separate process: sums across
 * members, `all` per worker, an exited member's counts kept and its gauge dropped, the app file
 * gone with the last member.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-app-'));
process.env.PERFMEM_DIR = dir;
const { AggregatorRegistry } = await import('../../src/metrics/index.js');
const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-app-member.js', import.meta.url));

async function member(jobs: number, instance: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, PERFMEM_APP: 'api', JOBS: String(jobs), NODE_APP_INSTANCE: instance }, stdio: ['ignore', 'pipe', 'inherit'] });
  await once(child.stdout!, 'data');
  return child;
}

test('a named app read from outside it', { timeout: 60_000 }, async () => {
  const a = await member(3, '0');
  const b = await member(4, '1');
  const reg = new AggregatorRegistry();
  try {
    let text = await reg.clusterMetrics({ app: 'app:api' });
    assert.match(text, /^jobs_total\{queue="q"\} 7$/m);
    assert.match(text, /^up 2$/m);
    assert.match(text, /^slot\{worker="0"\} 3$/m);
    assert.match(text, /^slot\{worker="1"\} 4$/m);
    a.kill('SIGTERM');
    await once(a, 'exit');
    text = await reg.clusterMetrics({ app: 'app:api' });
    assert.match(text, /^jobs_total\{queue="q"\} 7$/m, 'the exited member\'s jobs stay counted');
    assert.match(text, /^up 1$/m, 'its gauge drops out');
    assert.doesNotMatch(text, /worker="0"/);
    const c = await member(5, '0');
    text = await reg.clusterMetrics({ app: 'app:api' });
    assert.match(text, /^jobs_total\{queue="q"\} 12$/m);
    c.kill('SIGTERM');
    b.kill('SIGTERM');
    await Promise.all([once(c, 'exit'), once(b, 'exit')]);
    const appDir = join(dir, readdirSync(dir).find((n) => n.startsWith('perfmem_')) ?? 'none');
    assert.deepEqual(existsSync(appDir) ? readdirSync(appDir) : [], [], 'the last member removes the app file');
  } finally {
    for (const p of [a, b]) p.kill('SIGKILL');
  }
});

test('cleanup', () => {
  rmSync(dir, { recursive: true, force: true });
});
