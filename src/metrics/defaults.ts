/**
 * collectDefaultMetrics(): every default metric of prom-client v15 (names, types, help, labels,
 * aggregators and order as prom-client's own), written into this process's region like any
 * other metric, so other processes read what the last collection left. Values come from
 * perfmem's runtime counters where they exist (CPU time, start time, heap size, the event-loop
 * delay histogram: docs/runtime.md), else from the same Node APIs and /proc files prom-client
 * reads, at collection time; the GC histogram is observed as prom-client does (a
 * PerformanceObserver). Starts the runtime counters (perfmem/runtime start()) when
 * perfmem/register did not.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { start } from '../runtime/index.js';
import {
  BUCKET_COUNT, bucketLowerBound, bucketUpperBound, emptyHistogram, histogramDelta, histogramMean, histogramPercentile,
  readLoopHistogram, type LoopHistogram,
} from '../runtime/loop-histogram.js';
import { currentRegion } from '../perfmemory/index.js';
import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import { Histogram } from './histogram.js';
import type { Registry } from './registry.js';
import type { Aggregator, LabelValues } from './types.js';

export interface DefaultMetricsOptions {
  register?: Registry;
  prefix?: string;
  labels?: Record<string, string | number>;
  /** Accepted for compatibility: the loop-delay figures come from perfmem's own probe (docs/runtime.md). */
  eventLoopMonitoringPrecision?: number;
  /** Buckets of nodejs_gc_duration_seconds (default prom-client's: 0.001, 0.01, 0.1, 1, 2, 5). */
  gcDurationBuckets?: number[];
}

const NS = 1e9;
const DEFAULT_GC_DURATION_BUCKETS = [0.001, 0.01, 0.1, 1, 2, 5];

function counterValue(name: string): number {
  const c = currentRegion()?.counter(name);
  if (c === undefined || !('inc' in c)) return 0;
  return Number(c.get());
}

