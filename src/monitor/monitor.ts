/**
 * The monitor: the host's processes over time. It discovers regions (listProcesses: Node,
 * JVMs, containers), keeps a read-only view of each open between samples, reads every region
 * once per sample, derives rates and states, groups processes into apps (perfmem/metrics' rule)
 * with their app metrics aggregated (app-metrics.ts) and keeps a bounded history per process.
 * watch, serve, the dashboard and the OTLP exporter all read it.
 *
 * A sample reads shared memory and /proc only (pread into our own buffers, never a mapping),
 * plus each app's small file of exited workers' totals (read without following links):
 * nothing a blocked, dying or hostile process does can stall it; a region that fails to parse
 * is counted in `readErrors` and read again next time.
 */
import { lstatSync } from 'node:fs';
import { attachListed, listProcesses, liveness, readProcStat, type ProcessInfo, type RegionView } from '../perfmemory/index.js';
import { describeTopFrame, parseStack, STACK_COUNTER, STACK_TIME_COUNTER, STACK_WALL_COUNTER } from '../runtime/stack-format.js';
import { appFamilies, appNames, decodeMetrics, groupApps, type AppMember } from './app-metrics.js';
import type { DecodeCache, DecodedRegion } from '../metrics/index.js';
import { gaugesOf, runtimeVersionOf } from './gauges.js';
import { History } from './history.js';
import { makeReading, num, str, type Reading } from './reading.js';
import { tableOf, type CounterLayout } from './counter-table.js';
import { ProcStatFile } from './proc-stat.js';
import { deriveRates, emptyRates } from './rates.js';
import type {
  AppSample, BlockedStack, HistoryPoint, HostSample, ProcessGauges, ProcessIdentity, ProcessSample, ProcessState,
} from './types.js';

export interface MonitorOptions {
  /** Bases to scan instead of /tmp, /dev/shm and $PERFMEM_DIR (as listProcesses takes them). */
  dirs?: string[];
  /** Only these processes (default: every process this user can read). */
  pids?: number[];
  /** Points of history kept per process (default 600). */
  historyLength?: number;
  /** Look for new regions at most this often, ms (default 2000; every sample when 0). */
  discoveryIntervalMs?: number;
  /** Keep a process that went away this long, as `gone`, ms (default 30000). */
  goneRetentionMs?: number;
  /** Also scan containers' /tmp (default true). */
  containers?: boolean;
}

export interface MonitorStats {
  /** Samples taken, regions read, reads that failed (hostile, truncated or vanishing regions). */
  samples: number;
  regionReads: number;
  readErrors: number;
  discoveries: number;
  /** Wall time the last sample took, seconds. */
  lastSampleSeconds: number;
}

export interface Monitor {
  sample(): HostSample;
  latest(): HostSample | undefined;
  start(intervalMs: number): void;
  stop(): void;
  on(event: 'sample', listener: (s: HostSample) => void): void;
  off(event: 'sample', listener: (s: HostSample) => void): void;
  history(pid: number): HistoryPoint[];
  apps(): AppSample[];
  stats(): MonitorStats;
  /** Regions the last discovery found but could not read (another user's, corrupt): pid -> error code. */
  unreadable(): ReadonlyMap<number, string>;
  close(): void;
}

interface Tracked {
  info: ProcessInfo;
  view: RegionView | undefined;
  /** /proc start time of the process first seen under this pid: a later one is a reused pid. */
  startTicks: number | undefined;
  prev: Reading | undefined;
  state: ProcessState;
  goneAtMs: number | undefined;
  history: History;
  last: ProcessSample | undefined;
  /** Its app metrics as last read (perfmem/metrics), and what their decoding keeps between reads. */
  metrics: DecodedRegion | undefined;
  metricsCache: DecodeCache;
  /** The names of its counters as last read: kept while its entries stay the same. */
  layout: CounterLayout | undefined;
  /** Its /proc/<pid>/stat, kept open while it runs. */
  procStat: ProcStatFile;
}

/** Whether a region holds perfmem/metrics' entries (every one is named `perfmem.metrics.*`). */
const hasAppMetrics = (layout: CounterLayout): boolean => layout.names.some((n) => n.startsWith('perfmem.metrics.'));

