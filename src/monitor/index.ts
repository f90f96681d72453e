/** monitor: the host's processes over time, shared by watch, serve, the dashboard and OTLP export. */
export { createMonitor } from './monitor.js';
export type { Monitor, MonitorOptions, MonitorStats } from './monitor.js';
export { deriveRates, intervalHistogram } from './rates.js';
export { scriptName } from './apps.js';
export { groupApps, appFamilies } from './app-metrics.js';
export type { AppCandidate, AppMember } from './app-metrics.js';
export type * from './types.js';
