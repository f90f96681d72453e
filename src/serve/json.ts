/**
 * The JSON bodies of the /api endpoints (docs/serve.md lists every field): the monitor's
 * shapes, with a sample's counters as an object and its histogram's counts as an array.
 */
import type { HistoryPoint, HostSample, ProcessSample, ProcessSummary } from '../monitor/types.js';

/** A process's row without its counters, histogram, stack and /proc figures. */
export function summaryOf(p: ProcessSample): ProcessSummary {
  const { counters: _c, loopHistogram: _h, stack: _s, proc: _p, ...summary } = p;
  return summary;
}

export function processesBody(sample: HostSample, keep: (p: ProcessSample) => boolean): string {
  return JSON.stringify({ atMs: sample.atMs, seq: sample.seq, processes: sample.processes.filter(keep).map(summaryOf) });
}

export function processBody(p: ProcessSample, history: HistoryPoint[]): string {
  // No prototype: a hostile region may name a counter __proto__.
  const counters = Object.create(null) as Record<string, number | string>;
  for (const [name, value] of p.counters) counters[name] = value;
  const h = p.loopHistogram;
  return JSON.stringify({
    ...p, counters,
    loopHistogram: h === undefined ? null : { counts: Array.from(h.counts), count: h.count, sumNs: h.sumNs, maxNs: h.maxNs },
    stack: p.stack ?? null,
    proc: p.proc ?? null,
    history,
  });
}
