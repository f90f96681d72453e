/**
 * The region grows to what the app needs: under --import perfmem/register (a 32 KiB region),
 * 5,000 labelled series per metric land in shared memory with no warning, and every reader sees
 * all of them: a view kept from before the growth, the app's aggregation, `perfmem snap` and
 * the JDK's own jstat. At the 8 MiB cap it stops, with one warning, and readers see what fitted.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attach, MAX_SIZE } from '../../src/perfmemory/index.js';
import { aggregateFamilies, decodeRegionMetrics, formatPrometheus, readAppRegions } from '../../src/metrics/index.js';
import type { MetricFamily } from '../../src/metrics/index.js';
import { haveJdk, jstatSnap } from '../perfdata/jdk.js';
import { perfmem, REGISTER } from '../cli/helpers.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-grow.js', import.meta.url));

interface Answer { warnings: { code: string; message: string }[]; size: number; overflow: number; series: number; shared: boolean }

function start(t: TestContext): { child: ChildProcessWithoutNullStreams; dir: string; ask: (line?: string) => Promise<Answer> } {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-grow-'));
  const child = spawn(process.execPath, ['--import', REGISTER, FIXTURE], { env: { ...process.env, PERFMEM_DIR: dir } });
  child.stderr.resume();
  const answers: Answer[] = [];
  const waiting: ((a: Answer) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    const a = JSON.parse(l) as Answer;
    const w = waiting.shift();
    if (w !== undefined) w(a);
    else answers.push(a);
  });
  t.after(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const next = (): Promise<Answer> => new Promise((resolve) => {
    const a = answers.shift();
    if (a !== undefined) resolve(a);
    else waiting.push(resolve);
  });
  return { child, dir, ask: (line) => { if (line !== undefined) child.stdin.write(`${line}\n`); return next(); } };
}

const family = (families: MetricFamily[], name: string): MetricFamily | undefined => families.find((f) => f.name === name);
const total = (f: MetricFamily | undefined): number => (f?.values ?? []).reduce((s, v) => s + v.value, 0);
const triangle = (n: number): number => (n * (n + 1)) / 2;

test('under --import perfmem/register, 5,000 series per metric grow the region; every reader sees them all', { timeout: 120_000 }, async (t) => {
  const { child, dir, ask } = start(t);
  const first = await ask();
  assert.equal(first.size, 32 * 1024, 'perfmem/register made the default region');
  assert.equal(first.shared, true);
  const pid = child.pid!;
  const view = attach(pid, { dir });
  t.after(() => view.detach());
  const decode = (): MetricFamily[] => decodeRegionMetrics(view.snapshotBytes().bytes).families;
  assert.equal(family(decode(), 'grown')?.values.length, 0);

  await ask('add 10');
  assert.equal(family(decode(), 'grown_total')?.values.length, 10, 'the kept view, before growth');

  const after = await ask('add 4990');
  assert.deepEqual(after.warnings, [], 'no warning');
  assert.equal(after.overflow, 0);
  assert.ok(after.size > 32 * 1024 && after.size <= MAX_SIZE, `grown to ${after.size}`);
  const path = join(dir, `hsperfdata_${userInfo().username}`, String(pid));
  assert.equal(statSync(path).size, after.size, 'the file is the region\'s size');

  // The view kept from before notices the new size.
  const kept = decode();
  for (const name of ['grown', 'grown_total']) {
    assert.equal(family(kept, name)?.values.length, 5000, `${name}: every series, through the kept view`);
    assert.equal(total(family(kept, name)), triangle(5000), `${name}: every value`);
  }

  // A fresh reader: the app's aggregation (what clusterMetrics() runs).
  const regions = readAppRegions(`cluster:${pid}`, dir);
  assert.equal(regions.length, 1);
  const text = formatPrometheus(aggregateFamilies(regions.map((r) => ({ pid: r.pid, families: r.families }))));
  assert.equal(text.split('\n').filter((l) => l.startsWith('grown_total{')).length, 5000);
  assert.equal(text.split('\n').filter((l) => l.startsWith('grown{')).length, 5000);

  // perfmem snap: every entry (2 families, 10,000 series).
  const snap = await perfmem(['snap', String(pid), '--json', '--filter', 'perfmem\\.metrics\\.v1\\.f'], { env: { ...process.env, PERFMEM_DIR: dir } });
  assert.equal(snap.code, 0, snap.stderr);
  assert.equal((JSON.parse(snap.stdout) as unknown[]).length, 2 + 10_000);

  if (!haveJdk()) {
    t.diagnostic('jstat is not installed (JDK 17 tools needed): the JDK check is skipped');
    return;
  }
  const jstat = (await jstatSnap(`file://${path}`, false)).split('\n');
  assert.equal(jstat.filter((l) => l.startsWith('perfmem.metrics.v1.f')).length, 2 + 10_000, 'jstat reads the grown region');
  assert.ok(jstat.some((l) => l.startsWith('java.property.java.vm.name="Node.js"')));
});

test('at the 8 MiB cap the region stops growing: one warning, the process stays exact, readers see what fitted', { timeout: 120_000 }, async (t) => {
  const { child, dir, ask } = start(t);
  await ask();
  // 4 KB label sets: 2 x 2,500 series need about 20 MiB.
  const a = await ask('add 2500 4000');
  assert.equal(a.size, MAX_SIZE, 'grown to the cap, no further');
  assert.ok(a.overflow > 0, 'the prologue counts the overflow');
  assert.equal(a.warnings.filter((w) => w.code === 'PERFMEM_METRICS_REGION_FULL').length, 1, JSON.stringify(a.warnings.map((w) => w.code)));
  const view = attach(child.pid!, { dir });
  t.after(() => view.detach());
  const families = decodeRegionMetrics(view.snapshotBytes().bytes).families;
  const seen = family(families, 'grown')!.values.length + family(families, 'grown_total')!.values.length;
  assert.ok(seen > 1500 && seen < 5000, `readers see the series that fitted (${seen})`);
});
