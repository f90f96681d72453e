/**
 * The tools on live Node processes instrumented with `--import perfmem/register`: snap
 * against the JDK's jstat -snap, the Node stat options, ps and watch telling a blocked
 * event loop from a running one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { REGISTER, haveJdk, perfmem, startNode, tool } from './helpers.js';

const SNAP = ['-J-Djstat.showUnsupported=true', '-snap'];

/** A Node app that allocates a little and can be told (SIGUSR2) to block its loop for a while. */
const APP = `
process.on('SIGUSR2', () => { const end = Date.now() + 8000; while (Date.now() < end); });
setInterval(() => { const a = []; for (let i = 0; i < 1000; i++) a.push({ i }); }, 20);
console.log('ready');
`;

/** An app whose counters hold still: nothing but an idle timer (sampling off after start). */
const IDLE = `
setInterval(() => {}, 1 << 30);
console.log('ready');
`;

test('snap and stat -gcutil of a live Node process: exactly what jstat prints', { timeout: 60_000 }, async (t) => {
  if (!haveJdk()) return t.skip('jstat not found');
  // A long period keeps every counter still between perfmem's read and jstat's.
  const node = await startNode(t, IDLE, { PERFMEM_PERIOD_MS: '600000' });
  for (const verbose of [[], ['-v']]) {
    let ours = '';
    let theirs = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = await perfmem(['snap', String(node.pid), ...verbose]);
      theirs = (await tool('jstat', [...SNAP, ...verbose, String(node.pid)])).stdout;
      const after = await perfmem(['snap', String(node.pid), ...verbose]);
      ours = before.stdout;
      if (before.stdout === after.stdout) break;
    }
    assert.ok(ours.includes('node.heartbeat='), 'runtime counters are there');
    assert.ok(ours.includes('sun.perfdata.majorVersion=2'), 'and the sun.perfdata pseudo-counters');
    assert.equal(ours, theirs);
  }
  // -gcutil and the other JVM options on Node are jstat's own columns over the mirrored sun.gc.* counters.
  for (const option of ['-gcutil', '-gccapacity', '-gcold']) {
    const ours = await perfmem(['stat', option, String(node.pid)]);
    const theirs = await tool('jstat', [option, String(node.pid)]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, theirs.stdout, option);
  }
});

