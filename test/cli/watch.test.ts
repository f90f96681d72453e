/**
 * `perfmem watch`: in a real pseudo-terminal (tmux), its screen captured and checked; in
 * plain mode through a pipe; and its model, renderer and keys as pure functions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BIN, REGISTER, REPO, haveJdk, perfmem, startJvm } from './helpers.js';
import { handleKey } from '../../src/cli/watch.js';
import { labelRows, rowFromSample, sortRows, type Row } from '../../src/cli/watch-model.js';
import { detailLines, fittedColumns, render, renderPlain, sparkWidth, stripAnsi, type ViewState } from '../../src/cli/watch-render.js';
import { emptyRates } from '../../src/monitor/rates.js';
import type { ProcessSample, Runtime } from '../../src/monitor/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { sparkline } from '../../src/cli/sparkline.js';
import { parseProcStat, readProcStat } from '../../src/perfmemory/proc.js';
import { clockTicks, pageSize } from '../../src/sys/index.js';
import fc from 'fast-check';

function haveTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

async function screenUntil(session: string, predicate: (screen: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < end) {
    screen = tmux('capture-pane', '-p', '-t', session);
    if (predicate(screen)) return screen;
    await sleep(100);
  }
  throw new Error(`screen never matched:\n${screen}`);
}

test('watch in a terminal: rows, detail view, sort keys, a dead process flagged, q restores the screen', { timeout: 90_000 }, async (t) => {
  if (!haveJdk()) return t.skip('java not found');
  if (!haveTmux()) return t.skip('tmux not found');
  const a = await startJvm(t);
  const b = await startJvm(t);
  const session = `perfmem-watch-${process.pid}`;
  tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40',
    `${process.execPath} ${BIN} watch -i 200ms ${a.pid} ${b.pid}; echo "exit=$?"; sleep 30`);
  t.after(() => { try { tmux('kill-session', '-t', session); } catch { /* gone */ } });

  // From the second reading on, every row has a CPU figure.
  let screen = await screenUntil(session, (s) => s.includes(`${a.pid}`) && s.includes(`${b.pid}`)
    && s.split('\n').filter((l) => / jvm +running +PerfmemSubject +\d+\.\d /.test(l)).length === 2);
  const lines = screen.split('\n');
  assert.match(lines[0]!, /^perfmem watch — 2 processes — sorted by cpu ↓ — \d\d:\d\d:\d\d/);
  assert.match(lines[1]!, /PID KIND STATE +NAME +CPU%↓ .*RSS .*HEAP .*GC\/s .*P99ms .*ELU%/);
  for (const pid of [a.pid, b.pid]) {
    const row = lines.find((l) => l.includes(` ${pid} `))!;
    assert.match(row, new RegExp(`${pid} jvm +running +PerfmemSubject +\\d+\\.\\d `));
  }
  assert.ok(lines.every((l) => l.length <= 160), 'no line is wider than the terminal');
  assert.match(lines[39] ?? lines[lines.length - 1]!, /q quit/);

  tmux('send-keys', '-t', session, 'p'); // sort by pid, lowest first
  screen = await screenUntil(session, (s) => s.includes('sorted by pid ↑'));
  const order = screen.split('\n').filter((l) => l.includes(' jvm ')).map((l) => Number(/(\d+) jvm/.exec(l)![1]));
  assert.deepEqual(order, [...order].sort((x, y) => x - y));
  assert.equal(screen.split('\n').filter((l) => l.includes(' jvm ') && l.startsWith('> ')).length, 1, 'one row is selected');

  tmux('send-keys', '-t', session, 'Enter');
  screen = await screenUntil(session, (s) => /counters 1-\d+ of \d+/.test(s));
  assert.match(screen, /java\.cls\.loadedClasses=\d+/);
  tmux('send-keys', '-t', session, 'PageDown', 'PageDown', 'PageDown');
  screen = await screenUntil(session, (s) => /sun\.gc\.\S+=/.test(s));
  assert.doesNotMatch(screen, /counters 1-/, 'scrolled');
  tmux('send-keys', '-t', session, 'Escape');
  await screenUntil(session, (s) => s.includes('sorted by pid'));

  await b.stop();
  screen = await screenUntil(session, (s) => /DEAD/.test(s) && s.includes('1 dead'));
  assert.match(screen.split('\n').find((l) => l.includes(` ${b.pid} `))!, /DEAD/);

  tmux('send-keys', '-t', session, 'q');
  screen = await screenUntil(session, (s) => s.includes('exit=0'));
  assert.doesNotMatch(screen, /perfmem watch —/, 'the alternate screen is gone after q');
});

