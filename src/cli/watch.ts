/**
 * `perfmem watch [pid...] [-i <interval>] [-n <count>]`: a live dashboard of every Node and
 * JVM process (or the given ones). On a terminal it draws on the alternate screen and redraws
 * in place (cursor home, then each line overwritten: no clear, no flicker); keys sort, select
 * and open a process's counters. When stdout is not a terminal it prints a plain table every
 * interval instead.
 */
import { listProcesses, attach, attachFile, type ProcessKind, type RegionView } from '../perfmemory/index.js';
import { UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { interruptibleSleep, writeOut } from './output.js';
import { readProcStat, uptimeSeconds } from '../perfmemory/index.js';
import { shortName } from './ps.js';
import { toSample } from './sample.js';
import { parseInterval } from './stat-args.js';
import { isAlive, kindOf, userFacing } from './target.js';
import { type Row, type SortKey, newRow, sortRows, update } from './watch-model.js';
import { type ViewState, SORT_KEYS, render, renderPlain } from './watch-render.js';

const usage = 'usage: perfmem watch [pid...] [-i <interval>[ms|s]] [-n <count>] [--plain]';

/** Rows of processes that died stay on screen (flagged) this long when watching everything. */
const DEAD_ROW_MS = 30_000;

interface Tracked { view: RegionView | undefined; row: Row; diedAt?: number }

/** Keeps a row per process and reads all of them once per tick. */
export class Watcher {
  readonly tracked = new Map<number, Tracked>();
  constructor(private readonly pids: number[] | undefined) {}

  /** Opens the given pids (each must exist), or discovers every live process. */
  discover(): void {
    if (this.pids !== undefined) {
      for (const pid of this.pids) if (!this.tracked.has(pid)) this.open(pid);
      return;
    }
    // The listing has found, checked and identified each region: open its file directly.
    for (const p of listProcesses()) {
      if (p.state !== 'alive' || p.pid === process.pid || this.tracked.has(p.pid) || p.error !== undefined) continue;
      let view: RegionView;
      try {
        view = attachFile(p.path);
      } catch {
        continue; // gone since the listing
      }
      this.tracked.set(p.pid, { view, row: newRow(p.pid, p.kind, shortName(p.kind, p.command, false) || String(p.pid)) });
    }
  }

  /** A pid named on the command line: it must exist and be readable. */
  private open(pid: number): void {
    const view = userFacing(() => attach(pid), String(pid));
    let kind: ProcessKind = 'other';
    let name = '';
    try {
      const sample = toSample(view.counters());
      kind = kindOf(sample);
      const command = sample.get('sun.rt.javaCommand');
      name = shortName(kind, typeof command === 'string' ? command : '', false);
    } catch {
      // Unreadable right now: the first tick will mark it.
    }
    this.tracked.set(pid, { view, row: newRow(pid, kind, name || String(pid)) });
  }

  /** One reading of every tracked process. */
  tick(nowMs = Date.now()): void {
    const uptime = uptimeSeconds();
    for (const [pid, t] of this.tracked) {
      const alive = t.diedAt === undefined && isAlive(pid);
      let counters;
      if (alive && t.view !== undefined) {
        try {
          counters = t.view.counters();
        } catch {
          counters = undefined;
        }
      }
      const reading = {
        counters, sample: counters && toSample(counters), proc: alive ? readProcStat(pid) : undefined,
        uptimeSeconds: uptime, atMs: nowMs, monoNs: process.hrtime.bigint(), alive,
      };
      t.row = update(t.row, reading);
      if (!alive && t.diedAt === undefined) {
        t.diedAt = nowMs;
        t.view?.detach();
        t.view = undefined;
      }
      if (this.pids === undefined && t.diedAt !== undefined && nowMs - t.diedAt > DEAD_ROW_MS) this.tracked.delete(pid);
    }
  }

  rows(): Row[] {
    return [...this.tracked.values()].map((t) => t.row);
  }

  close(): void {
    for (const t of this.tracked.values()) t.view?.detach();
  }
}

export interface KeyResult { state: ViewState; quit: boolean }

/** What a key press does to the view. */
export function handleKey(state: ViewState, key: string): KeyResult {
  const order = sortRows(state.rows, state.sortKey, state.descending).map((r) => r.pid);
  const at = order.indexOf(state.selectedPid ?? -1);
  const move = (by: number): ViewState => {
    if (state.detail) return { ...state, detailScroll: Math.max(0, state.detailScroll + by) };
    if (order.length === 0) return state;
    const next = at < 0 ? 0 : Math.min(order.length - 1, Math.max(0, at + Math.sign(by)));
    return { ...state, selectedPid: order[next] };
  };
  const page = Math.max(1, state.height - 3);
  switch (key) {
    case 'q': case '\x03': return { state, quit: true };
    case '\x1b[A': case 'k': return { state: move(-1), quit: false };
    case '\x1b[B': case 'j': return { state: move(1), quit: false };
    case '\x1b[5~': return { state: state.detail ? move(-page) : state, quit: false };
    case '\x1b[6~': case ' ': return { state: state.detail ? move(page) : state, quit: false };
    case '\r': case '\n':
      if (state.detail || state.selectedPid === undefined) return { state, quit: false };
      return { state: { ...state, detail: true, detailScroll: 0 }, quit: false };
    case '\x1b': case '\x7f': case 'b':
      return { state: { ...state, detail: false }, quit: false };
  }
  const sortKey = state.detail ? undefined : SORT_KEYS[key];
  if (sortKey !== undefined) {
    // The same key again reverses the order; a new metric sorts highest first (pid: lowest first).
    const descending = sortKey === state.sortKey ? !state.descending : sortKey !== 'pid';
    return { state: { ...state, sortKey, descending }, quit: false };
  }
  return { state, quit: false };
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

function parsePids(positionals: string[]): number[] | undefined {
  if (positionals.length === 0) return undefined;
  return positionals.map((p) => {
    if (!/^[1-9]\d{0,9}$/.test(p)) throw new UsageError(`watch: '${p}' is not a pid\n${usage}`);
    return Number(p);
  });
}

export async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, { usage, booleans: ['--plain'], values: ['-i', '--interval', '-n', '--count'] });
  if (args.help) {
    await writeOut(`${usage}\n`);
    return 0;
  }
  const intervalText = args.values.get('-i') ?? args.values.get('--interval') ?? '1s';
  const intervalMs = Math.max(50, parseInterval(intervalText));
  const countText = args.values.get('-n') ?? args.values.get('--count');
  const count = countText === undefined ? 0 : Number(countText);
  if (!Number.isSafeInteger(count) || count < 0) throw new UsageError(`watch: bad count '${countText}'\n${usage}`);
  const watcher = new Watcher(parsePids(args.positionals));
  try {
    watcher.discover();
    const tty = process.stdout.isTTY === true && process.stdin.isTTY === true && !args.flags.has('--plain');
    return tty ? await interactive(watcher, intervalMs, count) : await plain(watcher, intervalMs, count);
  } finally {
    watcher.close();
  }
}

