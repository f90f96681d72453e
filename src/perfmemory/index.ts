/** perfmemory: a process's PerfData region through its life, attach to others, discovery. */
export { createRegion, currentRegion, Region } from './region.js';
export type { RegionOptions, PerfmemWarning } from './options.js';
export { MAX_SIZE, parseFlag } from './options.js';
export { attach, attachFile } from './attach.js';
export type { AttachOptions } from './attach.js';
export { RegionView } from './view.js';
export { listProcesses } from './discover.js';
export type { ProcessInfo, ProcessKind, ListOptions } from './discover.js';
export { PerfMemoryError } from './errors.js';
export type { PerfMemoryErrorCode } from './errors.js';
export { elapsedTicks, HRT_FREQUENCY, KIND_COUNTER } from './identity.js';
export { liveness, readProcStat, uptimeSeconds } from './proc.js';
export type { Liveness } from './proc.js';
export type { ProcStat } from './proc.js';
export { openRegionCounters } from './thread-counters.js';
export type { RegionCounters } from './thread-counters.js';
export { onStaleRegion } from './cleanup.js';
export type { StaleRegionHook } from './cleanup.js';
