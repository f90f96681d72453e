/**
 * The host view: every process in one table, grouped by app (primary first, its workers
 * indented), sortable by any column, with sparklines. Rows are kept per pid and only the cells
 * whose text changed are touched, so a sample of 100 processes costs little layout work.
 */
import type { ProcessSummary } from './api.js';
import { h, placeRows, setText, setTitle } from './dom.js';
import { formatBytes, formatCpu, formatDuration, formatMs, formatPercent, formatRate, formatRuntime, truncate } from './format.js';
import { describeState, groupByApp, isWorkerOf, newSparks, pushSparks, type SortKey, type SortOrder, type Sparks } from './model.js';
import { drawSpark, sparkLine, type Spark } from './sparkline.js';

interface Column {
  key: SortKey;
  label: string;
  title: string;
  numeric: boolean;
  /** Hidden first on narrow windows (CSS). */
  optional?: boolean;
  defaultDescending?: boolean;
}

const COLUMNS: Column[] = [
  { key: 'pid', label: 'PID', title: 'Process id', numeric: true },
  { key: 'runtime', label: 'Runtime', title: 'Node or JVM, and its version', numeric: false, optional: true },
  { key: 'command', label: 'Command', title: 'Script or main class and arguments', numeric: false, optional: true },
  { key: 'state', label: 'State', title: 'running, blocked (event loop stuck, and where), stale or gone', numeric: false },
  { key: 'uptime', label: 'Uptime', title: 'Time since the process started', numeric: true, optional: true, defaultDescending: true },
  { key: 'cpu', label: 'CPU', title: 'CPU time per second over the last sample (100% = one core)', numeric: true, defaultDescending: true },
  { key: 'rss', label: 'RSS', title: 'Resident memory', numeric: true, defaultDescending: true },
  { key: 'heap', label: 'Heap', title: 'Heap in use (V8 or Java heap)', numeric: true, defaultDescending: true },
  { key: 'gc', label: 'GC', title: 'Garbage collections per second', numeric: true, optional: true, defaultDescending: true },
  { key: 'loop', label: 'Loop p99', title: 'Event-loop delay, 99th percentile over the last sample (Node)', numeric: true, defaultDescending: true },
  { key: 'elu', label: 'ELU', title: 'Event-loop utilization: share of time the loop was busy (Node)', numeric: true, optional: true, defaultDescending: true },
];

interface Row {
  tr: HTMLTableRowElement;
  pidLink: HTMLAnchorElement;
  instance: HTMLSpanElement;
  runtime: HTMLTableCellElement;
  command: HTMLTableCellElement;
  state: HTMLSpanElement;
  stateCell: HTMLTableCellElement;
  uptime: HTMLTableCellElement;
  cpu: HTMLSpanElement;
  rss: HTMLSpanElement;
  heap: HTMLTableCellElement;
  gc: HTMLTableCellElement;
  loop: HTMLSpanElement;
  elu: HTMLTableCellElement;
  cpuSpark: Spark;
  rssSpark: Spark;
  loopSpark: Spark;
  sparks: Sparks;
  /** On screen (IntersectionObserver): only those rows' sparklines are drawn each sample. */
  visible: boolean;
}

interface GroupRow {
  tr: HTMLTableRowElement;
  name: HTMLSpanElement;
  stats: HTMLSpanElement;
}

export class ProcessTable {
  readonly element: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly headers = new Map<SortKey, HTMLTableCellElement>();
  private readonly rows = new Map<number, Row>();
  private readonly groupRows = new Map<string, GroupRow>();
  private readonly empty: HTMLElement;
  private order: SortOrder = { key: 'cpu', descending: true };
  private filter = '';
  private last: { seq: number; processes: ProcessSummary[] } | null = null;
  private readonly rowByElement = new WeakMap<Element, Row>();
  // Drawing 300 canvases a second costs more than all the table's text; most rows are off screen.
  private readonly observer = new IntersectionObserver((entries) => {
    for (const e of entries) {
      const row = this.rowByElement.get(e.target);
      if (!row) continue;
      row.visible = e.isIntersecting;
      if (row.visible) this.drawSparks(row);
    }
  });