test('stat on Node: -heap, -gc, -heaputil, -eventloop, -cpu and -handles read the runtime counters', { timeout: 60_000 }, async (t) => {
  const node = await startNode(t, APP, { PERFMEM_PERIOD_MS: '200' });
  const snap = await perfmem(['snap', String(node.pid), '--json']);
  const counters = new Map((JSON.parse(snap.stdout) as { name: string; value: number }[]).map((c) => [c.name, c.value]));
  const headers: Record<string, RegExp> = {
    heap: /^ +HT +HU +HL +EXT +AB +RSS +MAXRSS *$/,
    gc: /^ +NEWC +NEWU +OLDC +OLDU +LOC +CODEC +MINGC +MINGCT +MAJGC +MAJGCT +INCGC +INCGCT +GCT +GC\/s *$/,
    heaputil: /^ +NEW +OLD +CODE +HEAP +LIMIT +MINGC +MINGCT +MAJGC +MAJGCT +INCGC +INCGCT +GCT +GC\/s *$/,
    eventloop: /^ +ELU +MEAN +P50 +P90 +P99 +MAX +BLOCKED *$/,
    cpu: /^ +CPU +USR +SYS +VCSW\/s +ICSW\/s +UTIME +STIME *$/,
    handles: /^ *TOTAL .*Timeout/,
  };
  for (const [option, header] of Object.entries(headers)) {
    const r = await perfmem(['stat', `-${option}`, String(node.pid)]);
    assert.equal(r.code, 0, r.stderr);
    const [h, row] = r.stdout.split('\n');
    assert.match(h!, header, option);
    assert.equal(row!.length, h!.length, `${option}: row as wide as the header`);
    assert.match(row!, /^[ \d.-]+$/, `${option}: numbers only`);
    assert.ok(row!.split(/ +/).filter(Boolean).some((v) => v !== '-' && Number(v) > 0), `${option}: something is non-zero: ${row}`);
  }
  // The limit column is the heap limit in KiB, as the counter says.
  const heap = (await perfmem(['stat', '-heap', String(node.pid)])).stdout.split('\n')[1]!.trim().split(/ +/);
  assert.equal(heap[2], (Number(counters.get('node.heap.heapSizeLimit')) / 1024).toFixed(1));
  // CPU over intervals: rates between samples, '-' (never 0) when the process published nothing new.
  const cpu = await perfmem(['stat', '-cpu', String(node.pid), '250ms', '4']);
  assert.equal(cpu.stdout.trimEnd().split('\n').length, 5);
  // --json: one object per row, for every option, under the names docs/tools.md lists.
  const names: Record<string, string[]> = {
    heap: ['heapTotalKiB', 'heapUsedKiB', 'heapLimitKiB', 'externalKiB', 'arrayBuffersKiB', 'rssKiB', 'maxRssKiB'],
    gc: ['newSizeKiB', 'newUsedKiB', 'oldSizeKiB', 'oldUsedKiB', 'minorGcCount', 'gcTimeS', 'gcPerSec'],
    heaputil: ['newPct', 'oldPct', 'codePct', 'heapPct', 'limitPct', 'majorGcCount'],
    eventloop: ['elu', 'eluPct', 'delayMeanMs', 'delayP50Ms', 'delayP90Ms', 'delayP99Ms', 'delayMaxMs', 'blockedMs'],
    cpu: ['cpuPct', 'userPct', 'systemPct', 'voluntaryCtxSwPerSec', 'involuntaryCtxSwPerSec', 'userTimeS', 'systemTimeS'],
    handles: ['total', 'Timeout'],
    gcutil: ['S0', 'E', 'O', 'YGC', 'GCT'],
  };
  for (const [option, keys] of Object.entries(names)) {
    const r = await perfmem(['stat', '--json', `-${option}`, String(node.pid), '100ms', '3']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 3, option);
    for (const row of rows) {
      assert.equal(row.pid, node.pid);
      for (const k of keys) assert.ok(k in row, `${option}: ${k} in ${JSON.stringify(row)}`);
    }
  }
  // A JVM-only option on Node falls back to the JVM columns (the runtime mirrors sun.gc.*), -class shows "-".
  const cls = await perfmem(['stat', '-class', String(node.pid)]);
  assert.match(cls.stdout.split('\n')[1]!, /^ +- +- +- +- +- *$/);
});

test('ps and watch tell a blocked event loop from a running one, and for how long', { timeout: 60_000 }, async (t) => {
  const node = await startNode(t, APP, { PERFMEM_PERIOD_MS: '200' });
  const state = async () => {
    const rows = JSON.parse((await perfmem(['ps', '--json'])).stdout) as { pid: number; kind: string; state: string; blockedForMs: number; command: string }[];
    return rows.find((r) => r.pid === node.pid)!;
  };
  const before = await state();
  assert.equal(before.kind, 'node');
  assert.equal(before.state, 'running');
  assert.match(before.command, /subject\.mjs demo-arg$/);
  if (haveJdk()) {
    // -lmv: the same text as jps -lmv (script path, arguments, execArgv).
    const theirs = (await tool('jps', ['-lmv'])).stdout.split('\n').find((l) => l.startsWith(`${node.pid} `))!;
    const ours = (await perfmem(['ps', '-lmv'])).stdout.split('\n').find((l) => l.trimStart().startsWith(`${node.pid} `))!;
    assert.ok(ours.endsWith(theirs.slice(String(node.pid).length)), `${ours}\nvs jps: ${theirs}`);
  }
  node.child.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 1500));
  const during = await state();
  assert.equal(during.state, 'blocked');
  assert.ok(during.blockedForMs >= 600 && during.blockedForMs < 8000, String(during.blockedForMs));
  const watch = await perfmem(['watch', String(node.pid), '-i', '100ms', '-n', '1']);
  assert.match(watch.stdout, new RegExp(`${node.pid} +node +BLOCKED \\d`));
  const line = (await perfmem(['ps'])).stdout.split('\n').find((l) => l.trimStart().startsWith(`${node.pid} `))!;
  assert.match(line, / node +blocked \d+(\.\d)?(s|ms) /);
  const end = Date.now() + 20_000;
  while ((await state()).state !== 'running') {
    assert.ok(Date.now() < end, 'running again once the loop turns');
    await new Promise((r) => setTimeout(r, 250));
  }
});

