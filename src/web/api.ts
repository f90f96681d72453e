/**
 * The JSON the dashboard reads from `perfmem serve` (docs/serve.md): the monitor layer's types
 * as they travel over HTTP (maps become objects, absent values become null).
 */
import type { BlockedStack, HistoryPoint, ProcessSummary } from '../monitor/types.js';

export type { BlockedStack, HistoryPoint, ProcessSummary };

/** GET /api/processes, and the data of every `sample` event on /api/events. */
export interface ProcessesBody {
  atMs: number;
  seq: number;
  processes: ProcessSummary[];
}

/** GET /api/processes/<pid>. */
export interface ProcessDetail extends ProcessSummary {
  counters: Record<string, number | string>;
  loopHistogram: { counts: number[]; count: number; sumNs: number; maxNs: number } | null;
  stack: BlockedStack | null;
  proc?: { cpuUserSeconds: number; cpuSystemSeconds: number; rssBytes: number; threads: number; startTimeSeconds: number } | null;
  history: HistoryPoint[];
}

/** One series of an app metric family, as prom-client's get() shapes it. */
export interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  aggregator?: string;
  values: MetricValue[];
}

/** GET /api/apps. */
export interface AppsBody {
  apps: { app: string; pids: number[]; families: MetricFamily[] }[];
}