/** VmSize, VmRSS and VmData of /proc/self/status in bytes (prom-client's Linux variant). */
function procStatus(): { VmSize?: number; VmRSS?: number; VmData?: number } {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const m = /^(VmSize|VmRSS|VmData):\s*(\d+) kB/.exec(line);
    if (m !== null) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

/** /proc/self/limits' "Max open files" soft limit, read once (as prom-client). */
function maxOpenFiles(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const n = line === undefined ? Number.NaN : Number(line.split(/ {2,}/)[1]);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Counts by constructor name (prom-client's aggregateByObjectName). */
function countByConstructor(list: readonly unknown[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const x of list) {
    const name = (x as { constructor?: { name?: string } } | null | undefined)?.constructor?.name;
    if (typeof name === 'string') out.set(name, (out.get(name) ?? 0) + 1);
  }
  return out;
}

/**
 * The event-loop delay since the last collection, from the runtime's cumulative histogram
 * (node.eventLoop.delay.*): count, sum and the all-time maximum are exact; percentiles, the
 * minimum and the standard deviation are taken at bucket resolution (within 6.25% above 66 µs).
 */
function loopWindow(): () => { min: number; max: number; mean: number; stddev: number; p50: number; p90: number; p99: number } {
  let last: LoopHistogram = emptyHistogram();
  return () => {
    const now = readLoopHistogram((name) => currentRegion()?.counter(name)?.get()) ?? emptyHistogram();
    const d = histogramDelta(now, last);
    last = now;
    let min = 0;
    let sq = 0;
    const mean = histogramMean(d);
    let first = true;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      const n = d.counts[i]!;
      if (n === 0) continue;
      const lo = bucketLowerBound(i);
      const hi = Math.min(bucketUpperBound(i), Math.max(lo, d.maxNs));
      if (first) {
        min = lo;
        first = false;
      }
      const mid = (lo + hi) / 2;
      sq += n * (mid - mean) ** 2;
    }
    return {
      min: min / NS, max: d.maxNs / NS, mean: mean / NS, stddev: d.count > 0 ? Math.sqrt(sq / d.count) / NS : 0,
      p50: histogramPercentile(d, 50) / NS, p90: histogramPercentile(d, 90) / NS, p99: histogramPercentile(d, 99) / NS,
    };
  };
}

const GC_KINDS: Record<number, string> = {
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [perfConstants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function collectDefaultMetrics(options?: DefaultMetricsOptions | null): void {
  if (options !== null && options !== undefined && (typeof options !== 'object' || Array.isArray(options))) {
    throw new TypeError('config must be null, undefined, or an object');
  }
  const config = options ?? {};
  start();
  const prefix = config.prefix ?? '';
  const labels: LabelValues = config.labels ?? {};
  const labelNames = Object.keys(labels);
  const registers = config.register !== undefined ? [config.register] : undefined;
  const base = { labelNames, ...(registers !== undefined ? { registers } : {}) };
  const gauge = (name: string, help: string, more: { aggregator?: Aggregator; labelNames?: string[]; collect?: (this: Gauge) => void } = {}): Gauge =>
    new Gauge({ ...base, name: prefix + name, help, ...more, ...(more.labelNames !== undefined ? { labelNames: [...more.labelNames, ...labelNames] } : {}) });
  const counterFrom = (name: string, help: string, read: () => number): void => {
    let last = 0;
    new Counter({ ...base, name: prefix + name, help, collect(this: Counter) { const v = read(); if (v > last) { this.inc(labels, v - last); last = v; } } });
  };
  const byType = (g: Gauge, counts: Map<string, number>): void => {
    g.reset();
    for (const [type, n] of counts) g.set({ type, ...labels }, n);
  };

  // processCpuTotal
  counterFrom('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', () => counterValue('node.cpu.user') / NS);
  counterFrom('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', () => counterValue('node.cpu.system') / NS);
  counterFrom('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', () => (counterValue('node.cpu.user') + counterValue('node.cpu.system')) / NS);
  // processStartTime
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', {
    aggregator: 'omit', collect() { const ms = counterValue('node.startTime'); this.set(labels, ms > 0 ? Math.round(ms / 1000) : startSeconds); },
  });
  // osMemoryHeap (Linux): one read of /proc/self/status sets the three
  gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', {
    collect() {
      try {
        const s = procStatus();
        if (s.VmRSS !== undefined) this.set(labels, s.VmRSS);
        if (s.VmSize !== undefined) virtualGauge.set(labels, s.VmSize);
        if (s.VmData !== undefined) heapGauge.set(labels, s.VmData);
      } catch {
        // no procfs: left as it was
      }
    },
  });
  const virtualGauge = gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.');
  const heapGauge = gauge('process_heap_bytes', 'Process heap size in bytes.');
  // processOpenFileDescriptors
  gauge('process_open_fds', 'Number of open file descriptors.', {
    collect() {
      try {
        this.set(labels, readdirSync('/proc/self/fd').length - 1); // less the one readdir used
      } catch {
        // no procfs
      }
    },
  });
  // processMaxFileDescriptors
  const maxFds = maxOpenFiles();
  if (maxFds !== undefined) gauge('process_max_fds', 'Maximum number of open file descriptors.', { collect() { this.set(labels, maxFds); } });
  // eventLoopLag
  const window = loopWindow();
  const lagGauges: Gauge[] = [];
  gauge('nodejs_eventloop_lag_seconds', 'Lag of event loop in seconds.', {
    aggregator: 'average',
    collect(this: Gauge) {
      const start = process.hrtime.bigint();
      const g = this; // eslint-disable-line @typescript-eslint/no-this-alias
      setImmediate(() => g.set(labels, Number(process.hrtime.bigint() - start) / NS));
      const w = window();
      const values = [w.min, w.max, w.mean, w.stddev, w.p50, w.p90, w.p99];
      lagGauges.forEach((lg, i) => lg.set(labels, values[i]!));
    },
  });
  const lagHelp: [string, string, Aggregator][] = [
    ['min', 'The minimum recorded event loop delay.', 'min'],
    ['max', 'The maximum recorded event loop delay.', 'max'],
    ['mean', 'The mean of the recorded event loop delays.', 'average'],
    ['stddev', 'The standard deviation of the recorded event loop delays.', 'average'],
    ['p50', 'The 50th percentile of the recorded event loop delays.', 'average'],
    ['p90', 'The 90th percentile of the recorded event loop delays.', 'average'],
    ['p99', 'The 99th percentile of the recorded event loop delays.', 'average'],
  ];
  for (const [k, help, aggregator] of lagHelp) lagGauges.push(gauge(`nodejs_eventloop_lag_${k}_seconds`, help, { aggregator }));
  // processResources
  gauge('nodejs_active_resources', 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.', {
    labelNames: ['type'],
    collect() {
      const counts = new Map<string, number>();
      for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
      byType(this, counts);
    },
  });
  gauge('nodejs_active_resources_total', 'Total number of active resources.', { collect() { this.set(labels, process.getActiveResourcesInfo().length); } });
  // processHandles, processRequests: the undocumented APIs prom-client reads
  const internals = process as unknown as { _getActiveHandles?: () => unknown[]; _getActiveRequests?: () => unknown[] };
  if (typeof internals._getActiveHandles === 'function') {
    const list = internals._getActiveHandles.bind(process);
    gauge('nodejs_active_handles', 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.', {
      labelNames: ['type'], collect() { byType(this, countByConstructor(list())); },
    });
    gauge('nodejs_active_handles_total', 'Total number of active handles.', { collect() { this.set(labels, list().length); } });
  }
  if (typeof internals._getActiveRequests === 'function') {
    const list = internals._getActiveRequests.bind(process);
    gauge('nodejs_active_requests', 'Number of active libuv requests grouped by request type. Every request type is C++ class name.', {
      labelNames: ['type'], collect() { byType(this, countByConstructor(list())); },
    });
    gauge('nodejs_active_requests_total', 'Total number of active requests.', { collect() { this.set(labels, list().length); } });
  }
  // heapSizeAndUsed
  const heapTotal = (): number => counterValue('node.memory.heapTotal') || process.memoryUsage().heapTotal;
  gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', { collect() { this.set(labels, heapTotal()); } });
  gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', { collect() { this.set(labels, counterValue('node.memory.heapUsed') || process.memoryUsage().heapUsed); } });
  gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', { collect() { this.set(labels, counterValue('node.memory.external') || process.memoryUsage().external); } });
  // heapSpacesSizeAndUsed: one call sets the three
  const spaceGauges: Gauge[] = [];
  for (const kind of ['total', 'used', 'available']) {
    spaceGauges.push(gauge(`nodejs_heap_space_size_${kind}_bytes`, `Process heap space size ${kind} from Node.js in bytes.`, {
      labelNames: ['space'],
      ...(kind === 'total' ? {
        collect() {
          for (const s of getHeapSpaceStatistics()) {
            const space = s.space_name.slice(0, s.space_name.indexOf('_space'));
            spaceGauges[0]!.set({ space, ...labels }, s.space_size);
            spaceGauges[1]!.set({ space, ...labels }, s.space_used_size);
            spaceGauges[2]!.set({ space, ...labels }, s.space_available_size);
          }
        },
      } : {}),
    }));
  }
  // version
  const [major, minor, patch] = process.versions.node.split('.').map(Number);
  gauge('nodejs_version_info', 'Node.js version info.', {
    labelNames: ['version', 'major', 'minor', 'patch'], aggregator: 'first',
    collect() { this.set({ version: process.version, major: major ?? 0, minor: minor ?? 0, patch: patch ?? 0, ...labels }, 1); },
  });
  // gc: observed as it happens (the runtime's GC counters have totals, not durations)
  const gc = new Histogram({
    ...base, name: `${prefix}nodejs_gc_duration_seconds`, labelNames: ['kind', ...labelNames],
    help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    buckets: config.gcDurationBuckets ?? DEFAULT_GC_DURATION_BUCKETS,
  });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[(entry as { detail?: { kind?: number } | null }).detail?.kind ?? -1];
      if (kind !== undefined) gc.observe({ kind, ...labels }, entry.duration / 1000);
    }
  }).observe({ entryTypes: ['gc'] });
}

/** prom-client's list: the names of its default metric groups, in its order. */
collectDefaultMetrics.metricsList = [
  'processCpuTotal', 'processStartTime', 'osMemoryHeap', 'processOpenFileDescriptors', 'processMaxFileDescriptors', 'eventLoopLag',
  'processResources', 'processHandles', 'processRequests', 'heapSizeAndUsed', 'heapSpacesSizeAndUsed', 'version', 'gc',
];
