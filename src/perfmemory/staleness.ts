/**
 * Does a region belong to the process now running under its pid? A pid is reused once its
 * process is gone, so a dead process's file can sit under the pid of a later, unrelated one.
 * The region says when its writer started (perfmem.proc.starttime: clock ticks after boot,
 * exact; or, for a JVM, sun.rt.createVmBeginTime in ms, or the file's ctime); /proc/<pid>/stat
 * says when the running process started. A process that started after the region's writer is
 * a later owner of the pid.
 */
import { clockTicks } from '../sys/index.js';
import { bootTimeMs, liveness, startTicks, startTimeMs } from './proc.js';

export interface Staleness {
  /**
   * 'alive': the pid runs the process that wrote the region; 'stale': that process is gone
   * (its pid may now belong to another); 'unknown': no pid to check (a saved file).
   */
  state: 'alive' | 'stale' | 'unknown';
  /** Why, in one line naming the start-time mismatch, when not 'alive'. */
  reason: string | undefined;
}

export interface RegionStart {
  /** perfmem.proc.starttime: the writer's start in clock ticks after boot. */
  startTicks?: number | undefined;
  /** The writer's start in ms since the epoch (sun.rt.createVmBeginTime, or the file's ctime). */
  startTimeMs?: number | undefined;
}

/** Slack for comparing a start time from /proc with one from the wall clock. */
export const START_SLACK_MS = 1000;

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

/** Judges `pid` against the start its region recorded (`boot` from bootTimeMs(), read once per listing). */
export function judgeStaleness(pid: number, region: RegionStart, boot?: number): Staleness {
  if (region.startTicks !== undefined) {
    // /proc/<pid>/stat alone says it: no such file, no such process (kill(pid, 0) would only repeat it).
    const now = startTicks(pid);
    if (now === undefined) return { state: 'stale', reason: `process ${pid} is gone` };
    if (now === region.startTicks) return { state: 'alive', reason: undefined };
    return {
      state: 'stale',
      reason: `pid ${pid} was reused: the running process started ${(now / clockTicks).toFixed(2)} s after boot, ` +
        `the region's writer ${(region.startTicks / clockTicks).toFixed(2)} s after boot`,
    };
  }
  if (liveness(pid) === 'gone') return { state: 'stale', reason: `process ${pid} is gone` };
  if (region.startTimeMs !== undefined) {
    const started = startTimeMs(pid, boot ?? bootTimeMs());
    if (started !== undefined && started > region.startTimeMs + START_SLACK_MS) {
      return {
        state: 'stale',
        reason: `pid ${pid} was reused: the running process started at ${iso(started)}, after the region was made (${iso(region.startTimeMs)})`,
      };
    }
  }
  return { state: 'alive', reason: undefined };
}