  constructor(private readonly onOpen: (pid: number) => void) {
    const headRow = h('tr');
    for (const col of COLUMNS) {
      const button = h('button', { type: 'button', class: 'sort', title: col.title }, col.label);
      button.addEventListener('click', () => this.sortBy(col));
      const th = h('th', { scope: 'col', class: `c-${col.key}${col.numeric ? ' num' : ''}${col.optional ? ' optional' : ''}` }, button);
      this.headers.set(col.key, th);
      headRow.append(th);
    }
    this.tbody = h('tbody');
    this.empty = h('p', { class: 'empty', hidden: true }, 'No instrumented process found yet. Start a Node process with `node --import perfmem/register app.js`, or any JVM.');
    const table = h('table', { class: 'procs', id: 'process-table' }, h('thead', null, headRow), this.tbody);
    this.tbody.addEventListener('click', (ev) => {
      const target = ev.target as HTMLElement;
      if (target.closest('a')) return;
      const tr = target.closest('tr[data-pid]');
      if (tr) this.onOpen(Number(tr.getAttribute('data-pid')));
    });
    this.element = h('div', { class: 'table-wrap' }, table, this.empty);
    this.markSort();
  }

  setFilter(text: string): void {
    this.filter = text.trim().toLowerCase();
    if (this.last) this.render(this.last.processes, this.last.seq, false);
  }

  update(processes: ProcessSummary[], seq: number): void {
    this.last = { seq, processes };
    this.render(processes, seq, true);
  }

  private sortBy(col: Column): void {
    this.order = this.order.key === col.key
      ? { key: col.key, descending: !this.order.descending }
      : { key: col.key, descending: col.defaultDescending ?? false };
    this.markSort();
    if (this.last) this.render(this.last.processes, this.last.seq, false);
  }

