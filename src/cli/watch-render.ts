/**
 * The dashboard's screen, as lines of text: pure (state in, lines out). The terminal layer
 * writes them over the previous frame; without a TTY the same table is printed plainly.
 */
import { formatSnapLines } from './snap-format.js';
import { type SparkScale, sparkline } from './sparkline.js';
import { formatBytes, formatDuration } from './units.js';
import { type MetricKey, type Row, type SortKey, METRICS, sortRows } from './watch-model.js';

export interface ViewState {
  rows: Row[];
  sortKey: SortKey;
  descending: boolean;
  /** The selected process, by pid (stays on it when the order changes). */
  selectedPid: number | undefined;
  /** Detail view of the selected process's counters. */
  detail: boolean;
  detailScroll: number;
  width: number;
  height: number;
  /** ANSI attributes for emphasis (reverse video for the selection, bold, colour for states). */
  color: boolean;
  clock: string;
}

interface MetricColumn { key: MetricKey; title: string; format: (v: number, row: Row) => string; scale: SparkScale }

const METRIC_COLUMNS: MetricColumn[] = [
  { key: 'cpu', title: 'CPU%', format: (v) => fixed(v, 1), scale: { max: 100 } },
  { key: 'rss', title: 'RSS', format: (v) => formatBytes(v), scale: { min: 'auto' } },
  { key: 'heap', title: 'HEAP', format: (v) => formatBytes(v), scale: { min: 'auto' } },
  { key: 'gc', title: 'GC/s', format: (v) => fixed(v, 1), scale: {} },
  { key: 'p99', title: 'P99ms', format: (v) => fixed(v, 1), scale: {} },
  { key: 'elu', title: 'ELU%', format: (v) => fixed(v, 1), scale: { max: 100 } },
];

export const SORT_KEYS: Record<string, SortKey> = { c: 'cpu', m: 'rss', h: 'heap', g: 'gc', l: 'p99', e: 'elu', p: 'pid' };

function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

const VALUE_WIDTH = 6;

const sgr = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

function fit(s: string, width: number): string {
  return s.length > width ? s.slice(0, Math.max(0, width - 1)) + '\u2026' : s.padEnd(width);
}

function stateText(row: Row): string {
  if (row.status === 'blocked') return `BLOCKED ${formatDuration(row.blockedForMs)}`;
  if (row.status === 'dead') return 'DEAD';
  return 'running';
}

/** The width of each sparkline for a screen width: what is left after the fixed columns. */
export function sparkWidth(width: number): number {
  const fixedPart = 2 + 7 + 1 + 5 + 14 + 17; // marker, pid, space, kind, state, name
  const gaps = 2 * (METRIC_COLUMNS.length - 1);
  const per = Math.floor((width - fixedPart - gaps) / METRIC_COLUMNS.length) - VALUE_WIDTH - 1;
  return Math.max(0, Math.min(12, per));
}

/** The screen: title, header, one line per process (or the detail view), and the key help. */
export function render(state: ViewState): string[] {
  return state.detail ? renderDetail(state) : renderTable(state);
}

function title(state: ViewState, what: string): string {
  return `perfmem watch \u2014 ${what} \u2014 ${state.clock}`;
}

