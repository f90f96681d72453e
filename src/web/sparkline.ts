/**
 * Table sparklines: a small canvas per cell, redrawn once per sample. A plain 2D path is far
 * cheaper than a chart object per cell (100 processes x 3 sparklines at 1 Hz).
 */
import type { Ring } from './model.js';

export const SPARK_WIDTH = 64;
export const SPARK_HEIGHT = 18;

export function sparkCanvas(label: string): HTMLCanvasElement {
  const c = document.createElement('canvas');
  const ratio = Math.min(2, window.devicePixelRatio || 1);
  c.width = SPARK_WIDTH * ratio;
  c.height = SPARK_HEIGHT * ratio;
  c.className = 'spark';
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', label);
  return c;
}

/** Draws the ring's values scaled to [0, max(ring, floor)]; NaN leaves a gap. */
export function drawSpark(c: HTMLCanvasElement, ring: Ring, color: string, floor = 0): void {
  const ctx = c.getContext('2d');
  if (!ctx) return;
  const w = c.width;
  const hgt = c.height;
  ctx.clearRect(0, 0, w, hgt);
  const n = ring.length;
  if (n < 2) return;
  const max = Math.max(ring.max(), floor) || 1;
  const step = w / (ring.capacity - 1);
  const x0 = w - (n - 1) * step;
  const pad = 1.5;
  ctx.beginPath();
  let pen = false;
  for (let i = 0; i < n; i++) {
    const v = ring.at(i);
    if (!Number.isFinite(v)) {
      pen = false;
      continue;
    }
    const x = x0 + i * step;
    const y = hgt - pad - (v / max) * (hgt - 2 * pad);
    if (pen) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    pen = true;
  }
  ctx.lineWidth = Math.max(1, c.width / SPARK_WIDTH) * 1.25;
  ctx.strokeStyle = color;
  ctx.stroke();
}
