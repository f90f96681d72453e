/**
 * The monitor layer's public shapes: the host's processes as `watch`, `perfmem serve` (its
 * JSON API and push channel), the web dashboard and the OTLP exporter all see them. A field
 * may be added; none is renamed or removed without updating every user (docs/serve.md lists
 * the JSON names). Strings that come from a region (command, vmArgs, app, counter names and
 * values, stack frames) are untrusted: escape them wherever they are shown.
 */
import type { LoopHistogram } from '../runtime/loop-histogram.js';

export type Runtime = 'node' | 'jvm' | 'other';

/**
 * running: publishing; blocked: a Node process whose heartbeat is older than a few periods;
 * stale: its region outlived it (or its pid now belongs to another process); gone: it was
 * seen earlier and its region has since disappeared (kept a while in history).
 */
export type ProcessState = 'running' | 'blocked' | 'stale' | 'gone';

export interface StackFrame {
  functionName: string;
  /** Script URL or path as V8 reports it. */
  url: string;
  /** 1-based, as people read them. */
  line: number;
  column: number;
}

export interface BlockedStack {
  /** Wall clock (ms since the epoch) when the watchdog took it. */
  takenAtMs: number;
  frames: StackFrame[];
}

/** Who a process is: read once from its region (and /proc), constant for its life. */
export interface ProcessIdentity {
  pid: number;
  ppid?: number;
  /** The user from the directory name hsperfdata_<user>. */
  user: string;
  runtime: Runtime;
  /** Its app's name: PERFMEM_APP or PM2's name, else its primary's script or a JVM's main class (`name#pid` when two apps share a name); see monitor/app-metrics.ts appNames. */
  app: string;
  /** Its instance within the app: cluster worker id or NODE_APP_INSTANCE, when known. */
  worker?: string;
  /** Script or main class and arguments (sun.rt.javaCommand), raw. */
  command: string;
  /** Node's execArgv or the JVM's options, raw. */
  vmArgs: string;
  /** e.g. "v20.20.2" or "17.0.15+6-Debian-1deb12u1". */
  runtimeVersion: string;
  /** ms since the epoch. */
  startTimeMs: number;
  /** The region's file. */
  path: string;
}

/**
 * Figures over the interval between the last two samples (rates, shares, percentiles), as
 * views show them. null: not known for this process or this interval (first sample, nothing
 * new published, not a Node process...).
 */
export interface ProcessRates {
  /** Seconds of the interval these figures cover. */
  intervalSeconds: number;
  /** CPU time (user + system) per second of wall time: 1.0 is one core. */
  cpu: number | null;
  cpuUser: number | null;
  cpuSystem: number | null;
  /** Collections per second, and the share of time in GC pauses (0..1). */
  gcPerSecond: number | null;
  gcTimeRatio: number | null;
  /** Node: event-loop delay over the interval (including an ongoing block), ms. */
  loopDelayP50Ms: number | null;
  loopDelayP99Ms: number | null;
  loopDelayMaxMs: number | null;
  /** Node: more delay figures over the interval, ms (prom-client's nodejs_eventloop_lag_* set). */
  loopDelayMinMs: number | null;
  loopDelayMeanMs: number | null;
  loopDelayStddevMs: number | null;
  loopDelayP90Ms: number | null;
  /** Node: event-loop utilization over the interval, 0..1. */
  elu: number | null;
}

/** Point-in-time figures (gauges) at the sample. null: not known. */
export interface ProcessGauges {
  rssBytes: number | null;
  heapUsedBytes: number | null;
  heapTotalBytes: number | null;
  heapLimitBytes: number | null;
  /** Node: active handles and requests; JVM: live threads. */
  handles: number | null;
  threads: number | null;
  uptimeSeconds: number | null;
}

/** One row of the host table: what the push channel sends every sample. */
export interface ProcessSummary extends ProcessIdentity {
  state: ProcessState;
  /** How long the event loop has been blocked at this sample, ms (0 when not blocked). */
  blockedMs: number;
  /** Top frame of the blocked stack, "fn (file:line)", when the watchdog published one. */
  blockedIn?: string;
  /** Wall clock of the sample, ms since the epoch. */
  sampledAtMs: number;
  gauges: ProcessGauges;
  rates: ProcessRates;
}

/**
 * Everything about one process at a sample: the summary plus every counter (raw values from
 * the region: numbers for longs, strings for strings), the cumulative loop histogram, the
 * blocked stack, and /proc figures. What `GET /api/processes/<pid>` returns (counters as an
 * object) and what the exporters map to Prometheus and OTLP names.
 */
export interface ProcessSample extends ProcessSummary {
  counters: ReadonlyMap<string, number | string>;
  /** Cumulative since process start (Node with perfmem/register); undefined otherwise. */
  loopHistogram?: LoopHistogram;
  stack?: BlockedStack;
  /** From /proc/<pid>, for any runtime: cumulative CPU seconds, RSS, threads, start time. */
  proc?: { cpuUserSeconds: number; cpuSystemSeconds: number; rssBytes: number; threads: number; startTimeSeconds: number; vsizeBytes?: number };
}

/** One sample of the whole host. */
export interface HostSample {
  /** Wall clock of the sample, ms since the epoch. */
  atMs: number;
  /** Sequence number, +1 per sample: clients tell a new sample from a repeated one. */
  seq: number;
  processes: ProcessSample[];
}

/** A process's kept history: one point per sample, oldest first, bounded (default 600). */
export interface HistoryPoint {
  atMs: number;
  state: ProcessState;
  blockedMs: number;
  gauges: ProcessGauges;
  rates: ProcessRates;
}

/** One app metric family as perfmem/metrics decodes and aggregates it (prom-client's `get()` shape). */
export interface AppMetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary';
  aggregator: string;
  values: { labels: Record<string, string | number>; value: number; metricName?: string }[];
}

/**
 * The processes of one app (live pids) and its app metrics (perfmem/metrics), aggregated across
 * them with each family's aggregator, exited workers' totals included (empty when none publishes).
 */
export interface AppSample {
  app: string;
  pids: number[];
  families: AppMetricFamily[];
}
