/**
 * A dead member's final counts are folded only from a read made after it died. A reader that
 * read a member's region while it ran, was descheduled while the member did more work and was
 * SIGKILLed, and then saw it dead, used to fold that earlier read as the member's final totals
 * and mark it folded: the counts it missed were lost for good (churn.test's rare 995 of 1000).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-race-'));
process.env.PERFMEM_DIR = dir;
const { readAppRegions, readAppState, AggregatorRegistry } = await import('../../src/metrics/index.js');
const { prune } = await import('../../src/metrics/cluster.js');
const FIXTURE = fileURLToPath(new URL('../fixtures/metrics-late-member.js', import.meta.url));
const APP = 'app:race';

const total = (families: { name: string; values: { value: number }[] }[] | undefined): number =>
  (families ?? []).filter((f) => f.name === 'late_total').flatMap((f) => f.values).reduce((s, v) => s + v.value, 0);

test('a region read while its member ran is not folded as final once the member is dead', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [FIXTURE], { env: { ...process.env, PERFMEM_APP: 'race' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const next = async (): Promise<string> => (await once(lines, 'line'))[0] as string;
  try {
    assert.equal(await next(), 'ready');
    const pid = child.pid!;
    // The reader's view while the member runs: its registration in the app file, its region at 0.
    const early = readAppRegions(APP, dir).filter((r) => r.pid === pid);
    assert.equal(early.length, 1);
    assert.equal(early[0]!.alive, true);
    assert.equal(total(early[0]!.families), 0);
    const state = readAppState(APP, dir);
    assert.ok(state.live[String(pid)] !== undefined, 'the member registered in the app file');

    // Meanwhile the member does its work and is SIGKILLed.
    child.stdin!.write('inc\n');
    assert.equal(await next(), 'done');
    child.kill('SIGKILL');
    await once(child, 'exit');

    // The early read must not stand for its final counts: the member stays live, unfolded.
    prune(state, new Map(early.map((r) => [r.pid, r])));
    assert.ok(state.live[String(pid)] !== undefined, 'a member read while alive is left for a later read');
    assert.equal(state.folded[String(pid)], undefined);
    assert.deepEqual(Object.keys(state.exited), []);

    // A read made after its death is final: its 5 are folded.
    const late = readAppRegions(APP, dir).filter((r) => r.pid === pid);
    assert.equal(late[0]!.alive, false);
    prune(state, new Map(late.map((r) => [r.pid, r])));
    assert.equal(state.live[String(pid)], undefined);
    assert.equal(state.folded[String(pid)], 1);
    assert.equal(total(state.exited[String(pid)]), 5);

    // And the app's total, read from outside, counts them once.
    assert.match(await new AggregatorRegistry().clusterMetrics({ app: APP }), /^late_total 5$/m);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