test('watch without a terminal prints a plain table every interval', { timeout: 60_000 }, async (t) => {
  if (!haveJdk()) return t.skip('java not found');
  const jvm = await startJvm(t);
  const r = await perfmem(['watch', String(jvm.pid), '-i', '100ms', '-n', '3']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /\x1b/, 'no escape sequences');
  const tables = r.stdout.trimEnd().split('\n\n');
  assert.equal(tables.length, 3);
  for (const table of tables) {
    const [clock, header, row] = table.split('\n');
    assert.match(clock!, /^perfmem watch \d\d:\d\d:\d\d$/);
    assert.match(header!, /PID +KIND +STATE +NAME +CPU% +RSS +HEAP +GC\/s +P99ms +ELU%/);
    assert.match(row!, new RegExp(`^${jvm.pid} +jvm +running +PerfmemSubject +\\d+\\.\\d +\\d`));
  }
  const missing = await perfmem(['watch', '2147480000', '-n', '1']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'perfmem: process 2147480000 not found\n');
});

function sampleOf(pid: number, runtime: Runtime, command: string, over: Partial<ProcessSample> = {}): ProcessSample {
  return {
    pid, user: 'u', runtime, app: command, command, vmArgs: '', runtimeVersion: '', startTimeMs: 0, path: '/x',
    state: 'running', blockedMs: 0, sampledAtMs: 0, counters: new Map(),
    gauges: { rssBytes: 50 << 20, heapUsedBytes: 1 << 20, heapTotalBytes: 2 << 20, heapLimitBytes: null, handles: null, threads: null, uptimeSeconds: null },
    rates: { ...emptyRates(1), cpu: 0.25, gcPerSecond: 2, loopDelayP99Ms: 12.5, elu: 0.25 },
    ...over,
  };
}

test('watch model: figures from the monitor; unknowns as NaN; blocked, stale and dead states', () => {
  let row = rowFromSample(undefined, sampleOf(42, 'node', 'app.js'));
  assert.equal(row.values.cpu, 25);
  assert.equal(row.values.gc, 2);
  assert.equal(row.values.p99, 12.5);
  assert.equal(row.values.elu, 25);
  assert.equal(row.values.heap, 1 << 20);
  assert.equal(row.heapTotal, 2 << 20);
  assert.equal(row.status, 'running');
  // Nothing new published: the monitor says null, the row shows '-', never the previous figures.
  row = rowFromSample(row, sampleOf(42, 'node', 'app.js', { rates: emptyRates(1) }));
  assert.ok(Number.isNaN(row.values.gc) && Number.isNaN(row.values.p99) && Number.isNaN(row.values.elu));
  row = rowFromSample(row, sampleOf(42, 'node', 'app.js', { state: 'blocked', blockedMs: 4200, blockedIn: 'spin (app.js:3)' }));
  assert.equal(row.status, 'blocked');
  assert.equal(row.blockedForMs, 4200);
  row = rowFromSample(row, sampleOf(42, 'node', 'app.js', { state: 'stale' }));
  assert.equal(row.status, 'stale');
  row = rowFromSample(row, sampleOf(42, 'node', 'app.js', { state: 'gone' }));
  assert.equal(row.status, 'dead');
  assert.equal(row.history.cpu.length, 5);
  assert.ok(Number.isNaN(row.history.cpu[4]!));
  const s = view([row]);
  assert.match(renderPlain(s.rows, 'x'), /42 +node +DEAD +app\.js +- +- +- +- +- +-/);
});

test('watch names: same-named processes told apart by worker id, then by the first differing argument', () => {
  const rows = labelRows([
    rowFromSample(undefined, sampleOf(1, 'node', '/srv/app/server.js --port 8080')),
    rowFromSample(undefined, sampleOf(2, 'node', '/srv/app/server.js --port 8081')),
    rowFromSample(undefined, sampleOf(3, 'node', '/srv/x/worker.js', { worker: '1' })),
    rowFromSample(undefined, sampleOf(4, 'node', '/srv/x/worker.js', { worker: '2' })),
    rowFromSample(undefined, sampleOf(5, 'jvm', 'com.example.Main a')),
    rowFromSample(undefined, sampleOf(6, 'jvm', 'org.other.Main a')),
    rowFromSample(undefined, sampleOf(7, 'node', '/a/solo.js')),
  ]);
  assert.deepEqual(rows.map((r) => r.name), ['server.js 8080', 'server.js 8081', 'worker.js#1', 'worker.js#2', 'Main', 'Main', 'solo.js']);
});

