/**
 * Table sparklines: a small SVG polyline per cell whose `points` are rewritten once per sample.
 * Measured (bench/web.bench.ts): canvases cost about twice as much here, each one being a
 * layer of its own for the compositor, while polylines paint with the table.
 */
import type { Ring } from './model.js';

export const SPARK_WIDTH = 48;
export const SPARK_HEIGHT = 18;
const SVG = 'http://www.w3.org/2000/svg';

export interface Spark {
  element: SVGSVGElement;
  line: SVGPolylineElement;
}

export function sparkLine(label: string, colorVar: string): Spark {
  const element = document.createElementNS(SVG, 'svg');
  element.setAttribute('class', 'spark');
  element.setAttribute('width', String(SPARK_WIDTH));
  element.setAttribute('height', String(SPARK_HEIGHT));
  element.setAttribute('viewBox', `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`);
  element.setAttribute('role', 'img');
  element.setAttribute('aria-label', label);
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('fill', 'none');
  line.setAttribute('stroke', `var(${colorVar})`);
  line.setAttribute('stroke-width', '1.25');
  line.setAttribute('vector-effect', 'non-scaling-stroke');
  element.append(line);
  return { element, line };
}

/** The polyline's points for the ring's values scaled to [0, max(ring, floor)]; NaN breaks the line at that point. */
export function sparkPoints(ring: Ring, floor = 0): string {
  const n = ring.length;
  if (n < 2) return '';
  const max = Math.max(ring.max(), floor) || 1;
  const step = SPARK_WIDTH / (ring.capacity - 1);
  const x0 = SPARK_WIDTH - (n - 1) * step;
  const pad = 1.5;
  let out = '';
  for (let i = 0; i < n; i++) {
    const v = ring.at(i);
    if (!Number.isFinite(v)) continue;
    const y = SPARK_HEIGHT - pad - (v / max) * (SPARK_HEIGHT - 2 * pad);
    out += `${(x0 + i * step).toFixed(1)},${y.toFixed(1)} `;
  }
  return out;
}

export function drawSpark(s: Spark, ring: Ring, floor = 0): void {
  const points = sparkPoints(ring, floor);
  if (s.line.getAttribute('points') !== points) s.line.setAttribute('points', points);
}
