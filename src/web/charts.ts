/**
 * Time-series charts of the detail view, drawn by uPlot (bundled into the page's script at
 * build time: no CDN). One chart per figure family, sized to its container's width.
 */
import uPlot from 'uplot';
import { h, setText } from './dom.js';
import { formatBytes, formatMs, formatPercent, formatRate } from './format.js';
import { themeColors } from './theme.js';

export type Unit = 'bytes' | 'percent' | 'ms' | 'rate' | 'count';

export interface SeriesSpec {
  label: string;
  unit: Unit;
  /** Draw on the right-hand axis (a second unit). */
  right?: boolean;
}

export function formatUnit(unit: Unit, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  switch (unit) {
    case 'bytes': return formatBytes(v);
    case 'percent': return formatPercent(v);
    case 'ms': return formatMs(v);
    case 'rate': return formatRate(v);
    case 'count': return Math.round(v).toLocaleString('en-US');
  }
}

const CHART_HEIGHT = 170;

/** A chart card: title, the uPlot canvas, and an empty-state line until there are two points. */
export class TimeChart {
  readonly element: HTMLElement;
  private plot: uPlot | null = null;
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;
  private seriesKey = '';
  private observer: ResizeObserver;

  constructor(readonly title: string, readonly id: string) {
    this.body = h('div', { class: 'chart-body' });
    this.note = h('p', { class: 'chart-note' }, 'Collecting…');
    this.element = h('section', { class: 'chart', 'data-chart': id }, h('h3', null, title), this.body, this.note);
    this.observer = new ResizeObserver(() => {
      if (this.plot) this.plot.setSize({ width: this.width(), height: CHART_HEIGHT });
    });
    this.observer.observe(this.body);
  }

  private width(): number {
    return Math.max(200, this.body.clientWidth || 400);
  }

  /** xs: seconds since the epoch; ys: one array per series (null = gap). */
  setData(series: SeriesSpec[], xs: number[], ys: (number | null)[][]): void {
    const enough = xs.length >= 2 && series.length > 0;
    this.note.hidden = enough;
    setText(this.note, series.length === 0 ? 'Not published by this process.' : 'Collecting…');
    if (!enough) {
      this.destroyPlot();
      return;
    }
    const key = series.map((s) => `${s.label}/${s.unit}/${s.right ? 1 : 0}`).join('|');
    const data = [xs, ...ys] as uPlot.AlignedData;
    if (!this.plot || key !== this.seriesKey) {
      this.destroyPlot();
      this.seriesKey = key;
      this.plot = new uPlot(this.options(series), data, this.body);
    } else {
      this.plot.setData(data);
    }
  }

  private options(series: SeriesSpec[]): uPlot.Options {
    const c = themeColors();
    const leftUnit = series.find((s) => !s.right)?.unit ?? 'count';
    const rightUnit = series.find((s) => s.right)?.unit;
    const axis = (unit: Unit, side: 1 | 3, scale: string): uPlot.Axis => ({
      scale,
      side,
      stroke: c.muted,
      grid: { stroke: c.grid, width: 1, show: side === 3 },
      ticks: { stroke: c.grid, width: 1 },
      size: 74,
      values: (_u, splits) => splits.map((v) => formatUnit(unit, v)),
    });
    const axes: uPlot.Axis[] = [{ stroke: c.muted, grid: { stroke: c.grid, width: 1 }, ticks: { stroke: c.grid, width: 1 } }, axis(leftUnit, 3, 'y')];
    if (rightUnit) axes.push(axis(rightUnit, 1, 'y2'));
    return {
      width: this.width(),
      height: CHART_HEIGHT,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
        y2: { range: (_u, _min, max) => [0, rightUnit === 'percent' ? Math.max(1, max) : max > 0 ? max * 1.1 : 1] },
      },
      axes,
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          scale: s.right ? 'y2' : 'y',
          stroke: c.series[i % c.series.length],
          width: 1.5,
          spanGaps: false,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => formatUnit(s.unit, v),
        })),
      ],
    };
  }

  private destroyPlot(): void {
    this.plot?.destroy();
    this.plot = null;
    this.seriesKey = '';
  }

  destroy(): void {
    this.observer.disconnect();
    this.destroyPlot();
  }
}
