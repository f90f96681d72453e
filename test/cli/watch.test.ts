/**
 * `perfmem watch`: in a real pseudo-terminal (tmux), its screen captured and checked; in
 * plain mode through a pipe; and its model, renderer and keys as pure functions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { BIN, haveJdk, perfmem, startJvm } from './helpers.js';
import { handleKey } from '../../src/cli/watch.js';
import { newRow, update, sortRows, type Reading } from '../../src/cli/watch-model.js';
import { render, renderPlain, sparkWidth, type ViewState } from '../../src/cli/watch-render.js';
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

function reading(counters: Record<string, number | string>, atMs: number, extra: Partial<Reading> = {}): Reading {
  const infos = Object.entries(counters).map(([name, value]) => (typeof value === 'string'
    ? { name, type: 'string' as const, units: 'string' as const, variability: 'variable' as const, supported: true, value, maxLength: 64 }
    : { name, type: 'long' as const, units: 'none' as const, variability: 'variable' as const, supported: true, value }));
  return {
    counters: infos, sample: new Map(Object.entries(counters)), proc: undefined, atMs,
    monoNs: BigInt(atMs) * 1_000_000n, alive: true, ...extra,
  };
}

test('watch model: CPU, GC rate, loop delay and ELU from two readings; blocked and dead states', () => {
  const base = { 'sun.os.hrt.frequency': 1e9, 'node.sample.period': 1e9, 'node.memory.heapUsed': 1 << 20, 'node.memory.heapTotal': 2 << 20, 'node.memory.rss': 50 << 20 };
  let row = newRow(42, 'node', 'app.js');
  row = update(row, reading({ ...base, 'node.cpu.user': 0, 'node.cpu.system': 0, 'node.gc.count': 10, 'node.heartbeat': 1000e6,
    'node.eventLoop.delay.p99': 12_500_000, 'node.eventLoop.utilization': 250_000 }, 1000));
  assert.ok(Number.isNaN(row.values.cpu), 'no rate from a single reading');
  row = update(row, reading({ ...base, 'node.cpu.user': 300e6, 'node.cpu.system': 200e6, 'node.gc.count': 14, 'node.heartbeat': 3000e6,
    'node.eventLoop.delay.p99': 12_500_000, 'node.eventLoop.utilization': 250_000 }, 3000));
  assert.equal(row.values.cpu, 25); // 0.5 s of CPU in 2 s
  assert.equal(row.values.gc, 2); // 4 collections in 2 s
  assert.equal(row.values.p99, 12.5);
  assert.equal(row.values.elu, 25);
  assert.equal(row.values.heap, 1 << 20);
  assert.equal(row.values.rss, 50 << 20);
  assert.equal(row.status, 'running');
  // The heartbeat stops moving: 5 s later, with a 1 s period, the loop is blocked for 5 s.
  row = update(row, reading({ ...base, 'node.cpu.user': 300e6, 'node.cpu.system': 200e6, 'node.gc.count': 14, 'node.heartbeat': 3000e6 }, 8000,
    { proc: { cpuSeconds: 10, cpuUserSeconds: 8, cpuSystemSeconds: 2, vsizeBytes: 1, threads: 1, ppid: 1, rssBytes: 60 << 20, startTicks: 100 * clockTicks, startSeconds: 100 } }));
  assert.equal(row.status, 'blocked');
  assert.equal(row.blockedForMs, 5000);
  assert.equal(row.values.rss, 60 << 20, '/proc wins for RSS');
  row = update(row, { ...reading({}, 9000), counters: undefined, sample: undefined, alive: false });
  assert.equal(row.status, 'dead');
  assert.equal(row.history.cpu.length, 4);
  assert.ok(Number.isNaN(row.history.cpu[3]!));
});

test('watch model: the first reading rates CPU since the process started, from /proc', () => {
  const row = update(newRow(5, 'jvm', 'Main'), reading({}, 0, { proc: { cpuSeconds: 3, cpuUserSeconds: 2, cpuSystemSeconds: 1, vsizeBytes: 1, threads: 1, ppid: 1, rssBytes: 1, startTicks: 100 * clockTicks, startSeconds: 100 }, uptimeSeconds: 112 }));
  assert.equal(row.values.cpu, 25);
});

test('/proc/<pid>/stat: CPU, RSS and start time, with a command holding spaces and parentheses', () => {
  const line = '1234 (my (odd) cmd) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 1 0 9000 123456789 2048 18446744073709551615';
  const s = parseProcStat(line)!;
  assert.equal(s.cpuSeconds, 300 / clockTicks);
  assert.equal(s.startSeconds, 9000 / clockTicks);
  assert.equal(s.startTicks, 9000);
  assert.equal(s.rssBytes, 2048 * pageSize);
  assert.equal(parseProcStat('garbage'), undefined);
  const own = readProcStat(process.pid)!;
  assert.ok(own.cpuSeconds > 0 && own.rssBytes > 1 << 20);
  fc.assert(fc.property(fc.string(), (text) => {
    const r = parseProcStat(text);
    assert.ok(r === undefined || Number.isFinite(r.cpuSeconds));
  }));
});

test('watch model: JVM heap and GC rate come from the sun.gc counters', () => {
  const jvm = (t: number, gcs: number) => reading({ 'sun.os.hrt.frequency': 1e9,
    'sun.gc.generation.0.space.0.used': 100, 'sun.gc.generation.0.space.0.capacity': 1000,
    'sun.gc.generation.1.space.0.used': 50, 'sun.gc.generation.1.space.0.capacity': 500,
    'sun.gc.collector.0.invocations': gcs, 'sun.gc.collector.1.invocations': 1 }, t);
  let row = update(newRow(1, 'jvm', 'Main'), jvm(0, 5));
  row = update(row, jvm(500, 6));
  assert.equal(row.values.heap, 150);
  assert.equal(row.heapTotal, 1500);
  assert.equal(row.values.gc, 2);
  assert.ok(Number.isNaN(row.values.p99) && Number.isNaN(row.values.elu));
  assert.equal(row.status, 'running', 'a JVM has no heartbeat and is never "blocked"');
});

function view(rows = [newRow(3, 'jvm', 'C'), newRow(1, 'node', 'A'), newRow(2, 'node', 'B')]): ViewState {
  rows[0]!.values.cpu = 5;
  rows[1]!.values.cpu = 50;
  rows[2]!.values.cpu = 20;
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
