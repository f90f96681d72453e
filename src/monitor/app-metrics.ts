/**
 * Apps and their metrics, by perfmem/metrics' own rule and code: a process's app is
 * `appOf(identity)` of the identity its region publishes (`app:<name>` for PERFMEM_APP or a PM2
 * name, `cluster:<primary pid>` for a node:cluster app); a region without that identity (a
 * process not using perfmem/metrics) joins the app of its parent when the parent is a tracked
 * Node process running the same script (a cluster worker), else is `cluster:<pid>`, an app of
 * its own. An app's families are aggregated by perfmem/metrics (appMembers + aggregateFamilies)
 * from the regions the monitor read this sample plus the app file's totals of exited workers,
 * so counters never fall when a worker exits or is replaced.
 */
import { dirname } from 'node:path';
import {
  aggregateFamilies, appMembers, appOf, decodeRegionMetrics, readAppState,
  type DecodeCache, type DecodedRegion, type FoundRegion, type MetricFamily,
} from '../metrics/index.js';
import type { RegionView } from '../perfmemory/index.js';
import { scriptName } from './apps.js';

/** How long one series caught mid-write is read again before this sample leaves it out (ms): a sample never waits long on a writer. */
const RETRY_MS = 20;

/**
 * The app metrics of one region from the bytes the monitor just copied, checked against a
 * second copy of the same bytes (one copy's loads may run in any order, so its seqlock words
 * alone do not prove a series whole: perfmem/metrics' decodeRegionMetrics); a series caught
 * mid-write is read again alone. A read with torn series keeps `previous` (older, never
 * larger): a sum over the app must not dip because one series was mid-write.
 */
export function decodeMetrics(view: RegionView, bytes: Uint8Array, cache: DecodeCache, previous: DecodedRegion | undefined): DecodedRegion | undefined {
  try {
    const confirm = view.readAt(0, bytes.byteLength);
    const d = decodeRegionMetrics(bytes, { confirm, reread: (offset, length) => view.readAt(offset, length), retryMs: RETRY_MS, attempts: 10, cache });
    return d.torn > 0 && previous !== undefined ? previous : d;
  } catch {
    return previous; // a hostile or half-written region: nothing new from it this time
  }
}

/** What the grouping needs of a tracked process. */
export interface AppCandidate {
  pid: number;
  ppid?: number;
  runtime: string;
  command: string;
  /** Its region's decoded app metrics (when it publishes the identity entry). */
  metrics: DecodedRegion | undefined;
}

/** The app key of every candidate, by pid (a parent's before its children's). */
export function groupApps(candidates: readonly AppCandidate[]): Map<number, string> {
  const byPid = new Map(candidates.map((c) => [c.pid, c]));
  const apps = new Map<number, string>();
  const keyOf = (c: AppCandidate, depth: number): string => {
    const known = apps.get(c.pid);
    if (known !== undefined) return known;
    const id = c.metrics?.identity;
    let key: string;
    // A region's identity names its own pid; one naming another is not trusted.
    if (id !== undefined && id.pid === c.pid) key = appOf(id);
    else {
      const parent = c.ppid === undefined ? undefined : byPid.get(c.ppid);
      const worker = parent !== undefined && depth < 8 && c.runtime === 'node' && parent.runtime === 'node'
        && scriptName(parent.runtime, parent.command) === scriptName(c.runtime, c.command);
      key = worker ? keyOf(parent, depth + 1) : appOf({ pid: c.pid, ppid: c.ppid ?? 0 });
    }
    apps.set(c.pid, key);
    return key;
  };
  for (const c of candidates) keyOf(c, 0);
  return apps;
}

/**
 * The name people see for each app key: the name an app was given (`app:<name>`), else the
 * script or main class of its primary (`cluster:<pid>`), so a standalone process or a JVM is
 * called after what it runs and a restarted app keeps its name. Names that would collide get
 * their primary's pid (`server.js#1234`), so a name still picks out one app.
 */
export function appNames(keys: ReadonlyMap<number, string>, commandOf: (pid: number) => { runtime: string; command: string } | undefined): Map<string, string> {
  const wanted = new Map<string, string>();
  for (const [pid, key] of keys) {
    if (wanted.has(key)) continue;
    if (key.startsWith('app:')) { wanted.set(key, key.slice(4) || key); continue; }
    const primary = Number(/^cluster:(\d+)$/.exec(key)?.[1] ?? pid);
    const c = commandOf(primary) ?? commandOf(pid);
    wanted.set(key, (c && scriptName(c.runtime, c.command)) || key);
  }
  const uses = new Map<string, number>();
  for (const name of wanted.values()) uses.set(name, (uses.get(name) ?? 0) + 1);
  const names = new Map<string, string>();
  for (const [key, name] of wanted) {
    names.set(key, (uses.get(name) ?? 0) > 1 && key.startsWith('cluster:') ? `${name}#${key.slice(8)}` : name);
  }
  return names;
}

/** A member of an app as the monitor last read it. */
export interface AppMember {
  pid: number;
  /** running or blocked now. */
  live: boolean;
  /** Its region file still exists (a dead member's unfolded counts are still there). */
  regionExists: boolean;
  /** The region's file, e.g. `<base>/hsperfdata_<user>/<pid>`. */
  path: string;
  metrics: DecodedRegion | undefined;
}

/**
 * One app's families: its members' last decodes (dead ones too while their region exists and
 * is not folded) plus the exited workers' totals of its file, aggregated with each family's
 * aggregator. The file is only read (it lands by rename: no lock): the monitor never takes the
 * app's lock, which a stuck or hostile process could hold, so a sample never waits. Folding a
 * dead member is left to the app's own processes (its primary, its next member's start).
 */
export function appFamilies(app: string, members: readonly AppMember[]): MetricFamily[] {
  const regions: FoundRegion[] = [];
  for (const m of members) {
    const id = m.metrics?.identity;
    if (id === undefined || id.pid !== m.pid || (!m.live && !m.regionExists)) continue;
    regions.push({ pid: m.pid, identity: id, families: m.metrics!.families, alive: m.live });
  }
  if (regions.length === 0) return [];
  // Regions were read before the file: a member folded in between is skipped by `folded`.
  const base = dirname(dirname(members.find((m) => m.metrics?.identity !== undefined)!.path));
  const state = readAppState(app, base);
  return aggregateFamilies(appMembers(regions, state));
}
