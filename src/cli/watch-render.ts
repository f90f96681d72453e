/**
 * The dashboard's screen, as lines of text: pure (state in, lines out). The terminal layer
 * writes them over the previous frame; without a TTY the same table is printed plainly.
 */
import { escapeTerminal } from './escape.js';
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
  if (row.status === 'stale') return 'stale';
  return 'running';
}

/** The NAME column: narrower on a narrow screen, so that one more metric fits. */
function nameWidth(width: number): number {
  return width >= 100 ? 16 : 12;
}

/** marker, pid, space, kind, state, name (and the space after it). */
function fixedPart(width: number): number {
  return 2 + 7 + 1 + 5 + 14 + nameWidth(width) + 1;
}
/**
 * The metric columns least useful on a narrow screen go first: GC/s (its effect shows in
 * P99 and ELU), then HEAP, then RSS. CPU, P99 and ELU stay while anything fits.
 */
const DROP_ORDER: MetricKey[] = ['gc', 'heap', 'rss', 'elu', 'p99', 'cpu'];

/** The metric columns that fit a screen width, in display order. */
export function fittedColumns(width: number): MetricColumn[] {
  let shown = METRIC_COLUMNS;
  for (const key of DROP_ORDER) {
    if (fixedPart(width) + shown.length * (VALUE_WIDTH + 2) - 2 <= width) break;
    shown = shown.filter((c) => c.key !== key);
  }
  return shown;
}

/** The width of each sparkline for a screen width: what is left after the fixed columns. */
export function sparkWidth(width: number): number {
  const n = fittedColumns(width).length;
  if (n === 0) return 0;
  const gaps = 2 * (n - 1);
  const per = Math.floor((width - fixedPart(width) - gaps) / n) - VALUE_WIDTH - 1;
  // A sparkline narrower than 3 cells says nothing: none at all then.
  return per < 3 ? 0 : Math.min(12, per);
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
  const columns = fittedColumns(state.width);
  const rows = sortRows(state.rows, state.sortKey, state.descending);
  const blocked = rows.filter((r) => r.status === 'blocked').length;
  const dead = rows.filter((r) => r.status === 'dead').length;
  const summary = `${rows.length} process${rows.length === 1 ? '' : 'es'}` + (blocked ? `, ${blocked} blocked` : '') + (dead ? `, ${dead} dead` : '');
  const arrow = state.descending ? '\u2193' : '\u2191';
  const lines: string[] = [fit(title(state, `${summary} \u2014 sorted by ${state.sortKey} ${arrow}`), state.width)];
  const metricHeader = columns.map((c) => {
    const t = c.key === state.sortKey ? `${c.title}${arrow}` : c.title;
    return t.padStart(VALUE_WIDTH) + (spark > 0 ? ' ' + ''.padEnd(spark) : '');
  }).join('  ');
  const nw = nameWidth(state.width);
  lines.push(sgr(state.color, '1', fit(`  ${'PID'.padStart(7)} ${'KIND'.padEnd(5)}${'STATE'.padEnd(14)}${'NAME'.padEnd(nw + 1)}${metricHeader}`, state.width)));
  const room = Math.max(0, state.height - 3);
  const selectedIndex = rows.findIndex((r) => r.pid === state.selectedPid);
  const first = selectedIndex >= room ? selectedIndex - room + 1 : 0;
  for (const row of rows.slice(first, first + room)) {
    const selected = row.pid === state.selectedPid;
    const metrics = columns.map((c) => {
      const v = row.values[c.key];
      const text = row.status === 'dead' || row.status === 'stale' ? '-' : c.format(v, row);
      return text.padStart(VALUE_WIDTH) + (spark > 0 ? ' ' + sparkline(row.history[c.key], spark, c.scale) : '');
    }).join('  ');
    let state_ = stateText(row).padEnd(14);
    if (row.status === 'blocked') state_ = sgr(state.color && !selected, '1;31', state_);
    else if (row.status === 'dead' || row.status === 'stale') state_ = sgr(state.color && !selected, '2', state_);
    const text = `${selected ? '>' : ' '} ${String(row.pid).padStart(7)} ${row.kind.padEnd(5)}${state_}${fit(row.name, nw)} ${metrics}`;
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
  const counters = detailLines(row);
  const room = Math.max(0, state.height - 3);
  const maxScroll = Math.max(0, counters.length - room);
  const scroll = Math.min(Math.max(0, state.detailScroll), maxScroll);
  const where = row.blockedIn === undefined ? '' : ` in ${row.blockedIn}`;
  const lines = [fit(title(state, `${row.pid} ${row.kind} ${row.name} \u2014 ${stateText(row)}${where} \u2014 ${row.sample.counters.size} counters`), state.width)];
  lines.push(sgr(state.color, '1', fit(`counters ${scroll + 1}-${Math.min(counters.length, scroll + room)} of ${counters.length}`, state.width)));
  for (const c of counters.slice(scroll, scroll + room)) lines.push(fit(c, state.width));
  while (lines.length < state.height - 1) lines.push(' '.repeat(state.width));
  lines.push(fit('esc back  \u2191\u2193 pgup pgdn scroll  q quit', state.width));
  return lines.slice(0, state.height);
}

/**
 * The detail view's lines: the blocked loop's whole stack (innermost first) when the watchdog
 * published one, then every counter as `name=value`, sorted by name, strings quoted and escaped.
 */
export function detailLines(row: Row): string[] {
  const lines: string[] = [];
  const stack = row.sample.stack;
  if (stack !== undefined && stack.frames.length > 0) {
    lines.push(`stack of the blocked loop (${stack.frames.length} frames, innermost first):`);
    for (const f of stack.frames) lines.push(`  at ${escapeTerminal(f.functionName || '<anonymous>')} (${escapeTerminal(f.url)}:${f.line}:${f.column})`);
    lines.push('');
  }
  const names = [...row.sample.counters.keys()].sort();
  for (const name of names) {
    const v = row.sample.counters.get(name)!;
    lines.push(`${escapeTerminal(name)}=${typeof v === 'string' ? `"${escapeTerminal(v)}"` : String(v)}`);
  }
  return lines;
}

export function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}

/** The plain-text table printed when stdout is not a terminal: no colours, no sparklines. */
export function renderPlain(rows: readonly Row[], clock: string): string {
  const header = ['PID', 'KIND', 'STATE', 'NAME', ...METRIC_COLUMNS.map((c) => c.title)];
  const body = sortRows(rows, 'pid', false).map((r) => [String(r.pid), r.kind, stateText(r), r.name,
    ...METRIC_COLUMNS.map((c) => (r.status === 'dead' || r.status === 'stale' ? '-' : c.format(r.values[c.key], r)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i >= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [`perfmem watch ${clock}`, line(header), ...body.map(line)].join('\n') + '\n';
}

export { METRICS };
