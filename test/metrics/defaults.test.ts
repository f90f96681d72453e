/**
 * collectDefaultMetrics() starts perfmem's runtime counters when perfmem/register did not, and
 * prints prom-client's default metric names (a subset: see docs/metrics.md) with live values.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-defaults.js', import.meta.url));

function value(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  assert.ok(line, `${name} is printed`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('collectDefaultMetrics: prom-client names, values from the runtime counters', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-defaults-'));
  try {
    const out = JSON.parse(execFileSync(process.execPath, [FIXTURE], { env: { ...process.env, PERFMEM_DIR: dir, PERFMEM_PERIOD_MS: '200' }, encoding: 'utf8' })) as { text: string };
    const text = out.text;
    assert.ok(value(text, 'process_cpu_user_seconds_total') > 0.01);
    assert.ok(value(text, 'process_cpu_seconds_total') >= value(text, 'process_cpu_user_seconds_total'));
    assert.ok(Math.abs(value(text, 'process_start_time_seconds') - Date.now() / 1000) < 600);
    assert.ok(value(text, 'process_resident_memory_bytes') > 1e6);
    assert.ok(value(text, 'nodejs_heap_size_used_bytes') > 1e5);
    assert.ok(value(text, 'nodejs_heap_size_total_bytes') >= value(text, 'nodejs_heap_size_used_bytes'));
    assert.match(text, new RegExp(`^nodejs_version_info\\{version="${process.version}",major="\\d+",minor="\\d+",patch="\\d+"\\} 1$`, 'm'));
    // Every name we print is one prom-client prints too, with the same type.
    type Prom = { Registry: new () => { metrics(): Promise<string> }; collectDefaultMetrics(o: { register: unknown }): void };
    const prom = createRequire(import.meta.url)('prom-client') as Prom;
    const registry = new prom.Registry();
    prom.collectDefaultMetrics({ register: registry });
    const theirs = new Map([...(await registry.metrics()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const ours = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)];
    assert.ok(ours.length >= 15);
    for (const m of ours) assert.equal(theirs.get(m[1]!), m[2], `${m[1]} is one of prom-client's, of the same type`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
