/**
 * Aggregation without IPC: AggregatorRegistry#clusterMetrics() reads the regions of every
 * process of this app (appOf) plus the app file holding the totals of exited workers, and
 * aggregates them (aggregateFamilies). Nothing waits on a worker: a blocked or dying one is read
 * like any other. The app file (`<base>/perfmem_<user>/metrics-<app>-<hash>`, see
 * perfmemory/app-file.ts) is updated under its lock: at a member's start (membership), at its
 * exit (its final totals folded in, before its region file goes), every checkpoint period (so a
 * SIGKILLed worker loses at most what it did since), and by a reader that finds a dead
 * member's region. It is removed by the app's last process, and swept when abandoned.
 */
import cluster from 'node:cluster';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppFiles } from '../perfmemory/app-file.js';
import { liveness, onStaleRegion, sweepStaleRegions } from '../perfmemory/index.js';
import { FileSource } from '../perfmemory/view.js';
import { effectiveUser, userDirectory, pidFromFileName } from '../perfmemory/paths.js';
import { readHeader } from '../perfdata/index.js';
import { addTotals, aggregateFamilies, type ProcessFamilies } from './aggregate.js';
import { appFileName, appOf, primaryOf, workerOf } from './app.js';
import { decodeRegionMetrics, type DecodeCache } from './decode.js';
import { formatPrometheus, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from './format.js';
import { Registry } from './registry.js';
import { beforeRegionCreated, metricStore, onStoreCreated, type MetricStore } from './store.js';
import type { AppIdentity, MetricFamily } from './types.js';
import { validateMetricName } from './validation.js';

/** The app file's content (JSON), version 1. */
export interface AppFileState {
  v: 1;
  app: string;
  /** Members seen alive: their last checkpoint. */
  live: Record<string, { worker: string; families: MetricFamily[] }>;
  /** Totals of exited workers, by worker label. */
  exited: Record<string, MetricFamily[]>;
  /** Pids already folded into `exited` whose region file may still exist (skipped by readers). */
  folded: Record<string, 1>;
}

const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary']);
const AGGREGATORS = new Set(['sum', 'first', 'min', 'max', 'average', 'omit', 'all']);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The families of an app file, keeping only well-formed ones (the file is read as untrusted). */
function checkedFamilies(v: unknown): MetricFamily[] {
  if (!Array.isArray(v)) return [];
  const out: MetricFamily[] = [];
  for (const f of v.slice(0, 100_000) as unknown[]) {
    if (!isRecord(f) || typeof f.name !== 'string' || !validateMetricName(f.name) || typeof f.help !== 'string'
      || !TYPES.has(f.type as string) || !AGGREGATORS.has(f.aggregator as string) || !Array.isArray(f.values)) continue;
    const name = f.name;
    const values = (f.values as unknown[]).filter((x): x is MetricFamily['values'][number] => isRecord(x) && typeof x.value === 'number'
      && (x.metricName === undefined || (typeof x.metricName === 'string' && /^(_bucket|_sum|_count)?$/.test(x.metricName.slice(name.length)) && x.metricName.startsWith(name)))
      && isRecord(x.labels) && Object.entries(x.labels).every(([k, l]) => LABEL_NAME.test(k) && (typeof l === 'string' || typeof l === 'number')));
    out.push({ name, help: f.help, type: f.type as MetricFamily['type'], aggregator: f.aggregator as MetricFamily['aggregator'], values });
  }
  return out;
}

function parseState(text: string | undefined, app: string): AppFileState {
  const state: AppFileState = { v: 1, app, live: {}, exited: {}, folded: {} };
  if (text === undefined) return state;
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch {
    return state;
  }
  if (!isRecord(s) || s.v !== 1) return state;
  if (typeof s.app === 'string') state.app = s.app;
  const pidKey = (k: string): boolean => /^[1-9][0-9]{0,9}$/.test(k);
  if (isRecord(s.live)) {
    for (const [k, m] of Object.entries(s.live)) {
      if (pidKey(k) && isRecord(m) && typeof m.worker === 'string') state.live[k] = { worker: m.worker, families: checkedFamilies(m.families) };
    }
  }
  if (isRecord(s.exited)) for (const [w, f] of Object.entries(s.exited)) state.exited[w] = checkedFamilies(f);
  if (isRecord(s.folded)) for (const k of Object.keys(s.folded)) if (pidKey(k)) state.folded[k] = 1;
  return state;
}

function alive(pid: number): boolean {
  return pid > 0 && (pid === process.pid || liveness(pid) === 'alive');
}

/** The base directory regions of this process live under (`<base>/hsperfdata_<user>/<pid>`). */
function baseOf(store: MetricStore | undefined, dir?: string): string {
  if (dir !== undefined) return dir;
  const path = store?.region?.path;
  if (path !== undefined) return dirname(dirname(path));
  const env = process.env.PERFMEM_DIR;
  if (env !== undefined && env.startsWith('/')) return env;
  return /^(1|true|yes|on)$/i.test(process.env.PERFMEM_SHM ?? '') ? '/dev/shm' : '/tmp';
}

/** One region of an app, decoded: what appMembers() takes (the monitor builds them from its own reads). */
export interface FoundRegion {
  pid: number;
  identity: AppIdentity;
  families: MetricFamily[];
  /**
   * Whether its process was alive just before the region was read. A read made while it ran
   * may miss its last updates even if it has died since, so only a region read with `alive`
   * false is final, and folded as a dead member's totals.
   */
  alive: boolean;
}

/** The last parse of each app file, by its stamp (read-only use: updates parse afresh). */
const parsedFiles = new Map<string, { text: string; state: AppFileState }>();

/** What each region file (by device, inode, size) has of unchanging structure: see DecodeCache. */
const decodeCaches = new Map<string, DecodeCache>();

/**
 * Two copy buffers reused by every read (nothing decoded keeps a reference to the bytes:
 * values are copied out, labels and descriptions parsed): no zeroed allocation per region.
 */
const scratchBuffers: Uint8Array[] = [new Uint8Array(0), new Uint8Array(0)];
function scratch(i: 0 | 1, length: number): Uint8Array {
  if (scratchBuffers[i]!.byteLength < length) scratchBuffers[i] = new Uint8Array(Math.max(length, 2 * scratchBuffers[i]!.byteLength));
  return scratchBuffers[i]!.subarray(0, length);
}

/** userDirectory(base, user), the user looked up once per effective uid (os.userInfo() is a syscall and a passwd lookup). */
let userCache: { uid: number; name: string } | undefined;
function regionDirectory(base: string): string {
  const uid = process.geteuid?.() ?? 0;
  if (userCache?.uid !== uid) userCache = { uid, name: effectiveUser().name };
  return userDirectory(base, userCache.name);
}

/** Reads one region file (opened through `openPath`, named `path`) twice (and rereads series that changed between), decoding its metrics. */
function readRegionFile(path: string, openPath = path): ReturnType<typeof decodeRegionMetrics> | undefined {
  let src: FileSource;
  try {
    src = FileSource.open(openPath, path);
  } catch {
    return undefined;
  }
  const reread = (offset: number, length: number): Uint8Array | undefined => {
    const into = new Uint8Array(length);
    return src.read(into, length, offset) === length ? into : undefined;
  };
  try {
    const size = src.size();
    // Only the used part of a mostly empty region is copied (its prologue says how much); if
    // the writer added entries meanwhile and the walk runs past the copy, the whole file is read.
    const prologue = reread(0, 32);
    const used = prologue === undefined ? size : readHeader(prologue).used;
    if (decodeCaches.size > 4096) decodeCaches.clear();
    // Keyed by path too: inode, size and a coarse mtime repeat when workers come and go quickly.
    const key = `${path}\u0000${src.identity}`;
    let cache = decodeCaches.get(key);
    if (cache === undefined) decodeCaches.set(key, (cache = {}));
    for (const length of used > 32 && used < size ? [used, size] : [size]) {
      const a = scratch(0, length);
      const b = scratch(1, length);
      if (src.read(a, length, 0) !== length || src.read(b, length, 0) !== length) return undefined;
      try {
        return decodeRegionMetrics(a, { confirm: b, reread, cache });
      } catch (err) {
        if (length === size) throw err;
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    src.close();
  }
}

/** Every region under `base` whose metrics belong to `app` (this process's from its own memory). */
export function readAppRegions(app: string, base: string, store?: MetricStore): FoundRegion[] {
  const dir = regionDirectory(base);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    names = [];
  }
  const out: FoundRegion[] = [];
  for (const name of names) {
    const pid = pidFromFileName(name);
    if (pid === 0) continue;
    // Asked before the read: only a region read after its process ended holds its final
    // counts (see FoundRegion.alive).
    const wasAlive = alive(pid);
    let decoded: ReturnType<typeof decodeRegionMetrics> | undefined;
    if (pid === process.pid && store?.region !== undefined && !store.region.closed) decoded = decodeRegionMetrics(store.region.bytes());
    else decoded = readRegionFile(`${dir}/${name}`);
    if (decoded?.identity === undefined || decoded.identity.pid !== pid) continue;
    if (appOf(decoded.identity) !== app) continue;
    out.push({ pid, identity: decoded.identity, families: decoded.families, alive: wasAlive });
  }
  return out;
}

/**
 * Folds dead members into `exited`, forgets folded pids whose region is gone. A member whose
 * region was read while it ran is left for a later read even if it has died since: that read
 * may predate its last updates (a SIGKILLed worker's final counts were lost this way when the
 * reader was descheduled between its read and this check).
 * @internal exported for tests
 */
export function prune(state: AppFileState, regions: Map<number, FoundRegion>): void {
  for (const [key, member] of Object.entries(state.live)) {
    const pid = Number(key);
    const region = regions.get(pid);
    if (region !== undefined ? region.alive : alive(pid)) continue;
    const families = region !== undefined ? region.families : member.families;
    state.exited[member.worker] = addTotals(state.exited[member.worker] ?? [], families);
    delete state.live[key];
    if (region !== undefined) state.folded[key] = 1;
  }
  for (const region of regions.values()) {
    const key = String(region.pid);
    if (region.alive || state.folded[key] !== undefined || state.live[key] !== undefined) continue;
    const w = workerOf(region.identity);
    state.exited[w] = addTotals(state.exited[w] ?? [], region.families);
    state.folded[key] = 1;
  }
  for (const key of Object.keys(state.folded)) if (!regions.has(Number(key))) delete state.folded[key];
}

function openFiles(base: string, create: boolean): AppFiles | undefined {
  try {
    return AppFiles.open(base, create);
  } catch {
    return undefined;
  }
}

/** Removes app files whose members and primary are all gone (their app ended without cleaning up). */
export function sweepAbandoned(files: AppFiles): void {
  for (const name of files.names()) {
    const state = parseState(files.read(name), '');
    const primary = primaryOf(state.app);
    if (Object.keys(state.live).some((p) => alive(Number(p))) || (primary !== undefined && alive(primary))) continue;
    if (state.app === '' && files.read(name) !== undefined) continue; // not ours to judge
    files.update(name, (text) => {
      const s = parseState(text, state.app);
      const p = primaryOf(s.app);
      return Object.keys(s.live).some((k) => alive(Number(k))) || (p !== undefined && alive(p)) ? undefined : null;
    });
  }
}

/**
 * Membership of this process in its app's file: registered at start, checkpointed every
 * PERFMEM_METRICS_CHECKPOINT_MS (default 5000), folded at exit. Only for processes of a
 * multi-process app (a cluster worker or a named app); a primary folds nothing of its own.
 */
export function joinApp(store: MetricStore): void {
  const id = store.identity;
  if (store.region === undefined || !store.shared || (id.clusterWorker !== true && id.app === undefined)) return;
  const app = appOf(id);
  const base = baseOf(store);
  const files = openFiles(base, true);
  if (files === undefined) return;
  const name = appFileName(app);
  const worker = workerOf(id);
  const own = (): MetricFamily[] => (store.region !== undefined ? decodeRegionMetrics(store.region.bytes()).families : []);
  const checkpoint = (final: boolean): void => {
    const families = own();
    files.update(name, (text) => {
      const state = parseState(text, app);
      const regions = new Map(readAppRegions(app, base).filter((r) => r.pid !== process.pid).map((r) => [r.pid, r]));
      prune(state, regions);
      if (!final) {
        state.live[String(process.pid)] = { worker, families };
        return JSON.stringify(state);
      }
      delete state.live[String(process.pid)];
      state.exited[worker] = addTotals(state.exited[worker] ?? [], families);
      state.folded[String(process.pid)] = 1;
      const primary = primaryOf(app);
      const others = Object.keys(state.live).some((p) => alive(Number(p))) || [...regions.values()].some((r) => r.alive)
        || (primary !== undefined && primary !== process.pid && alive(primary));
      return others ? JSON.stringify(state) : null;
    });
  };
  try {
    sweepAbandoned(files);
    checkpoint(false);
  } catch {
    // the app file is a best effort on top of the live regions
  }
  const period = Number(process.env.PERFMEM_METRICS_CHECKPOINT_MS ?? 5000);
  const timer = setInterval(() => {
    try {
      checkpoint(false);
    } catch {
      // next time
    }
  }, Number.isFinite(period) && period >= 100 ? period : 5000);
  timer.unref();
  store.onClose(() => {
    clearInterval(timer);
    try {
      checkpoint(true);
    } catch (error) {
      // The final counts are still in the region: at exit it stays, to be read and folded as
      // a killed member's is, rather than go with them.
      store.region?.keepFileAtExit();
      throw error;
    } finally {
      files.close();
    }
  });
}

export interface ClusterMetricsOptions {
  /** The app to read (an appOf() key, e.g. `app:api` or `cluster:1234`); default this process's. */
  app?: string;
  /** Base directory of the regions (default: this process's region's, else $PERFMEM_DIR or /tmp). */
  dir?: string;
}

/** The per-process families of an app, exited workers' totals included: aggregateFamilies' input. */
export function collectApp(options: ClusterMetricsOptions = {}): ProcessFamilies[] {
  const store = metricStore();
  const app = options.app ?? appOf(store.identity);
  const base = baseOf(store, options.dir);
  const regions = readAppRegions(app, base, store);
  const state = readAppState(app, base);
  const out = appMembers(regions, state);
  if (regions.some((r) => !r.alive && state.folded[String(r.pid)] === undefined)) foldDeadMembers(app, base, store);
  return out;
}

/**
 * The app file's state now; empty when there is none or it is unsafe (a link, several links,
 * too large: ignored, never followed). Its parse is reused while its text is unchanged.
 */
export function readAppState(app: string, base: string): AppFileState {
  const name = appFileName(app);
  const files = openFiles(base, false);
  try {
    // The file changes when a member checkpoints or exits: between, its parse is reused. (Its
    // text is the key: inode, size and a coarse mtime can all repeat across quick rewrites.)
    const text = files?.read(name);
    const known = parsedFiles.get(`${base}/${name}`);
    if (text !== undefined && known?.text === text) return known.state;
    const state = parseState(text, app);
    if (text !== undefined) {
      if (parsedFiles.size > 64) parsedFiles.clear();
      parsedFiles.set(`${base}/${name}`, { text, state });
    }
    return state;
  } catch {
    return parseState(undefined, app);
  } finally {
    files?.close();
  }
}

/**
 * aggregateFamilies' input from an app's regions (read before `state`, live or dead) and its
 * file: regions not yet folded, the last checkpoint of members whose region is gone unfolded,
 * and the totals of exited workers (the last two as `exited`, so gauges drop out).
 */
export function appMembers(regions: readonly Pick<FoundRegion, 'pid' | 'identity' | 'families'>[], state: AppFileState): ProcessFamilies[] {
  const out: ProcessFamilies[] = [];
  const seen = new Set<number>();
  for (const r of regions) {
    seen.add(r.pid);
    if (state.folded[String(r.pid)] !== undefined) continue;
    out.push({ pid: r.pid, worker: workerOf(r.identity), families: r.families });
  }
  for (const [pid, member] of Object.entries(state.live)) {
    if (!seen.has(Number(pid))) out.push({ pid: Number(pid), worker: member.worker, families: member.families, exited: true });
  }
  for (const [worker, families] of Object.entries(state.exited)) out.push({ pid: 0, worker, families, exited: true });
  return out;
}

/** Folds the dead members' regions into the app file now, before a restarting process's cleanup can remove them. */
export function foldDeadMembers(app: string, base: string, store?: MetricStore): void {
  const files = openFiles(base, false);
  if (files === undefined) return;
  try {
    files.update(appFileName(app), (text) => {
      const s = parseState(text, app);
      prune(s, new Map(readAppRegions(app, base, store).filter((r) => r.pid !== process.pid).map((r) => [r.pid, r])));
      return JSON.stringify(s);
    });
  } catch {
    // read-only reader: the next writer folds it
  } finally {
    files.close();
  }
}

/** prom-client's AggregatorRegistry, reading shared memory instead of asking workers over IPC. */
export class AggregatorRegistry extends Registry {
  constructor(regContentType: string = PROMETHEUS_CONTENT_TYPE) {
    super(regContentType);
    // In a cluster primary this starts watching its workers' exits (see watchWorkers).
    metricStore();
  }

  /** The app's aggregated text, from any process of the app (or any process, with `app`). */
  async clusterMetrics(options: ClusterMetricsOptions = {}): Promise<string> {
    const families = aggregateFamilies(collectApp(options));
    return formatPrometheus(families, { openMetrics: this.contentType === OPENMETRICS_CONTENT_TYPE, defaultLabels: this.defaultLabels });
  }

  /** prom-client's static aggregate(): a registry of the families of several registries' getMetricsAsJSON(). */
  static aggregate(metricsArr: MetricFamily[][]): Registry {
    const registry = new Registry();
    const families = aggregateFamilies(metricsArr.map((families, i) => ({ pid: i + 1, families })));
    for (const f of families) registry.registerMetric({ name: f.name, get: () => f, reset: () => {} });
    return registry;
  }

  /** prom-client's setRegistries(): nothing to do, every process publishes all its metrics. */
  static setRegistries(): void {}
}

/**
 * In a cluster primary, a worker's death is the moment to fold its region: the primary's
 * 'exit' listeners run before the app's own handler forks a replacement, whose region cleanup
 * would otherwise remove the dead worker's file first.
 */
function watchWorkers(store: MetricStore): void {
  if (!cluster.isPrimary || store.identity.clusterWorker === true) return;
  const app = appOf(store.identity);
  cluster.prependListener('exit', () => {
    try {
      collectApp({ app });
    } catch {
      // best effort: the checkpoints bound the loss
    }
  });
  // The primary's end ends the app: its file goes unless a member still runs.
  store.onClose(() => {
    const files = openFiles(baseOf(store), false);
    if (files === undefined) return;
    try {
      files.update(appFileName(app), (text) => {
        if (text === undefined) return undefined;
        const s = parseState(text, app);
        return Object.keys(s.live).some((p) => Number(p) !== process.pid && alive(Number(p))) ? undefined : null;
      });
    } finally {
      files.close();
    }
  });
}

/**
 * Before a member's region is created (which removes dead processes' regions from the
 * directory), the regions of dead members of its app are folded into the app file.
 */
function foldDeadSiblings(id: AppIdentity): void {
  if (id.clusterWorker !== true && id.app === undefined) return;
  const app = appOf(id);
  const base = baseOf(undefined);
  const regions = readAppRegions(app, base);
  if (!regions.some((r) => !r.alive)) return;
  const files = openFiles(base, true);
  if (files === undefined) return;
  try {
    files.update(appFileName(app), (text) => {
      const s = parseState(text, app);
      prune(s, new Map(readAppRegions(app, base).map((r) => [r.pid, r])));
      return JSON.stringify(s);
    });
  } finally {
    files.close();
  }
}

/**
 * A stale region about to be removed by this process's cleanup (a new region's creation): if
 * it is a dead member of an app, its final counts go into the app file first, under its lock.
 * Throws when they could not be saved (the app directory or file unusable): the cleanup then
 * leaves the region, whose counts readers still add, for a later sweep.
 */
function foldStaleRegion(openPath: string, path: string): void {
  const decoded = readRegionFile(path, openPath);
  const id = decoded?.identity;
  if (id === undefined || (id.clusterWorker !== true && id.app === undefined)) return;
  const app = appOf(id);
  // Not openFiles(): with `create`, AppFiles.open throws rather than return undefined, and the
  // throw is what keeps the region for a later sweep.
  const files = AppFiles.open(dirname(dirname(path)), true)!;
  try {
    files.update(appFileName(app), (text) => {
      const s = parseState(text, app);
      const key = String(id.pid);
      if (s.folded[key] !== undefined) return undefined;
      const w = workerOf(id);
      s.exited[w] = addTotals(s.exited[w] ?? [], decoded!.families);
      delete s.live[key];
      // Marked folded until the region is gone, so no reader counts it twice meanwhile.
      s.folded[key] = 1;
      return JSON.stringify(s);
    });
  } finally {
    files.close();
  }
}

/**
 * A cleanup in a process without perfmem/metrics leaves dead app members' regions in place
 * (perfmemory's cleanup.ts): this process, now that it can fold them, sweeps the directory
 * once at its first metric (each region's counts go into its app's file, then it is removed).
 */
function sweepLeftRegions(store: MetricStore): void {
  if (store.region === undefined || !store.shared) return;
  sweepStaleRegions(baseOf(store));
}

beforeRegionCreated(foldDeadSiblings);
onStaleRegion(foldStaleRegion);
onStoreCreated(joinApp);
onStoreCreated(watchWorkers);
onStoreCreated(sweepLeftRegions);
