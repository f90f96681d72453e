/**
 * The tools on live Node processes instrumented with `--import perfmem/register`: snap
 * against the JDK's jstat -snap, the Node stat options, ps and watch telling a blocked
 * event loop from a running one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haveJdk, perfmem, startNode, tool } from './helpers.js';

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
    gc: /^ +NEWC +NEWU +OLDC +OLDU +LOC +CODEC +MINGC +MINGCT +MAJGC +MAJGCT +INCGC +INCGCT +GCT *$/,
    heaputil: /^ +NEW +OLD +CODE +HEAP +LIMIT +MINGC +MINGCT +MAJGC +MAJGCT +INCGC +INCGCT +GCT *$/,
    eventloop: /^ +ELU +MIN +MEAN +P50 +P90 +P99 +MAX +STDDEV *$/,
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
