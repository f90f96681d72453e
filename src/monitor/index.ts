/** monitor: the host's processes over time, shared by watch, serve, the dashboard and OTLP export. */
export { createMonitor } from './monitor.js';
export type { Monitor, MonitorOptions, MonitorStats } from './monitor.js';
export { deriveRates, intervalHistogram } from './rates.js';
export { groupApps, scriptName } from './apps.js';
export type * from './types.js';
