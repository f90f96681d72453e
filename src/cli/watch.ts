/**
 * `perfmem watch [pid...] [-i <interval>] [-n <count>]`: a live dashboard of every Node and
 * JVM process (or the given ones). On a terminal it draws on the alternate screen and redraws
 * in place (cursor home, then each line overwritten: no clear, no flicker); keys sort, select
 * and open a process's counters. When stdout is not a terminal it prints a plain table every
 * interval instead.
 */
import { createMonitor, type Monitor } from '../monitor/index.js';
import type { HostSample } from '../monitor/types.js';
import { liveness } from '../perfmemory/index.js';
import { UsageError } from './errors.js';
import { parseFlags } from './flags.js';
import { interruptibleSleep, writeOut } from './output.js';
import { type Row, type SortKey, labelRows, rowFromSample, sortRows } from './watch-model.js';
import { type ViewState, SORT_KEYS, render, renderPlain } from './watch-render.js';

const usage = 'usage: perfmem watch [pid...] [-i <interval>[ms|s]] [-n <count>] [--plain]';

/** Rows of processes that died stay on screen (flagged) this long when watching everything. */
const DEAD_ROW_MS = 30_000;

/**
 * The rows of the dashboard, kept from one monitor sample to the next (each row's history
 * continues). The monitor reads the regions; this only turns its samples into rows.
 */
export class Watcher {
  readonly monitor: Monitor;
  #rows = new Map<number, Row>();

  constructor(private readonly pids: number[] | undefined, dirs?: string[]) {
    // Named pids stay on screen after they die; when watching everything, dead rows go after a while.
    this.monitor = createMonitor({ pids, dirs, goneRetentionMs: pids === undefined ? DEAD_ROW_MS : Infinity, historyLength: 0 });
  }

  /** One sample of every process, folded into the rows. */
  tick(): HostSample {
    const sample = this.monitor.sample();
    const next = new Map<number, Row>();
    for (const p of sample.processes) next.set(p.pid, rowFromSample(this.#rows.get(p.pid), p));
    this.#rows = next;
    return sample;
  }

  /** Named pids that the first sample did not find: gone, or running without a readable region. */
  missing(): number[] {
    return (this.pids ?? []).filter((pid) => !this.#rows.has(pid));
  }

  rows(): Row[] {
    return labelRows([...this.#rows.values()]);
  }

  close(): void {
    this.monitor.close();
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
  const m = /^(\d{1,7})(ms|s)?$/.exec(intervalText);
  if (m === null) throw new UsageError(`watch: bad interval '${intervalText}' (expected <n>, <n>ms or <n>s)\n${usage}`);
  const intervalMs = Math.max(50, Number(m[1]) * (m[2] === 's' ? 1000 : 1));
  const countText = args.values.get('-n') ?? args.values.get('--count');
  const count = countText === undefined ? 0 : Number(countText);
  if (!Number.isSafeInteger(count) || count < 0) throw new UsageError(`watch: bad count '${countText}'\n${usage}`);
  const watcher = new Watcher(parsePids(args.positionals));
  try {
    watcher.tick();
    for (const pid of watcher.missing()) {
      if (liveness(pid) === 'gone') throw new UsageError(`process ${pid} not found`, 1);
      throw new UsageError(`process ${pid} runs but publishes no region this user can read (start it with --import perfmem/register, or run as its owner)`, 1);
    }
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
    for (let n = 0; !stopped && (count === 0 || n < count); n++) {
      await interruptibleSleep(intervalMs, () => stopped);
      if (stopped) break;
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
    draw();
    let frames = 0;
    while (!quit) {
      await Promise.race([finished, new Promise((r) => setTimeout(r, intervalMs))]);
      if (quit) break;
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