test('watch screen at 80 columns keeps CPU, P99 and ELU, dropping GC/s first; hostile names are escaped', () => {
  const hostile = rowFromSample(undefined, sampleOf(9, 'node', '/tmp/\x1b]0;pwned\x07evil\x1b[2J.js'));
  const s = { ...view([hostile, rowFromSample(undefined, sampleOf(8, 'jvm', 'Main'))]), width: 80 };
  const lines = render(s);
  for (const l of lines) assert.equal(stripAnsi(l).length, 80, JSON.stringify(l));
  assert.match(lines[1]!, /CPU%.*P99ms.*ELU%/);
  assert.doesNotMatch(lines[1]!, /GC\/s/);
  assert.deepEqual(fittedColumns(80).map((c) => c.key), ['cpu', 'rss', 'heap', 'p99', 'elu']);
  assert.deepEqual(fittedColumns(160).map((c) => c.key), ['cpu', 'rss', 'heap', 'gc', 'p99', 'elu']);
  assert.deepEqual(fittedColumns(60).map((c) => c.key), ['cpu', 'p99']);
  const all = lines.join('\n') + renderPlain(s.rows, 'x') + render({ ...s, detail: true, selectedPid: 9 }).join('\n');
  assert.doesNotMatch(all.replace(/\x1b\[[0-9;]*m/g, ''), /[\x00-\x08\x0b-\x1f\x7f]/, 'no control character from a region reaches the terminal');
  assert.match(lines.join('\n'), /\\x1b\]0;pwne/);
});

test('watch detail view shows the blocked loop\'s whole stack, then the counters', () => {
  const row = rowFromSample(undefined, sampleOf(7, 'node', 'app.js', {
    state: 'blocked', blockedMs: 3000, blockedIn: 'spin (app.js:3)', counters: new Map<string, number | string>([['b', 2], ['a', 'x\ny']]),
    stack: { takenAtMs: 1, frames: [{ functionName: 'spin', url: 'file:///app.js', line: 3, column: 5 }, { functionName: '', url: 'file:///app.js', line: 9, column: 1 }] },
  }));
  const lines = detailLines(row);
  assert.deepEqual(lines, ['stack of the blocked loop (2 frames, innermost first):', '  at spin (file:///app.js:3:5)', '  at <anonymous> (file:///app.js:9:1)', '', 'a="x\\ny"', 'b=2']);
  const screen = render({ ...view([row]), detail: true, selectedPid: 7 });
  assert.match(screen[0]!, /7 node app\.js — BLOCKED 3\.0s in spin \(app\.js:3\) — 2 counters/);
});

test('watch: a blocked Node process shows the block growing, its delay folded in, and never repeats stale figures', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-watch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', REGISTER, join(REPO, 'dist/test/fixtures/runtime-app.js')], {
    stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, PERFMEM_DIR: dir },
  });
  t.after(() => { child.kill('SIGKILL'); });
  const out = (async function* () { for await (const d of child.stdout!) yield String(d); })();
  let seen = '';
  while (!seen.includes('ready')) seen += (await out.next()).value ?? '';
  await sleep(1500);
  const watching = perfmem(['watch', String(child.pid), '-i', '500ms', '-n', '20'], { env: { ...process.env, PERFMEM_DIR: dir } });
  await sleep(1200);
  child.stdin!.write('block 6000\n');
  const r = await watching;
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n\n').map((table) => table.split('\n')[2]!);
  const blocked = rows.filter((l) => / BLOCKED /.test(l));
  assert.ok(blocked.length >= 2, `several blocked rows:\n${rows.join('\n')}`);
  const durations = blocked.map((l) => Number(/BLOCKED (\d+(?:\.\d+)?)s/.exec(l)?.[1] ?? /BLOCKED (\d+)ms/.exec(l)![1]! ) * (/BLOCKED \d+ms/.test(l) ? 0.001 : 1));
  for (let i = 1; i < durations.length; i++) assert.ok(durations[i]! > durations[i - 1]!, `the block grows: ${durations}`);
  // While blocked the P99 column (the 5th figure) holds at least the block so far.
  for (const l of blocked) {
    const cells = l.trim().split(/ {2,}/);
    const p99 = Number(cells[cells.length - 2]);
    const ms = Number(/BLOCKED (\d+(?:\.\d+)?)(m?s)/.exec(l)![1]) * (/BLOCKED \d+(?:\.\d+)?s/.test(l) ? 1000 : 1);
    assert.ok(p99 >= ms - 100, `P99 ${p99} includes the block of ${ms} ms: ${l}`);
  }
});

function view(rows: Row[] = [rowFromSample(undefined, sampleOf(3, 'jvm', 'C')), rowFromSample(undefined, sampleOf(1, 'node', 'A')), rowFromSample(undefined, sampleOf(2, 'node', 'B'))]): ViewState {
  if (rows.length === 3) {
    rows[0]!.values.cpu = 5;
    rows[1]!.values.cpu = 50;
    rows[2]!.values.cpu = 20;
  }
  return { rows, sortKey: 'cpu', descending: true, selectedPid: 1, detail: false, detailScroll: 0, width: 120, height: 12, color: false, clock: '12:00:00' };
}

