/**
 * Default labels of the workers' default registry (register.setDefaultLabels) reach the app's
 * aggregation as they reach prom-client's: each member prints what its prom-client registry would
 * send over IPC, and clusterMetrics() must equal prom-client's AggregatorRegistry.aggregate() of
 * those. They stay on an exited member's folded totals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-defaults-'));
process.env.PERFMEM_DIR = dir;
const { AggregatorRegistry } = await import('../../src/metrics/index.js');
const prom = createRequire(import.meta.url)('prom-client') as typeof import('prom-client');
const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-default-labels.js', import.meta.url));

async function member(jobs: number, zone: string): Promise<{ child: ChildProcess; json: unknown }> {
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, PERFMEM_APP: 'labelled', JOBS: String(jobs), ZONE: zone }, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout! }), 'line') as [string];
  return { child, json: JSON.parse(line) };
}

test('clusterMetrics() adds each member\'s default labels as prom-client does', { timeout: 60_000 }, async () => {
  const a = await member(3, 'east');
  const b = await member(4, 'west');
  try {
    const ours = await new AggregatorRegistry().clusterMetrics({ app: 'app:labelled' });
    const theirs = await prom.AggregatorRegistry.aggregate([a.json, b.json] as never).metrics();
    assert.equal(ours, theirs);
    assert.match(ours, /^jobs_total\{queue="q",service="api",zone="east"\} 3$/m);
    assert.match(ours, /^jobs_total\{queue="own",service="own",zone="west"\} 1$/m);

    a.child.kill('SIGTERM');
    await once(a.child, 'exit');
    const after = await new AggregatorRegistry().clusterMetrics({ app: 'app:labelled' });
    assert.match(after, /^jobs_total\{queue="q",service="api",zone="east"\} 3$/m, 'an exited member\'s totals keep its default labels');
    assert.match(after, /^latency_seconds_count\{route="\/a",service="api",zone="east"\} 2$/m);
    assert.doesNotMatch(after, /^up\{[^}]*zone="east"/m, 'its gauge drops out');
  } finally {
    for (const p of [a.child, b.child]) p.kill('SIGKILL');
  }
});

test('cleanup', () => {
  rmSync(dir, { recursive: true, force: true });
});