  private markSort(): void {
    for (const [key, th] of this.headers) {
      if (key === this.order.key) th.setAttribute('aria-sort', this.order.descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
  }

  private matches(p: ProcessSummary): boolean {
    if (!this.filter) return true;
    return String(p.pid).includes(this.filter) || p.app.toLowerCase().includes(this.filter) || p.command.toLowerCase().includes(this.filter) || p.state.includes(this.filter);
  }

  private render(all: ProcessSummary[], seq: number, newSample: boolean): void {
    const seen = new Set<number>();
    const wanted: HTMLTableRowElement[] = [];
    const seenGroups = new Set<string>();
    const visible = all.filter((p) => this.matches(p));
    for (const group of groupByApp(visible, this.order)) {
      const g = this.groupRow(group.app);
      seenGroups.add(group.app);
      const n = group.processes.length;
      setText(g.stats, `${n} process${n === 1 ? '' : 'es'} · CPU ${formatCpu(group.cpu)} · RSS ${formatBytes(group.rssBytes)}`);
      wanted.push(g.tr);
      for (const p of group.processes) {
        const row = this.row(p.pid);
        seen.add(p.pid);
        if (newSample) pushSparks(row.sparks, p, seq);
        this.fill(row, p, isWorkerOf(p, group));
        if (newSample && row.visible) this.drawSparks(row);
        wanted.push(row.tr);
      }
    }
    // Keep the sparklines of processes that are filtered out; drop those the server dropped.
    const present = new Set(all.map((p) => p.pid));
    for (const [pid, row] of this.rows) {
      if (!present.has(pid)) {
        this.observer.unobserve(row.tr);
        row.tr.remove();
        this.rows.delete(pid);
      } else if (!seen.has(pid)) row.tr.remove();
    }
    for (const [app, g] of this.groupRows) {
      if (!seenGroups.has(app)) {
        g.tr.remove();
        this.groupRows.delete(app);
      }
    }
    placeRows(this.tbody, wanted);
    this.empty.hidden = all.length > 0;
  }

  private drawSparks(row: Row): void {
    drawSpark(row.cpuSpark, row.sparks.cpu, 0.05);
    drawSpark(row.rssSpark, row.sparks.rss);
    drawSpark(row.loopSpark, row.sparks.loop, 5);
  }

  private groupRow(app: string): GroupRow {
    let g = this.groupRows.get(app);
    if (!g) {
      const name = h('span', { class: 'group-name' }, app);
      const stats = h('span', { class: 'group-stats' });
      const tr = h('tr', { class: 'group' }, h('th', { colspan: COLUMNS.length, scope: 'rowgroup' }, name, stats));
      tr.setAttribute('data-app', app);
      g = { tr, name, stats };
      this.groupRows.set(app, g);
    }
    return g;
  }

  private row(pid: number): Row {
    let row = this.rows.get(pid);
    if (row) return row;
    const td = (key: SortKey, ...children: (Node | string)[]) => {
      const col = COLUMNS.find((c) => c.key === key)!;
      return h('td', { class: `c-${key}${col.numeric ? ' num' : ''}${col.optional ? ' optional' : ''}` }, ...children);
    };
    const pidLink = h('a', { href: `#/process/${pid}` }, String(pid));
    const instance = h('span', { class: 'instance' });
    const state = h('span', { class: 'state' });
    const cpu = h('span');
    const rss = h('span');
    const loop = h('span');
    const cpuSpark = sparkLine('CPU over the last minute', '--c1');
    const rssSpark = sparkLine('RSS over the last minute', '--c2');
    const loopSpark = sparkLine('Event-loop delay p99 over the last minute', '--c3');
    const cells = {
      runtime: td('runtime'),
      command: td('command'),
      stateCell: td('state', state),
      uptime: td('uptime'),
      heap: td('heap'),
      gc: td('gc'),
      elu: td('elu'),
    };
    const tr = h('tr', { class: 'proc' },
      td('pid', pidLink, instance), cells.runtime, cells.command, cells.stateCell, cells.uptime,
      td('cpu', h('span', { class: 'with-spark' }, cpuSpark.element, cpu)),
      td('rss', h('span', { class: 'with-spark' }, rssSpark.element, rss)),
      cells.heap, cells.gc,
      td('loop', h('span', { class: 'with-spark' }, loopSpark.element, loop)),
      cells.elu);
    tr.setAttribute('data-pid', String(pid));
    row = { tr, pidLink, instance, state, cpu, rss, loop, cpuSpark, rssSpark, loopSpark, sparks: newSparks(), visible: false, ...cells };
    this.rows.set(pid, row);
    this.rowByElement.set(tr, row);
    this.observer.observe(tr);
    return row;
  }

  private fill(row: Row, p: ProcessSummary, worker: boolean): void {
    const cls = `proc state-${p.state}${worker ? ' worker' : ''}`;
    if (row.tr.className !== cls) row.tr.className = cls;
    if (row.tr.getAttribute('data-state') !== p.state) row.tr.setAttribute('data-state', p.state);
    setText(row.runtime, formatRuntime(p.runtime, p.runtimeVersion).replace(/^(\S+ \d+)\..*$/, '$1'));
    setTitle(row.runtime, formatRuntime(p.runtime, p.runtimeVersion));
    // The group row above names the app; a worker row says which worker it is.
    setText(row.instance, p.worker !== undefined ? ` #${p.worker}` : '');
    setTitle(row.tr, p.worker !== undefined ? `${p.app}, worker ${p.worker}` : p.app);
    setText(row.command, truncate(p.command, 80));
    setTitle(row.command, p.command);
    setText(row.state, describeState(p, true));
    setTitle(row.stateCell, describeState(p));
    setText(row.uptime, formatDuration(p.gauges.uptimeSeconds));
    setText(row.cpu, formatCpu(p.rates.cpu));
    setText(row.rss, formatBytes(p.gauges.rssBytes));
    setText(row.heap, formatBytes(p.gauges.heapUsedBytes));
    setText(row.gc, formatRate(p.rates.gcPerSecond));
    setText(row.loop, formatMs(p.rates.loopDelayP99Ms));
    setText(row.elu, formatPercent(p.rates.elu));
  }
}
