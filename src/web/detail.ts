/**
 * One process: identity, plain-language verdicts, the blocked stack, charts over the kept
 * history (and over the counters seen while the view is open), its app's metrics, and every
 * counter in a filterable table. Refreshed once per sample with GET /api/processes/<pid>.
 */
import type { AppsBody, HistoryPoint, ProcessDetail } from './api.js';
import { renderApps } from './apps.js';
import { TimeChart, type SeriesSpec } from './charts.js';
import { COUNTER_CHARTS, CounterSeries, tickFrequency, type CounterChartSpec } from './counter-charts.js';
import { clear, h, placeRows, setText, setTitle } from './dom.js';
import { formatBytes, formatCounterValue, formatCpu, formatDuration, formatMs, formatPercent, formatRate, formatRuntime } from './format.js';
import { fetchJson } from './live.js';
import { describeState } from './model.js';
import { verdicts } from './verdicts.js';
import { histogramPercentile, type LoopHistogram } from '../runtime/loop-histogram.js';

interface HistoryChart {
  chart: TimeChart;
  series: SeriesSpec[];
  pick: (h: HistoryPoint) => (number | null)[];
}

function historyCharts(runtime: string): HistoryChart[] {
  const charts: HistoryChart[] = [
    {
      chart: new TimeChart('CPU', 'cpu'),
      series: [{ label: 'user', unit: 'percent' }, { label: 'system', unit: 'percent' }],
      pick: (p) => [p.rates.cpuUser, p.rates.cpuSystem],
    },
    {
      chart: new TimeChart('Memory', 'memory'),
      series: [{ label: 'RSS', unit: 'bytes' }, { label: 'heap used', unit: 'bytes' }, { label: 'heap total', unit: 'bytes' }],
      pick: (p) => [p.gauges.rssBytes, p.gauges.heapUsedBytes, p.gauges.heapTotalBytes],
    },
    {
      chart: new TimeChart('Garbage collection', 'gc'),
      series: [{ label: 'GCs/s', unit: 'rate' }, { label: 'time in GC', unit: 'percent', right: true }],
      pick: (p) => [p.rates.gcPerSecond, p.rates.gcTimeRatio],
    },
  ];
  if (runtime === 'node') {
    charts.push({
      chart: new TimeChart('Event-loop delay and utilization', 'loop'),
      series: [
        { label: 'p50', unit: 'ms' }, { label: 'p99', unit: 'ms' }, { label: 'max', unit: 'ms' },
        { label: 'ELU', unit: 'percent', right: true },
      ],
      pick: (p) => [p.rates.loopDelayP50Ms, p.rates.loopDelayP99Ms, p.rates.loopDelayMaxMs, p.rates.elu],
    });
  }
  charts.push({
    chart: new TimeChart(runtime === 'jvm' ? 'Threads' : 'Handles and threads', 'handles'),
    series: runtime === 'jvm' ? [{ label: 'threads', unit: 'count' }] : [{ label: 'active handles', unit: 'count' }, { label: 'OS threads', unit: 'count' }],
    pick: (p) => runtime === 'jvm' ? [p.gauges.threads] : [p.gauges.handles, p.gauges.threads],
  });
  return charts;
}

function toHistogram(j: NonNullable<ProcessDetail['loopHistogram']>): LoopHistogram {
  return { counts: Float64Array.from(j.counts), count: j.count, sumNs: j.sumNs, maxNs: j.maxNs };
}

export class DetailView {
  readonly element: HTMLElement;
  private readonly header = h('header', { class: 'detail-head' });
  private readonly tiles = h('div', { class: 'tiles' });
  private readonly verdictList = h('ul', { class: 'verdicts', id: 'verdicts' });
  private readonly stackBox = h('section', { class: 'stack', id: 'blocked-stack', hidden: true });
  private readonly chartGrid = h('div', { class: 'charts' });
  private readonly appBox = h('div', { class: 'apps' });
  private readonly counterBody = h('tbody');
  private readonly counterCount = h('span', { class: 'muted' });
  private readonly filterInput = h('input', { type: 'search', placeholder: 'Filter counters (e.g. gc, heap, eventLoop)', 'aria-label': 'Filter counters', id: 'counter-filter' });
  private readonly notice = h('p', { class: 'notice', hidden: true });
  private readonly history: HistoryChart[];
  private readonly counterCharts: { spec: CounterChartSpec; chart: TimeChart; series: CounterSeries }[];
  private readonly counterRows = new Map<string, { tr: HTMLTableRowElement; value: HTMLTableCellElement }>();
  private prevCounters: ProcessDetail['counters'] | null = null;
  private prevAtMs = 0;
  private inFlight = false;
  private closed = false;
  private last: ProcessDetail | null = null;
  private lastAppsFetch = 0;