function renderTable(state: ViewState): string[] {
  const spark = sparkWidth(state.width);
  const rows = sortRows(state.rows, state.sortKey, state.descending);
  const blocked = rows.filter((r) => r.status === 'blocked').length;
  const dead = rows.filter((r) => r.status === 'dead').length;
  const summary = `${rows.length} process${rows.length === 1 ? '' : 'es'}` + (blocked ? `, ${blocked} blocked` : '') + (dead ? `, ${dead} dead` : '');
  const arrow = state.descending ? '\u2193' : '\u2191';
  const lines: string[] = [fit(title(state, `${summary} \u2014 sorted by ${state.sortKey} ${arrow}`), state.width)];
  const metricHeader = METRIC_COLUMNS.map((c) => {
    const t = c.key === state.sortKey ? `${c.title}${arrow}` : c.title;
    return t.padStart(VALUE_WIDTH) + ' ' + ''.padEnd(spark);
  }).join('  ');
  lines.push(sgr(state.color, '1', fit(`  ${'PID'.padStart(7)} ${'KIND'.padEnd(5)}${'STATE'.padEnd(14)}${'NAME'.padEnd(17)}${metricHeader}`, state.width)));
  const room = Math.max(0, state.height - 3);
  const selectedIndex = rows.findIndex((r) => r.pid === state.selectedPid);
  const first = selectedIndex >= room ? selectedIndex - room + 1 : 0;
  for (const row of rows.slice(first, first + room)) {
    const selected = row.pid === state.selectedPid;
    const metrics = METRIC_COLUMNS.map((c) => {
      const v = row.values[c.key];
      const text = row.status === 'dead' ? '-' : c.format(v, row);
      return text.padStart(VALUE_WIDTH) + ' ' + sparkline(row.history[c.key], spark, c.scale);
    }).join('  ');
    let state_ = stateText(row).padEnd(14);
    if (row.status === 'blocked') state_ = sgr(state.color && !selected, '1;31', state_);
    else if (row.status === 'dead') state_ = sgr(state.color && !selected, '2', state_);
    const text = `${selected ? '>' : ' '} ${String(row.pid).padStart(7)} ${row.kind.padEnd(5)}${state_}${fit(row.name, 16)} ${metrics}`;
    const visible = stripAnsi(text).length;
    const padded = visible > state.width ? stripAnsi(text).slice(0, state.width) : text + ' '.repeat(state.width - visible);
    lines.push(selected ? sgr(state.color, '7', stripAnsi(padded)) : padded);
  }
  while (lines.length < state.height - 1) lines.push(' '.repeat(state.width));
  lines.push(fit('q quit  \u2191\u2193 select  enter counters  sort: c cpu  m rss  h heap  g gc  l loop p99  e elu  p pid', state.width));
  return lines.slice(0, state.height);
}

function renderDetail(state: ViewState): string[] {
  const row = state.rows.find((r) => r.pid === state.selectedPid);
  if (row === undefined) return renderTable({ ...state, detail: false });
  const counters = formatSnapLines(row.counters, { verbose: false });
  const room = Math.max(0, state.height - 3);
  const maxScroll = Math.max(0, counters.length - room);
  const scroll = Math.min(Math.max(0, state.detailScroll), maxScroll);
  const lines = [fit(title(state, `${row.pid} ${row.kind} ${row.name} \u2014 ${stateText(row)} \u2014 ${counters.length} counters`), state.width)];
  lines.push(sgr(state.color, '1', fit(`counters ${scroll + 1}-${Math.min(counters.length, scroll + room)} of ${counters.length}`, state.width)));
  for (const c of counters.slice(scroll, scroll + room)) lines.push(fit(c, state.width));
  while (lines.length < state.height - 1) lines.push(' '.repeat(state.width));
  lines.push(fit('esc back  \u2191\u2193 pgup pgdn scroll  q quit', state.width));
  return lines.slice(0, state.height);
}

export function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}

/** The plain-text table printed when stdout is not a terminal: no colours, no sparklines. */
export function renderPlain(rows: readonly Row[], clock: string): string {
  const header = ['PID', 'KIND', 'STATE', 'NAME', ...METRIC_COLUMNS.map((c) => c.title)];
  const body = sortRows(rows, 'pid', false).map((r) => [String(r.pid), r.kind, stateText(r), r.name,
    ...METRIC_COLUMNS.map((c) => (r.status === 'dead' ? '-' : c.format(r.values[c.key], r)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i >= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [`perfmem watch ${clock}`, line(header), ...body.map(line)].join('\n') + '\n';
}

export { METRICS };
