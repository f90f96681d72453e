/**
 * The OpenTelemetry semantic-convention names perfmem sends, pinned to Semantic Conventions
 * v1.45.0 as @opentelemetry/semantic-conventions 1.45.0 exports them (the test checks every
 * name below against that package: present, stable or not, deprecated or not). `stable:
 * false` marks names the conventions still have in development: a later release may rename
 * them (docs/otel.md lists them).
 */

export interface MetricName {
  name: string;
  unit: string;
  description: string;
  stable: boolean;
  /** Deprecated by the pinned version, still sent for dashboards built on it (named here with its replacement). */
  deprecated?: string;
}

const m = (name: string, unit: string, description: string, stable = false, deprecated?: string): MetricName => ({ name, unit, description, stable, ...(deprecated !== undefined ? { deprecated } : {}) });

export const METRICS = {
  processCpuTime: m('process.cpu.time', 's', 'Total CPU seconds broken down by different CPU modes.'),
  processMemoryUsage: m('process.memory.usage', 'By', 'The amount of physical memory in use.'),
  processUptime: m('process.uptime', 's', 'The time the process has been running.'),
  processThreadCount: m('process.thread.count', '{thread}', 'Process threads count.'),

  v8HeapUsed: m('v8js.memory.heap.used', 'By', 'Heap Memory size allocated.'),
  v8HeapSpaceSize: m('v8js.memory.heap.space.size', 'By', 'Total heap memory size pre-allocated for a heap space.'),
  v8HeapLimit: m('v8js.memory.heap.limit', 'By', 'Total heap memory size pre-allocated (deprecated: v8js.memory.heap.space.size).', false, 'v8js.memory.heap.space.size'),
  v8HeapSpaceAvailable: m('v8js.memory.heap.space.available_size', 'By', 'Heap space available size.'),
  v8HeapSpacePhysical: m('v8js.memory.heap.space.physical_size', 'By', 'Committed size of a heap space.'),
  v8GcDuration: m('v8js.gc.duration', 's', 'Garbage collection duration (count and sum per type: perfmem has no per-collection buckets).'),

  loopDelayMin: m('nodejs.eventloop.delay.min', 's', 'Event loop minimum delay over the export interval.'),
  loopDelayMax: m('nodejs.eventloop.delay.max', 's', 'Event loop maximum delay over the export interval.'),
  loopDelayMean: m('nodejs.eventloop.delay.mean', 's', 'Event loop mean delay over the export interval.'),
  loopDelayStddev: m('nodejs.eventloop.delay.stddev', 's', 'Event loop standard deviation delay over the export interval.'),
  loopDelayP50: m('nodejs.eventloop.delay.p50', 's', 'Event loop 50 percentile delay over the export interval.'),
  loopDelayP90: m('nodejs.eventloop.delay.p90', 's', 'Event loop 90 percentile delay over the export interval.'),
  loopDelayP99: m('nodejs.eventloop.delay.p99', 's', 'Event loop 99 percentile delay over the export interval.'),
  loopUtilization: m('nodejs.eventloop.utilization', '1', 'Event loop utilization over the export interval.'),
  loopTime: m('nodejs.eventloop.time', 's', 'Cumulative duration of time the event loop has been in each state.'),

  jvmMemoryUsed: m('jvm.memory.used', 'By', 'Measure of memory used.', true),
  jvmMemoryCommitted: m('jvm.memory.committed', 'By', 'Measure of memory committed.', true),
  jvmMemoryLimit: m('jvm.memory.limit', 'By', 'Measure of max obtainable memory.', true),
  jvmGcDuration: m('jvm.gc.duration', 's', 'Duration of JVM garbage collection actions (count and sum per collector: hsperfdata has no per-collection buckets).', true),
  jvmThreadCount: m('jvm.thread.count', '{thread}', 'Number of executing platform threads.', true),
  jvmClassLoaded: m('jvm.class.loaded', '{class}', 'Number of classes loaded since JVM start.', true),
  jvmClassUnloaded: m('jvm.class.unloaded', '{class}', 'Number of classes unloaded since JVM start.', true),
  jvmClassCount: m('jvm.class.count', '{class}', 'Number of classes currently loaded.', true),
  jvmCpuTime: m('jvm.cpu.time', 's', 'CPU time used by the process as reported by the JVM.', true),
} as const;

/**
 * perfmem's own metric (not in the conventions, so outside their namespaces): the event-loop
 * delay as a cumulative histogram, exact from any reader at any interval.
 */
export const LOOP_DELAY_HISTOGRAM = m('perfmem.nodejs.eventloop.delay', 's', 'Event loop delay since process start (cumulative histogram from the region).');

export const ATTRIBUTES = {
  cpuMode: 'cpu.mode',
  v8HeapSpaceName: 'v8js.heap.space.name',
  v8GcType: 'v8js.gc.type',
  eventLoopState: 'nodejs.eventloop.state',
  jvmMemoryType: 'jvm.memory.type',
  jvmMemoryPoolName: 'jvm.memory.pool.name',
  jvmGcName: 'jvm.gc.name',
  jvmGcAction: 'jvm.gc.action',
  jvmThreadDaemon: 'jvm.thread.daemon',
} as const;

/** Resource attributes (service.* are stable; process.* and host.name are in development). */
export const RESOURCE = {
  serviceName: 'service.name',
  serviceInstanceId: 'service.instance.id',
  hostName: 'host.name',
  processPid: 'process.pid',
  processParentPid: 'process.parent_pid',
  processOwner: 'process.owner',
  processRuntimeName: 'process.runtime.name',
  processRuntimeVersion: 'process.runtime.version',
  processCommand: 'process.command',
  processCommandLine: 'process.command_line',
} as const;