  constructor(readonly pid: number, readonly runtime: string) {
    this.history = historyCharts(runtime);
    this.counterCharts = COUNTER_CHARTS.filter((s) => s.runtime === runtime).map((spec) => ({ spec, chart: new TimeChart(spec.title, spec.id), series: new CounterSeries() }));
    for (const c of this.history) this.chartGrid.append(c.chart.element);
    for (const c of this.counterCharts) this.chartGrid.append(c.chart.element);
    this.filterInput.addEventListener('input', () => this.renderCounters());
    this.element = h('div', { class: 'detail', id: 'detail', 'data-pid': pid },
      h('nav', { class: 'crumbs' }, h('a', { href: '#/' }, '← All processes')),
      this.header, this.notice, this.tiles,
      h('section', { class: 'panel' }, h('h2', null, 'Verdicts'), this.verdictList),
      this.stackBox,
      h('section', { class: 'panel' }, h('h2', null, 'Charts'), this.chartGrid),
      h('section', { class: 'panel' }, h('h2', null, 'App metrics'), this.appBox),
      h('section', { class: 'panel' }, h('h2', null, 'Counters ', this.counterCount), this.filterInput,
        h('div', { class: 'table-wrap' }, h('table', { class: 'counters', id: 'counters' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'num' }, 'Value'))), this.counterBody))));
  }

  /** Called once per sample: fetch this process's figures unless a fetch is still running. */
  refresh(): void {
    if (this.inFlight || this.closed) return;
    this.inFlight = true;
    fetchJson<ProcessDetail>(`/api/processes/${this.pid}`)
      .then((d) => {
        if (!this.closed) this.render(d);
      }, (err: unknown) => {
        if (this.closed) return;
        this.notice.hidden = false;
        setText(this.notice, this.last
          ? `No longer reported by the server (${err instanceof Error ? err.message : String(err)}): showing its last figures.`
          : `Process ${this.pid} is not reported by the server.`);
      })
      .finally(() => {
        this.inFlight = false;
      });
    if (Date.now() - this.lastAppsFetch > 5000) {
      this.lastAppsFetch = Date.now();
      fetchJson<AppsBody>('/api/apps').then((a) => {
        if (!this.closed && this.last) renderApps(this.appBox, a, this.last.app);
      }, () => undefined);
    }
  }

  close(): void {
    this.closed = true;
    for (const c of this.history) c.chart.destroy();
    for (const c of this.counterCharts) c.chart.destroy();
  }

  private render(d: ProcessDetail): void {
    this.last = d;
    this.notice.hidden = true;
    this.renderHeader(d);
    this.renderTiles(d);
    this.renderVerdicts(d);
    this.renderStack(d);
    const xs = d.history.map((p) => p.atMs / 1000);
    for (const c of this.history) {
      const cols: (number | null)[][] = c.series.map(() => []);
      for (const p of d.history) c.pick(p).forEach((v, i) => cols[i]!.push(v));
      c.chart.setData(c.series, xs, cols);
    }
    const frame = { cur: d.counters, prev: this.prevCounters, dtSeconds: (d.sampledAtMs - this.prevAtMs) / 1000, frequency: tickFrequency(d.counters) };
    if (d.sampledAtMs !== this.prevAtMs) {
      for (const c of this.counterCharts) {
        c.series.push(d.sampledAtMs / 1000, c.spec.points(frame));
        const cols = [...c.series.columns.values()];
        c.chart.setData(cols.map((x) => x.spec), c.series.xs, cols.map((x) => x.values));
      }
      this.prevCounters = d.counters;
      this.prevAtMs = d.sampledAtMs;
    }
    this.renderCounters();
  }

  private renderHeader(d: ProcessDetail): void {
    clear(this.header);
    this.header.append(
      h('h1', null, `${d.pid} `, h('span', { class: `badge state-${d.state}`, id: 'detail-state' }, describeState(d))),
      h('p', { class: 'command' }, h('code', null, d.command)),
      h('dl', { class: 'facts' },
        h('dt', null, 'Runtime'), h('dd', null, formatRuntime(d.runtime, d.runtimeVersion)),
        h('dt', null, 'App'), h('dd', null, d.worker !== undefined ? `${d.app} (worker ${d.worker})` : d.app),
        h('dt', null, 'User'), h('dd', null, d.user),
        h('dt', null, 'Parent'), h('dd', null, d.ppid !== undefined ? String(d.ppid) : '–'),
        h('dt', null, 'Started'), h('dd', null, d.startTimeMs ? new Date(d.startTimeMs).toLocaleString() : '–'),
        h('dt', null, 'VM options'), h('dd', null, h('code', null, d.vmArgs || '–')),
        h('dt', null, 'Region'), h('dd', null, h('code', null, d.path))));
  }

  private renderTiles(d: ProcessDetail): void {
    const tile = (label: string, value: string, title?: string) => h('div', { class: 'tile', title }, h('span', { class: 'tile-label' }, label), h('span', { class: 'tile-value' }, value));
    clear(this.tiles);
    const heap = d.gauges.heapLimitBytes ? `${formatBytes(d.gauges.heapUsedBytes)} / ${formatBytes(d.gauges.heapLimitBytes)}` : formatBytes(d.gauges.heapUsedBytes);
    this.tiles.append(
      tile('CPU', formatCpu(d.rates.cpu)),
      tile('RSS', formatBytes(d.gauges.rssBytes)),
      tile('Heap', heap),
      tile('GC', formatRate(d.rates.gcPerSecond)),
      tile('Uptime', formatDuration(d.gauges.uptimeSeconds)));
    if (d.runtime === 'node') {
      this.tiles.append(tile('Loop p99', formatMs(d.rates.loopDelayP99Ms)), tile('ELU', formatPercent(d.rates.elu)));
      if (d.loopHistogram && d.loopHistogram.count > 0) {
        const hist = toHistogram(d.loopHistogram);
        this.tiles.append(tile('Loop since start', `p50 ${formatMs(histogramPercentile(hist, 0.5) / 1e6)} · p99 ${formatMs(histogramPercentile(hist, 0.99) / 1e6)} · max ${formatMs(hist.maxNs / 1e6)}`, 'From the cumulative event-loop delay histogram'));
      }
    } else {
      this.tiles.append(tile('Threads', d.gauges.threads === null ? '–' : String(d.gauges.threads)));
    }
  }

  private renderVerdicts(d: ProcessDetail): void {
    clear(this.verdictList);
    const list = verdicts(d, d.history);
    if (list.length === 0) {
      this.verdictList.append(h('li', { class: 'verdict ok' }, h('strong', null, 'Nothing stands out'), h('span', null, 'Event-loop delay, heap trend, GC time and utilization are within their usual thresholds.')));
    }
    for (const v of list) this.verdictList.append(h('li', { class: `verdict ${v.level}`, 'data-verdict': v.id }, h('strong', null, v.title), h('span', null, v.detail)));
  }

  private renderStack(d: ProcessDetail): void {
    clear(this.stackBox);
    const stack = d.stack;
    this.stackBox.hidden = !stack || stack.frames.length === 0;
    if (!stack || stack.frames.length === 0) return;
    const age = formatDuration(Math.max(0, (d.sampledAtMs - stack.takenAtMs) / 1000));
    this.stackBox.append(
      h('h2', null, d.state === 'blocked' ? 'Where the event loop is blocked' : 'Last blocked stack'),
      h('p', { class: 'muted' }, `Taken by the watchdog thread ${age} before this sample, innermost frame first.`),
      h('ol', { class: 'frames' }, ...stack.frames.map((f) => h('li', null, h('code', null, `${f.functionName || '(anonymous)'} `), h('span', { class: 'muted' }, `${f.url}:${f.line}:${f.column}`)))));
  }

  private renderCounters(): void {
    const d = this.last;
    if (!d) return;
    const words = this.filterInput.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const names = Object.keys(d.counters).sort();
    const wanted: HTMLTableRowElement[] = [];
    for (const name of names) {
      const value = d.counters[name]!;
      const lower = name.toLowerCase();
      if (!words.every((w) => lower.includes(w) || (typeof value === 'string' && value.toLowerCase().includes(w)))) continue;
      let row = this.counterRows.get(name);
      if (!row) {
        const valueCell = h('td', { class: typeof value === 'number' ? 'num' : 'str' });
        row = { tr: h('tr', null, h('td', { class: 'counter-name' }, name), valueCell), value: valueCell };
        this.counterRows.set(name, row);
      }
      const text = formatCounterValue(value);
      setText(row.value, text);
      setTitle(row.value, text);
      wanted.push(row.tr);
    }
    placeRows(this.counterBody, wanted); // rows filtered out go
    const shown = wanted.length;
    setText(this.counterCount, `${shown} of ${names.length}`);
  }
}
