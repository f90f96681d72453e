/**
 * `--textfile <path>`: the text format written for node_exporter's textfile collector after
 * every sample, atomically (a temporary file in the same directory, then rename(2)), so the
 * collector never reads half a file.
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { formatFamilies } from '../export/prometheus-format.js';
import { mapAppFamilies } from '../export/prometheus-apps.js';
import { mapSample } from '../export/prometheus-map.js';
import type { Monitor } from '../monitor/index.js';
import type { HostSample } from '../monitor/types.js';

export function textfileContent(monitor: Monitor, sample: HostSample, options: { showArgs?: boolean }): string {
  const stats = monitor.stats();
  const families = mapSample(sample, sample.processes, {
    sampleSeconds: stats.lastSampleSeconds, sampleAgeSeconds: Math.max(0, (Date.now() - sample.atMs) / 1000),
    regionReads: stats.regionReads, readErrors: stats.readErrors, samples: stats.samples,
  }, { showArgs: options.showArgs === true });
  families.push(...mapAppFamilies(monitor.apps(), families));
  return formatFamilies(families, 'text');
}

/** Writes `text` to `path` atomically (0644: the collector may run as another user). */
export function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o644, flag: 'w' });
    renameSync(tmp, path);
  } catch (err) {
    try { unlinkSync(tmp); } catch { /* never created */ }
    throw err;
  }
}

/** Writes after every sample; returns a stop function. A failed write warns once per error code. */
export function startTextfile(monitor: Monitor, path: string, options: { showArgs?: boolean }): () => Promise<void> {
  const warned = new Set<string>();
  const write = (s: HostSample): void => {
    try {
      writeAtomically(path, textfileContent(monitor, s, options));
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      if (!warned.has(code)) {
        warned.add(code);
        process.stderr.write(`perfmem serve: cannot write ${path}: ${code}\n`);
      }
    }
  };
  monitor.on('sample', write);
  const latest = monitor.latest();
  if (latest !== undefined) write(latest);
  return async () => { monitor.off('sample', write); };
}