test('stat -eventloop on a loop blocked for 2.5 s: rows during the block show it growing, the row covering it shows it whole', { timeout: 60_000 }, async (t) => {
  const app = `
process.on('SIGUSR2', () => { const end = Date.now() + 2500; while (Date.now() < end); });
console.log('ready');
setInterval(() => {}, 1000);
`;
  const node = await startNode(t, app, { PERFMEM_PERIOD_MS: '250' });
  const stat = perfmem(['stat', '--json', '-eventloop', String(node.pid), '250ms', '24']);
  await new Promise((r) => setTimeout(r, 1000));
  node.child.kill('SIGUSR2');
  const r = await stat;
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, number | null | boolean>);
  const maxes = rows.map((row) => row.delayMaxMs as number | null);
  const blocked = rows.filter((row) => (row.blockedMs as number) > 0);
  assert.ok(blocked.length >= 3, `rows while blocked: ${JSON.stringify(rows)}`);
  for (const row of blocked) {
    assert.ok((row.delayMaxMs as number) >= (row.blockedMs as number) - 1, 'the block is folded into the delay');
    assert.equal(row.elu, 1, 'a blocked loop is fully busy');
  }
  for (let i = 1; i < blocked.length; i++) assert.ok((blocked[i]!.blockedMs as number) > (blocked[i - 1]!.blockedMs as number), 'growing');
  assert.ok(maxes.some((m) => m !== null && m >= 2000), `a row shows the whole block: ${maxes.join(' ')}`);
  // Rows without new data and without a block print nothing stale.
  for (const row of rows) {
    if (row.fresh === false && row.blockedMs === 0) assert.equal(row.delayMaxMs, null);
  }
});

test('stat and snap on a reused pid (its region is a dead process\'s): one warning naming the start-time mismatch, exit 3, stale in --json', { timeout: 60_000 }, async (t) => {
  if (process.geteuid?.() !== 0 || !existsSync('/proc/sys/kernel/ns_last_pid')) return t.skip('needs root and /proc/sys/kernel/ns_last_pid to force pid reuse');
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-stale-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, PERFMEM_DIR: dir };
  const node = await startNodeIn(t, dir);
  const pid = node.pid;
  node.kill('SIGKILL');
  await new Promise((r) => node.once('exit', r));
  // Hand the dead pid to a new process: ns_last_pid = pid - 1, then fork (others fork too: retry).
  let reuser: ReturnType<typeof spawn> | undefined;
  for (let i = 0; i < 50 && reuser === undefined; i++) {
    writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const c = spawn('sleep', ['60'], { stdio: 'ignore' });
    if (c.pid === pid) reuser = c;
    else c.kill('SIGKILL');
  }
  if (reuser === undefined) return t.skip('could not get the pid again (a busy machine)');
  t.after(() => { reuser!.kill('SIGKILL'); });
  const snap = await perfmem(['snap', String(pid), '--filter', 'perfmem.kind'], { env });
  assert.equal(snap.code, 3, snap.stderr);
  assert.match(snap.stderr, new RegExp(`^perfmem: warning: pid ${pid} was reused: the region's writer started at tick \\d+ after boot, the live process at tick \\d+; showing the dead process's last data\n$`));
  assert.equal(snap.stdout, 'perfmem.kind="node"\n');
  const stat = await perfmem(['stat', '--json', '-cpu', String(pid)], { env });
  assert.equal(stat.code, 3);
  assert.equal((JSON.parse(stat.stdout) as { stale?: boolean }).stale, true);
  const text = await perfmem(['stat', '-cpu', String(pid), '100ms', '3'], { env });
  assert.equal(text.code, 3);
  assert.equal(text.stdout.trimEnd().split('\n').length, 2, 'the dead process\'s last data: one row, not repeated');
});

/** A Node process with a region under `dir` (PERFMEM_DIR), ready when its file exists. */
async function startNodeIn(t: { after(fn: () => void): void }, dir: string) {
  const child = spawn(process.execPath, ['--import', REGISTER, '-e', 'setInterval(() => {}, 1000)'], { env: { ...process.env, PERFMEM_DIR: dir }, stdio: 'ignore' });
  t.after(() => { child.kill('SIGKILL'); });
  const file = join(dir, `hsperfdata_${userInfo().username}`, String(child.pid));
  const end = Date.now() + 15_000;
  while (!existsSync(file)) {
    assert.ok(Date.now() < end, 'region created');
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 200));
  return Object.assign(child, { pid: child.pid! });
}
