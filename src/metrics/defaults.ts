/**
 * collectDefaultMetrics(): prom-client's default metric names, computed from perfmem's runtime
 * counters (docs/runtime.md) at each collection rather than by prom-client's own timers and
 * hooks. Starts the runtime counters (perfmem/runtime start()) when perfmem/register did not.
 */
import { start } from '../runtime/index.js';
import { currentRegion } from '../perfmemory/index.js';
import { Counter } from './counter.js';
import { Gauge } from './gauge.js';
import type { Registry } from './registry.js';

export interface DefaultMetricsOptions {
  register?: Registry;
  prefix?: string;
  labels?: Record<string, string | number>;
  /** Accepted for compatibility; perfmem's event-loop probe has its own resolution. */
  eventLoopMonitoringPrecision?: number;
  gcDurationBuckets?: number[];
}

const NS = 1e9;

function counterValue(name: string): number {
  const c = currentRegion()?.counter(name);
  if (c === undefined || !('inc' in c)) return 0;
  return Number(c.get());
}

export function collectDefaultMetrics(options: DefaultMetricsOptions = {}): void {
  if (options !== null && typeof options !== 'object') throw new TypeError('options must be object');
  start();
  const prefix = options.prefix ?? '';
  const labels = options.labels ?? {};
  const labelNames = Object.keys(labels);
  const registers = options.register !== undefined ? [options.register] : undefined;
  const base = { labelNames, ...(registers !== undefined ? { registers } : {}) };
  const counterFrom = (name: string, help: string, read: () => number): void => {
    let last = 0;
    new Counter({ ...base, name: prefix + name, help, collect(this: Counter) { const v = read(); if (v > last) { this.inc(labels, v - last); last = v; } } });
  };
  const gaugeFrom = (name: string, help: string, read: () => number): void => {
    new Gauge({ ...base, name: prefix + name, help, collect(this: Gauge) { this.set(labels, read()); } });
  };
  counterFrom('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', () => counterValue('node.cpu.user') / NS);
  counterFrom('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', () => counterValue('node.cpu.system') / NS);
  counterFrom('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', () => (counterValue('node.cpu.user') + counterValue('node.cpu.system')) / NS);
  gaugeFrom('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', () => Math.round(counterValue('node.startTime') / 1000));
  gaugeFrom('process_resident_memory_bytes', 'Resident memory size in bytes.', () => counterValue('node.memory.rss'));
  gaugeFrom('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', () => counterValue('node.memory.heapTotal'));
  gaugeFrom('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', () => counterValue('node.memory.heapUsed'));
  gaugeFrom('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', () => counterValue('node.memory.external'));
  gaugeFrom('nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.', () => counterValue('node.eventLoop.delay.min') / NS);
  gaugeFrom('nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.', () => counterValue('node.eventLoop.delay.max') / NS);
  gaugeFrom('nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.', () => counterValue('node.eventLoop.delay.mean') / NS);
  gaugeFrom('nodejs_eventloop_lag_stddev_seconds', 'The standard deviation of the recorded event loop delays.', () => counterValue('node.eventLoop.delay.stddev') / NS);
  gaugeFrom('nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.', () => counterValue('node.eventLoop.delay.p50') / NS);
  gaugeFrom('nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.', () => counterValue('node.eventLoop.delay.p90') / NS);
  gaugeFrom('nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.', () => counterValue('node.eventLoop.delay.p99') / NS);
  gaugeFrom('nodejs_active_resources_total', 'Total number of active resources.', () => counterValue('node.resources.total'));
  const [major, minor, patch] = process.versions.node.split('.').map(Number);
  new Gauge({ ...base, labelNames: ['version', 'major', 'minor', 'patch', ...labelNames], name: `${prefix}nodejs_version_info`, help: 'Node.js version info.',
    collect(this: Gauge) { this.set({ version: process.version, major: major ?? 0, minor: minor ?? 0, patch: patch ?? 0, ...labels }, 1); } });
}
collectDefaultMetrics.metricsList = [
  'process_cpu_user_seconds_total', 'process_cpu_system_seconds_total', 'process_cpu_seconds_total', 'process_start_time_seconds',
  'process_resident_memory_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes',
  'nodejs_eventloop_lag_min_seconds', 'nodejs_eventloop_lag_max_seconds', 'nodejs_eventloop_lag_mean_seconds', 'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p90_seconds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_active_resources_total', 'nodejs_version_info',
];
