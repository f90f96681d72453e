/**
 * How the dashboard writes figures: short, fixed units, a dash for "not known". Pure (no DOM),
 * so the unit tests run it under Node.
 */

export const DASH = '–';

/** 1536 -> "1.5 KiB"; binary units, as RSS and heap are reported by the kernel and V8. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${n < 0 ? '-' : ''}${v.toFixed(digits)} ${units[i]}`;
}

/** A share 0..1 as a percentage: 0.1234 -> "12.3%". */
export function formatPercent(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  const p = x * 100;
  return `${p >= 100 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** Milliseconds with a precision that suits the size: 0.42 ms, 12.3 ms, 1234 ms -> 1.23 s. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** A duration in seconds, two largest units: 3725 -> "1h 2m", 59 -> "59s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return DASH;
  const s = Math.floor(seconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${r}s`;
  return `${r}s`;
}

/** A rate per second: 0 -> "0/s", 0.25 -> "0.25/s", 12.5 -> "12.5/s". */
export function formatRate(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  if (x === 0) return '0/s';
  if (x >= 100) return `${x.toFixed(0)}/s`;
  if (x >= 10) return `${x.toFixed(1)}/s`;
  return `${x.toFixed(2)}/s`;
}

/** CPU as a share of one core (1.0 = one core busy) -> "12.3%" (may exceed 100% on several cores). */
export function formatCpu(cores: number | null | undefined): string {
  return formatPercent(cores);
}

/** A counter's raw value for the counters table: integers with thin grouping, strings as they are. */
export function formatCounterValue(v: number | string): string {
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return String(v);
}

/** "v20.20.2" -> "Node 20.20.2"; "17.0.15+6-Debian-1deb12u1" -> "JVM 17.0.15". */
export function formatRuntime(runtime: string, version: string): string {
  if (runtime === 'node') return `Node ${version.replace(/^v/, '')}`.trim();
  if (runtime === 'jvm') {
    const m = /^(\d+(?:\.\d+)*)/.exec(version);
    return `JVM ${m ? m[1] : version}`.trim();
  }
  return version === '' ? 'other' : version;
}

/** Cut a long untrusted string for a table cell (the full text goes into the title). */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  return `${s.slice(0, Math.max(0, max - 1))}…`;
}
