/**
 * Which exposition format a scraper asked for, from its Accept header, as Prometheus's own
 * exporters decide (client_golang's expfmt.Negotiate): OpenMetrics when the highest-ranked
 * acceptable type is application/openmetrics-text (version 1.0.0 or 0.0.1, or unversioned),
 * else the text format 0.0.4. Prometheus 2.42 sends
 *   application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,
 *   text/plain;version=0.0.4;q=0.5,*\/*;q=0.1
 */
import type { ExpositionFormat } from './prometheus-format.js';

interface Offer { type: string; version: string | undefined; q: number; order: number }

function parseAccept(header: string): Offer[] {
  const offers: Offer[] = [];
  // Bounded: a hostile header of thousands of types costs no more than its first 64.
  header.split(',').slice(0, 64).forEach((part, order) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    if (type === undefined || type === '') return;
    let q = 1;
    let version: string | undefined;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) continue;
      const key = p.slice(0, eq).trim().toLowerCase();
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
      if (key === 'q') q = Number.isFinite(Number(value)) ? Math.min(1, Math.max(0, Number(value))) : 0;
      else if (key === 'version') version = value;
    }
    offers.push({ type: type.toLowerCase(), version, q, order });
  });
  return offers.sort((a, b) => b.q - a.q || a.order - b.order);
}

export function negotiate(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept === '') return 'text';
  for (const o of parseAccept(accept)) {
    if (o.q <= 0) continue;
    if (o.type === 'application/openmetrics-text' && (o.version === undefined || o.version === '1.0.0' || o.version === '0.0.1')) return 'openmetrics';
    if (o.type === 'text/plain' && (o.version === undefined || o.version === '0.0.4')) return 'text';
    if (o.type === '*/*' || o.type === 'text/*') return 'text';
  }
  return 'text';
}