/** Without a terminal: a table every interval, `count` times (0: until interrupted). */
async function plain(watcher: Watcher, intervalMs: number, count: number): Promise<number> {
  let stopped = false;
  const stop = () => { stopped = true; };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    watcher.tick();
    for (let n = 0; !stopped && (count === 0 || n < count); n++) {
      await interruptibleSleep(intervalMs, () => stopped);
      if (stopped) break;
      watcher.discover();
      watcher.tick();
      await writeOut((n > 0 ? '\n' : '') + renderPlain(watcher.rows(), clock()));
    }
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

const ENTER_SCREEN = '\x1b[?1049h\x1b[?25l';
const LEAVE_SCREEN = '\x1b[0m\x1b[?25h\x1b[?1049l';

/** On a terminal: the dashboard on the alternate screen until q, Ctrl-C, or `count` frames. */
async function interactive(watcher: Watcher, intervalMs: number, count: number): Promise<number> {
  const out = process.stdout;
  const stdin = process.stdin;
  let state: ViewState = {
    rows: [], sortKey: 'cpu', descending: true, selectedPid: undefined, detail: false, detailScroll: 0,
    width: out.columns || 80, height: out.rows || 24, color: true, clock: clock(),
  };
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => { done = resolve; });
  let quit = false;
  const draw = () => {
    state = { ...state, rows: watcher.rows(), width: out.columns || 80, height: out.rows || 24, clock: clock() };
    if (state.selectedPid === undefined || !state.rows.some((r) => r.pid === state.selectedPid)) {
      state = { ...state, selectedPid: sortRows(state.rows, state.sortKey, state.descending)[0]?.pid };
    }
    // Cursor home, then every line overwritten in place: the previous frame is never cleared.
    out.write('\x1b[H' + render(state).join('\r\n'));
  };
  const onKey = (data: Buffer) => {
    const keys = data.toString('latin1').match(/\x1b\[[0-9;]*[A-Za-z~]|[\s\S]/g) ?? [];
    for (const key of keys) {
      const r = handleKey(state, key);
      state = r.state;
      if (r.quit) {
        quit = true;
        done();
        return;
      }
    }
    draw();
  };
  const onSignal = () => { quit = true; done(); };
  const restore = () => {
    stdin.off('data', onKey);
    if (stdin.isTTY) stdin.setRawMode(false);
    stdin.pause();
    out.off('resize', draw);
    out.write(LEAVE_SCREEN);
  };
  out.write(ENTER_SCREEN);
  process.once('exit', () => out.write(LEAVE_SCREEN));
  stdin.setRawMode(true);
  stdin.resume();
  stdin.on('data', onKey);
  out.on('resize', draw);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    watcher.tick();
    draw();
    let frames = 0;
    let lastDiscovery = Date.now();
    while (!quit) {
      await Promise.race([finished, new Promise((r) => setTimeout(r, intervalMs))]);
      if (quit) break;
      if (Date.now() - lastDiscovery > 2000) {
        watcher.discover();
        lastDiscovery = Date.now();
      }
      watcher.tick();
      draw();
      if (count > 0 && ++frames >= count) break;
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    restore();
  }
}

export type { SortKey };
