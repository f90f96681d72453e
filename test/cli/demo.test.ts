/**
 * `perfmem demo` (npm start): the plain tour without a terminal, the dashboard in tmux, and
 * its workers never outliving it, however it ends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN, hsperfdataPath, perfmem } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function allGone(pids: number[], timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    assert.ok(Date.now() < end, `workers still alive: ${pids.filter(alive).join(' ')}`);
    await sleep(50);
  }
}

/** The workers the demo describes: "(123 steady, 124 alloc, ...)". */
function workers(text: string): { pid: number; mode: string }[] {
  const m = /instrumented Node workers? \(([^)]+)\)/.exec(text);
  assert.ok(m, text);
  return m[1]!.split(', ').map((w) => {
    const [pid, mode] = w.split(' ');
    return { pid: Number(pid), mode: mode! };
  });
}

function workerPids(text: string): number[] {
  return workers(text).map((w) => w.pid);
}

/** No region file of these pids is left behind (no `stale` rows in `perfmem ps`). */
async function noRegionsLeft(pids: number[]): Promise<void> {
  const end = Date.now() + 5000;
  while (pids.some((p) => existsSync(hsperfdataPath(p)))) {
    assert.ok(Date.now() < end, `regions left behind: ${pids.filter((p) => existsSync(hsperfdataPath(p))).join(' ')}`);
    await sleep(50);
  }
}

test('demo without a terminal prints ps and stat samples, exits 0, and leaves no worker behind', { timeout: 90_000 }, async () => {
  const r = await perfmem(['demo'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const pids = workerPids(r.stdout);
  assert.equal(pids.length, 4);
  assert.match(r.stdout, /\$ perfmem ps -m\n *PID +KIND +STATE +UPTIME +USER +COMMAND\n/);
  for (const mode of ['steady', 'alloc', 'io', 'blocker']) assert.match(r.stdout, new RegExp(` node +(running|blocked [^ ]+) +\\S+ +\\S+ +demo-worker\\.js ${mode}\\n`));
  assert.match(r.stdout, /Timestamp +CPU +USR +SYS/);
  assert.match(r.stdout, / S0 +S1 +E +O +M +CCS +YGC +YGCT/);
  assert.match(r.stdout, / NEWC +NEWU +OLDC +OLDU/);
  assert.match(r.stdout, / ELU +MEAN +P50 +P90 +P99 +MAX +BLOCKED/);
  assert.match(r.stdout, new RegExp(`worker ${pids[3]} blocks its event loop`));
  await allGone(pids);
  await noRegionsLeft(pids);
});

test('demo --workers 2: a steady worker and a blocker, described as they are; no stale rows after', { timeout: 90_000 }, async () => {
  const r = await perfmem(['demo', '--workers', '2'], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const ws = workers(r.stdout);
  assert.deepEqual(ws.map((w) => w.mode), ['steady', 'blocker']);
  assert.match(r.stdout, new RegExp(`worker ${ws[1]!.pid} blocks its event loop`));
  await allGone(ws.map((w) => w.pid));
  await noRegionsLeft(ws.map((w) => w.pid));
  const ps = await perfmem(['ps', '--json']);
  const rows = JSON.parse(ps.stdout) as { pid: number }[];
  assert.ok(!rows.some((row) => ws.some((w) => w.pid === row.pid)), 'no row left for a worker');
});

for (const how of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
  test(`demo killed by ${how}: its workers go too`, { timeout: 60_000 }, async () => {
    const demo = spawn(process.execPath, [BIN, 'demo'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    demo.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const end = Date.now() + 30_000;
    while (!/instrumented Node workers/.test(out)) {
      assert.ok(Date.now() < end, 'demo started');
      await sleep(50);
    }
    const pids = workerPids(out);
    assert.ok(pids.every(alive));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => demo.once('exit', (c, s) => resolve([c, s])));
    demo.kill(how);
    const [, signal] = await exited;
    assert.equal(signal, how, 'the demo ends by the signal it was sent');
    await allGone(pids);
    if (how !== 'SIGKILL') await noRegionsLeft(pids);
  });
}

test('demo in a terminal opens the dashboard on its workers, flags the blocker, q ends it all', { timeout: 90_000 }, async (t) => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
  } catch {
    return t.skip('tmux not found');
  }
  const session = `perfmem-demo-${process.pid}`;
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '30', `${process.execPath} ${BIN} demo; echo "exit=$?"; sleep 30`]);
  t.after(() => { try { execFileSync('tmux', ['kill-session', '-t', session]); } catch { /* gone */ } });
  const capture = () => execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
  let screen = '';
  const end = Date.now() + 40_000;
  while (!/BLOCKED \d/.test(screen)) {
    assert.ok(Date.now() < end, `the blocker was never flagged:\n${screen}`);
    await sleep(200);
    screen = capture();
  }
  const rows = screen.split('\n').filter((l) => / node /.test(l));
  assert.equal(rows.length, 4, screen);
  assert.match(screen, /perfmem watch — 4 processes, 1 blocked/);
  const pids = rows.map((l) => Number(/(\d+) node/.exec(l)![1]));
  execFileSync('tmux', ['send-keys', '-t', session, 'q']);
  while (!/exit=0/.test(screen)) {
    assert.ok(Date.now() < end + 10_000, screen);
    await sleep(100);
    screen = capture();
  }
  await allGone(pids);
});
