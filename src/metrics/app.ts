/**
 * Which processes form one app (pure, shared with the monitor layer):
 *  1. PERFMEM_APP, else PM2's app name: every process with the same name is one app;
 *  2. else a node:cluster worker belongs to its primary: `cluster:<ppid>`;
 *  3. else a process is the primary of its own app: `cluster:<pid>` (its workers join it).
 */
import type { AppIdentity } from './types.js';

export function appOf(p: Pick<AppIdentity, 'pid' | 'ppid' | 'app' | 'clusterWorker'>): string {
  if (p.app !== undefined && p.app !== '') return `app:${p.app}`;
  if (p.clusterWorker === true) return `cluster:${p.ppid}`;
  return `cluster:${p.pid}`;
}

/** The pid of the process an app key names as its primary (cluster keys), else undefined. */
export function primaryOf(app: string): number | undefined {
  const m = /^cluster:(\d{1,10})$/.exec(app);
  return m === null ? undefined : Number(m[1]);
}

/** A file name for the app's files: the key with anything unusual replaced, plus a hash of it. */
export function appFileName(app: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < app.length; i++) h = Math.imul(h ^ app.charCodeAt(i), 0x01000193) >>> 0;
  return `metrics-${app.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80)}-${h.toString(16)}`;
}

/** The `worker` label of a process for the `all` aggregator: its stable name, else its pid. */
export function workerOf(p: Pick<AppIdentity, 'pid' | 'worker'>): string {
  return p.worker ?? String(p.pid);
}
