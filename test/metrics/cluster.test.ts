/**
 * A real node:cluster app with 4 workers under load, one blocked and one SIGKILLed and
 * restarted and one exiting cleanly and restarted during the run: clusterMetrics() (no IPC)
 * gives totals equal to what the workers did (a counter's integer part and its folds included), while a worker is blocked; the app file is
 * gone when the app ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-cluster.js', import.meta.url));

function value(text: string, line: RegExp): number {
  const m = text.split('\n').find((l) => line.test(l));
  assert.ok(m, `no line ${line} in\n${text}`);
  return Number(m.slice(m.lastIndexOf(' ') + 1));
}

test('cluster app: totals survive blocked, killed and exiting workers', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-cluster-'));
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, PERFMEM_DIR: dir, PERFMEM_METRICS_CHECKPOINT_MS: '60000' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const events: Record<string, unknown>[] = [];
  const waiters: { pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    const e = JSON.parse(l) as Record<string, unknown>;
    const i = waiters.findIndex((w) => w.pred(e));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(e);
    else events.push(e);
  });
  const next = (pred: (e: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const found = events.find(pred);
    if (found) { events.splice(events.indexOf(found), 1); return Promise.resolve(found); }
    return new Promise((resolve) => waiters.push({ pred, resolve }));
  };
  const send = (line: string): void => void child.stdin.write(`${line}\n`);
  const guard = setTimeout(() => child.kill('SIGKILL'), 100_000);
  try {
    for (let i = 0; i < 4; i++) await next((e) => e.ready === i);
    send('round 1000');
    await next((e) => e.round === 1000);
    send('block 1');
    await next((e) => e.blocked === 1);
    send('kill 2');
    await next((e) => e.ready === 2);
    send('exit 3');
    await next((e) => e.ready === 3);
    send('round 500');
    await next((e) => e.round === 500);
    send('metrics');
    const m = await next((e) => e.metrics !== undefined);
    const text = m.metrics as string;
    const truth = m.truth as { work: number; half: number; observed: number; sum: number; big: number };
    // Read while worker 1 was still blocked (it reports when it is done).
    assert.deepEqual(m.blocked, [1], 'the metrics were read while worker 1 was blocked');
    assert.equal(value(text, /^work_total\{kind="unit"\}/), truth.work);
    assert.equal(value(text, /^half_total /), truth.half);
    // Counters past their integer part's bound: the killed and the exited workers' integer parts count.
    assert.equal(value(text, /^big_total\{kind="big"\}/), truth.big);
    assert.equal(value(text, /^work_seconds_count /), truth.observed);
    assert.equal(value(text, /^work_seconds_bucket\{le="0.5"\}/), truth.observed);
    assert.equal(value(text, /^work_seconds_bucket\{le="0.1"\}/), 0);
    assert.equal(value(text, /^work_seconds_sum /), truth.sum);
    // max aggregator over the live workers' gauges (the last round set 500 or 1000).
    assert.ok([500, 1000].includes(value(text, /^inflight /)));
    await next((e) => e.unblocked === 1);
    send('quit');
    await next((e) => e.quit === true);
    await new Promise((r) => child.once('exit', r));
    const appDir = readdirSync(dir).find((n) => n.startsWith('perfmem_'));
    assert.deepEqual(appDir === undefined ? [] : readdirSync(join(dir, appDir)), [], 'the app file is removed with the app');
  } finally {
    clearTimeout(guard);
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