test('watch keys: select, sort, reverse, detail and back, quit', () => {
  let s = view();
  assert.deepEqual(sortRows(s.rows, 'cpu', true).map((r) => r.pid), [1, 2, 3]);
  s = handleKey(s, '\x1b[B').state;
  assert.equal(s.selectedPid, 2);
  s = handleKey(s, 'j').state;
  s = handleKey(s, 'j').state;
  assert.equal(s.selectedPid, 3, 'stays on the last row');
  s = handleKey(s, 'k').state;
  assert.equal(s.selectedPid, 2);
  s = handleKey(s, 'p').state;
  assert.equal(s.sortKey, 'pid');
  assert.equal(s.descending, false);
  s = handleKey(s, 'p').state;
  assert.equal(s.descending, true, 'the same key reverses');
  s = handleKey(s, '\r').state;
  assert.equal(s.detail, true);
  s = handleKey(s, '\x1b[6~').state;
  assert.equal(s.detailScroll, 9);
  s = handleKey(s, '\x1b').state;
  assert.equal(s.detail, false);
  assert.equal(handleKey(s, 'q').quit, true);
  assert.equal(handleKey(s, '\x03').quit, true);
  assert.equal(handleKey(s, 'x').quit, false);
});

test('watch screen: exactly the terminal size, selection marked, blocked and dead flagged', () => {
  const s = view();
  s.rows[2]!.status = 'blocked';
  s.rows[2]!.blockedForMs = 4200;
  s.rows[0]!.status = 'dead';
  const lines = render(s);
  assert.equal(lines.length, s.height);
  for (const l of lines) assert.equal(l.length, s.width, JSON.stringify(l));
  assert.match(lines[0]!, /3 processes, 1 blocked, 1 dead — sorted by cpu ↓/);
  assert.match(lines[2]!, /^> +1 node running +A /);
  assert.match(lines[3]!, /^ +2 node BLOCKED 4\.2s +B /);
  assert.match(lines[4]!, /^ +3 jvm +DEAD +C /);
  const detail = render({ ...s, detail: true });
  assert.equal(detail.length, s.height);
  assert.match(detail[0]!, /1 node A — running — 0 counters/);
  const colored = render({ ...s, color: true });
  assert.match(colored[2]!, /^\x1b\[7m> /, 'reverse video on the selected row');
  assert.match(colored[3]!, /\x1b\[1;31mBLOCKED/);
  assert.match(renderPlain(s.rows, 'x'), /^ *2 +node +BLOCKED 4\.2s +B +20\.0/m);
  assert.ok(sparkWidth(160) > sparkWidth(100));
  assert.equal(sparkWidth(60), 0);
});

test('sparkline: newest value last, scaled, blanks for unknowns', () => {
  assert.equal(sparkline([0, 50, 100], 3, { max: 100 }), '▁▅█');
  assert.equal(sparkline([1, 2, 3, 4, 5, 6, 7, 8], 4), '▅▆▇█');
  assert.equal(sparkline([NaN, 100], 4, { max: 100 }), '   █');
  assert.equal(sparkline([7, 7, 7], 3, { min: 'auto' }), '▄▄▄');
  assert.equal(sparkline([10, 20], 2, { min: 'auto' }), '▁█');
  assert.equal(sparkline([1, 2], 0), '');
});

test('/proc/<pid>/stat: CPU (user, system), RSS, threads, parent and start, with a command holding spaces and parentheses', () => {
  const line = '1234 (my (odd) cmd) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 7 0 9000 123456789 2048 18446744073709551615';
  const s = parseProcStat(line)!;
  assert.equal(s.cpuSeconds, 300 / clockTicks);
  assert.equal(s.cpuUserSeconds, 250 / clockTicks);
  assert.equal(s.cpuSystemSeconds, 50 / clockTicks);
  assert.equal(s.threads, 7);
  assert.equal(s.ppid, 1);
  assert.equal(s.vsizeBytes, 123456789);
  assert.equal(s.startSeconds, 9000 / clockTicks);
  assert.equal(s.startTicks, 9000);
  assert.equal(s.rssBytes, 2048 * pageSize);
  assert.equal(parseProcStat('garbage'), undefined);
  const own = readProcStat(process.pid)!;
  assert.ok(own.cpuSeconds > 0 && own.rssBytes > 1 << 20 && own.threads >= 1 && own.ppid === process.ppid);
  fc.assert(fc.property(fc.string(), (text) => {
    const r = parseProcStat(text);
    assert.ok(r === undefined || Number.isFinite(r.cpuSeconds));
  }));
});
