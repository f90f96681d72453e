/** Sparklines: a series as a row of block characters, lowest to highest. */

const BLOCKS = '\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588';

export interface SparkScale {
  /** The value drawn as the lowest block (default 0; 'auto': the smallest value shown). */
  min?: number | 'auto';
  /** The value drawn as the highest block (default: the largest value shown). */
  max?: number;
}

/**
 * The last `width` values of `values` as block characters, scaled from `min` to `max`.
 * Missing values (NaN) are blanks; the line is padded on the left so that the newest value
 * is always the last character. A flat series on an automatic scale sits mid-height.
 */
export function sparkline(values: readonly number[], width: number, scale: SparkScale = {}): string {
  if (width <= 0) return '';
  const shown = values.slice(-width);
  const finite = shown.filter((v) => Number.isFinite(v));
  const top = scale.max ?? Math.max(0, ...finite);
  const bottom = scale.min === 'auto' ? Math.min(top, ...finite) : (scale.min ?? 0);
  const span = top - bottom;
  const steps = BLOCKS.length - 1;
  let out = '';
  for (const v of shown) {
    if (!Number.isFinite(v)) out += ' ';
    else if (span <= 0) out += BLOCKS[v > 0 && scale.min === 'auto' ? steps >> 1 : 0];
    else out += BLOCKS[Math.min(steps, Math.max(0, Math.round(((Math.min(v, top) - bottom) / span) * steps)))];
  }
  return out.padStart(width, ' ');
}