const NO_GAUGES: ProcessGauges = {
  rssBytes: null, heapUsedBytes: null, heapTotalBytes: null, heapLimitBytes: null, handles: null, threads: null, uptimeSeconds: null,
};

export function createMonitor(options: MonitorOptions = {}): Monitor {
  const historyLength = options.historyLength ?? 600;
  const discoveryEveryMs = options.discoveryIntervalMs ?? 2000;
  const goneRetentionMs = options.goneRetentionMs ?? 30_000;
  const only = options.pids === undefined ? undefined : new Set(options.pids);
  const tracked = new Map<number, Tracked>();
  const listeners = new Set<(s: HostSample) => void>();
  const stats: MonitorStats = { samples: 0, regionReads: 0, readErrors: 0, discoveries: 0, lastSampleSeconds: 0 };
  let lastDiscoveryMs = -Infinity;
  let unreadable = new Map<number, string>();
  let latest: HostSample | undefined;
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const forget = (t: Tracked): void => {
    t.view?.detach();
    t.view = undefined;
    t.procStat.close();
  };

  const discover = (nowMs: number): void => {
    lastDiscoveryMs = nowMs;
    stats.discoveries++;
    let found: ProcessInfo[];
    try {
      found = listProcesses({ dirs: options.dirs, containers: options.containers });
    } catch {
      return; // a base vanished mid-scan: the next discovery tries again
    }
    unreadable = new Map();
    for (const info of found) {
      if (info.pid === process.pid || (only !== undefined && !only.has(info.pid))) continue;
      // Regions this user cannot read are not ours to show (perfmem serve serves what its user may read).
      if (info.error !== undefined) { unreadable.set(info.pid, info.error); continue; }
      const known = tracked.get(info.pid);
      if (known !== undefined && known.info.path === info.path && (known.state !== 'gone' || info.state === 'stale')) {
        if (info.state === 'stale' && (known.state === 'running' || known.state === 'blocked')) {
          // Its writer is gone (the region outlived it), or the pid now belongs to a later process.
          known.state = liveness(info.pid) === 'gone' ? 'gone' : 'stale';
          forget(known);
        }
        continue;
      }
      if (known !== undefined) forget(known);
      let view: RegionView | undefined;
      if (info.state === 'alive') {
        try {
          // The very file the listing checked: opened without following links, its identity verified.
          view = attachListed(info);
        } catch {
          continue; // gone or replaced since the listing
        }
      }
      tracked.set(info.pid, {
        info, view, startTicks: undefined, prev: undefined, state: info.state === 'alive' ? 'running' : 'stale',
        goneAtMs: undefined, history: new History(historyLength), last: undefined, metrics: undefined, metricsCache: {}, layout: undefined, procStat: new ProcStatFile(info.pid),
      });
    }
  };

  /** Reads one live process; returns false when it turned out gone or stale. */
  const read = (t: Tracked, atMs: number, monoNs: number): Reading | undefined => {
    const pid = t.info.pid;
    // Read through the kept descriptor, the process is alive (a reaped one's reads fail); else ask as before.
    let proc = t.procStat.read();
    if (proc === undefined) {
      if (liveness(pid) === 'gone') {
        t.state = 'gone';
        t.goneAtMs = atMs;
        forget(t);
        return undefined;
      }
      proc = readProcStat(pid);
    }
    if (proc !== undefined) {
      if (t.startTicks === undefined) t.startTicks = proc.startTicks;
      else if (proc.startTicks !== t.startTicks) {
        // Someone else's process now has this pid: the region outlived its writer.
        t.state = 'stale';
        forget(t);
        return undefined;
      }
    }
    stats.regionReads++;
    try {
      const { parsed, bytes } = t.view!.snapshotBytes();
      const counters = tableOf(parsed.counters, t.layout);
      t.layout = counters.layout;
      // App metrics from the same copy: each region is read once per sample.
      // A region without perfmem/metrics' entries (the names say so, once per layout) decodes to nothing: skip the walk.
      if (t.info.kind === 'node') {
        t.metrics = counters.layout.derived(hasAppMetrics) ? decodeMetrics(t.view!, bytes, t.metricsCache, t.metrics) : { identity: undefined, families: [], torn: 0 };
      }
      return makeReading(t.info.kind, counters, proc, atMs, monoNs);
    } catch {
      stats.readErrors++;
      return undefined;
    }
  };

  const identityOf = (t: Tracked, r: Reading | undefined, app: string): ProcessIdentity => {
    const c = r?.counters;
    const start = (c && (num(c, 'node.startTime') ?? num(c, 'sun.rt.createVmBeginTime'))) ?? t.info.startTime ?? 0;
    const id: ProcessIdentity = {
      pid: t.info.pid, user: t.info.user, runtime: t.info.kind, app,
      command: t.info.command, vmArgs: t.info.vmArgs, runtimeVersion: r === undefined ? '' : runtimeVersionOf(r),
      startTimeMs: start, path: t.info.path,
    };
    const ppid = (c && num(c, 'node.ppid')) ?? r?.proc?.ppid;
    if (ppid !== undefined) id.ppid = ppid;
    const own = t.metrics?.identity;
    if (own?.pid === t.info.pid && own.worker !== undefined) id.worker = own.worker;
    return id;
  };

  const stackOf = (r: Reading): BlockedStack | undefined => {
    if (r.loop.state !== 'blocked') return undefined;
    const text = str(r.counters, STACK_COUNTER);
    const taken = num(r.counters, STACK_TIME_COUNTER) ?? 0;
    const heartbeat = num(r.counters, 'node.heartbeat') ?? 0;
    // Only a stack taken during this block says where the loop is stuck now.
    if (text === undefined || text === '' || taken <= heartbeat) return undefined;
    return { takenAtMs: num(r.counters, STACK_WALL_COUNTER) ?? 0, frames: parseStack(text) };
  };

  /** The apps of the latest sample with their aggregated metrics. */
  let appsOfSample: AppSample[] | undefined;
  /** The latest sample's app key (perfmem/metrics' appOf) of each pid, and each key's name. */
  let appKeys = new Map<number, string>();
  let appNameOf = new Map<string, string>();
  const sampleApps = (): AppSample[] => {
    const byApp = new Map<string, { pids: number[]; members: AppMember[] }>();
    for (const p of latest?.processes ?? []) {
      const t = tracked.get(p.pid);
      if (t === undefined) continue;
      const live = p.state === 'running' || p.state === 'blocked';
      const key = appKeys.get(p.pid) ?? `cluster:${p.pid}`;
      let app = byApp.get(key);
      if (app === undefined) byApp.set(key, (app = { pids: [], members: [] }));
      if (live) app.pids.push(p.pid);
      // A dead member counts while its region is there and not yet folded into the app file.
      const regionExists = live || (t.metrics?.identity !== undefined && lstatSync(t.info.path, { throwIfNoEntry: false }) !== undefined);
      app.members.push({ pid: p.pid, live, regionExists, path: t.info.path, metrics: t.metrics });
    }
    const out: AppSample[] = [];
    for (const [key, { pids, members }] of byApp) {
      if (pids.length === 0) continue;
      let families: AppSample['families'] = [];
      try {
        families = appFamilies(key, members);
      } catch {
        // never expected (the app file's reader swallows its errors): a sample must not fail for it
      }
      out.push({ app: appNameOf.get(key) ?? key, pids, families });
    }
    return out;
  };

  const sample = (): HostSample => {
    const began = process.hrtime.bigint();
    const atMs = Date.now();
    if (tracked.size === 0 || atMs - lastDiscoveryMs >= discoveryEveryMs) discover(atMs);
    const readings = new Map<number, Reading>();
    for (const [pid, t] of tracked) {
      if (t.state === 'gone' || t.state === 'stale') {
        if (t.goneAtMs === undefined) t.goneAtMs = atMs;
        if (atMs - t.goneAtMs > goneRetentionMs) { forget(t); tracked.delete(pid); }
        continue;
      }
      const r = read(t, atMs, Number(process.hrtime.bigint()));
      if (r !== undefined) readings.set(pid, r);
    }
    const apps = groupApps([...tracked.values()].map((t) => {
      const r = readings.get(t.info.pid) ?? t.prev;
      const ppid = (r && num(r.counters, 'node.ppid')) ?? r?.proc?.ppid;
      return { pid: t.info.pid, ppid, runtime: t.info.kind, command: t.info.command, metrics: t.metrics };
    }));
    appKeys = apps;
    appNameOf = appNames(apps, (pid) => {
      const t = tracked.get(pid);
      return t && { runtime: t.info.kind, command: t.info.command };
    });
    const processes: ProcessSample[] = [];
    for (const t of tracked.values()) {
      const pid = t.info.pid;
      const r = readings.get(pid);
      const key = apps.get(pid) ?? `cluster:${pid}`;
      const app = appNameOf.get(key) ?? key;
      let s: ProcessSample;
      if (r !== undefined) {
        const state: ProcessState = r.loop.state === 'blocked' ? 'blocked' : 'running';
        t.state = state;
        const stack = stackOf(r);
        const id = identityOf(t, r, app);
        s = {
          ...id, state, blockedMs: r.loop.blockedForMs, sampledAtMs: atMs,
          gauges: gaugesOf(r, id.startTimeMs), rates: deriveRates(t.prev, r),
          counters: r.counters, proc: r.proc && {
            cpuUserSeconds: r.proc.cpuUserSeconds, cpuSystemSeconds: r.proc.cpuSystemSeconds, rssBytes: r.proc.rssBytes,
            threads: r.proc.threads, startTimeSeconds: bootSeconds(atMs, r) + r.proc.startSeconds, vsizeBytes: r.proc.vsizeBytes,
          },
        };
        if (r.histogram !== undefined) s.loopHistogram = r.histogram;
        if (stack !== undefined) {
          s.stack = stack;
          const top = describeTopFrame(stack.frames);
          if (top !== undefined) s.blockedIn = top;
        }
        t.prev = r;
      } else {
        // Gone, stale, or unreadable this time: the last known identity, no fresh figures.
        const before = t.last;
        s = {
          ...(before ?? identityOf(t, undefined, app)), app, state: t.state, blockedMs: 0, sampledAtMs: atMs,
          gauges: before?.gauges ?? NO_GAUGES, rates: emptyRates(), counters: before?.counters ?? new Map(),
        };
        delete s.stack;
        delete s.blockedIn;
      }
      t.last = s;
      t.history.push({ atMs, state: s.state, blockedMs: s.blockedMs, gauges: s.gauges, rates: s.rates });
      processes.push(s);
    }
    processes.sort((a, b) => a.pid - b.pid);
    latest = { atMs, seq: ++seq, processes };
    // Right after the reads: the app files are read as close to them as possible (see appFamilies).
    appsOfSample = sampleApps();
    stats.samples++;
    stats.lastSampleSeconds = Number(process.hrtime.bigint() - began) / 1e9;
    for (const l of listeners) {
      try {
        l(latest);
      } catch {
        // One listener's failure must not stop the others or the sampling.
      }
    }
    return latest;
  };

  return {
    sample() {
      if (closed) throw Object.assign(new Error('the monitor is closed'), { code: 'ERR_MONITOR_CLOSED' });
      return sample();
    },
    latest: () => latest,
    start(intervalMs: number) {
      if (!(intervalMs > 0)) throw Object.assign(new RangeError(`interval must be a positive number of ms, got ${intervalMs}`), { code: 'ERR_INVALID_ARG_VALUE' });
      if (timer !== undefined) clearInterval(timer);
      timer = setInterval(() => { if (!closed) sample(); }, intervalMs);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
    on: (_event, listener) => { listeners.add(listener); },
    off: (_event, listener) => { listeners.delete(listener); },
    history: (pid) => tracked.get(pid)?.history.toArray() ?? [],
    apps: () => appsOfSample ?? [],
    stats: () => ({ ...stats }),
    unreadable: () => unreadable,
    close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      for (const t of tracked.values()) forget(t);
      tracked.clear();
      listeners.clear();
    },
  };
}

/** Boot time in seconds since the epoch, from the reading's wall clock and /proc/uptime-free arithmetic. */
function bootSeconds(atMs: number, r: Reading): number {
  // monoNs is CLOCK_MONOTONIC (seconds since boot, less suspend time): close enough for a start time.
  return atMs / 1000 - r.monoNs / 1e9;
}
