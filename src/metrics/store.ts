/**
 * Where this process's series live: raw entries of its region (layout.ts), or private memory
 * when there is no shared region or it is full. One store per process, made on first use: it
 * takes the region perfmem/register made, or creates one (PERFMEM_SIZE; PERFMEM_METRICS_SIZE sets
 * its first size when PERFMEM_SIZE is not set), and writes the app identity entry. The region
 * grows as series are added (perfmemory's Region, up to 8 MiB).
 */
import cluster from 'node:cluster';
import { createRegion, currentRegion, MAX_SIZE, type Region } from '../perfmemory/index.js';
import {
  APP_ENTRY, B_SEQ, B_STATE, B_VALUES, LAYOUT_VERSION, MAX_DEFAULTS_RECORDS, R_LENGTH, R_TEXT, R_VERSION, blockSize, defaultsEntry, familyEntry,
  intOffset, labelOffset, seqEndOffset, seriesEntry, STATE_LIVE,
} from './layout.js';
import type { AppIdentity, LabelValues } from './types.js';

const encoder = new TextEncoder();

/**
 * What a counter's inc() adds to while its integer part is off (Block.ints): it holds the
 * integer part's bound (counter.ts, INT_BOUND), so inc()'s fast path never takes it.
 */
export const INTS_OFF = new Int32Array([0x7fffffff]);

/**
 * Where one series' values are: f64[base + k]; a counter's integer part at i32[int]; the
 * seqlock at i32[seq] and i32[seqEnd]; the state at i32[state].
 */
export class Block {
  // `declare` fields: no class-field definitions in the compiled JS (see ARCHITECTURE.md).
  declare f64: Float64Array;
  declare i32: Int32Array;
  declare base: number;
  declare int: number;
  declare seq: number;
  declare seqEnd: number;
  declare state: number;
  /**
   * What a counter's inc() adds to: a view of the integer part's 4 bytes, or INTS_OFF while
   * the fast path is off (the double is not an integer, or the series is removed: counter.ts).
   */
  declare ints: Int32Array;
  /** The integer part's own 4 bytes (what `ints` is while the fast path is on). */
  declare intView: Int32Array;
  /** Makes a removed series live again (a kept child's inc() after remove() or reset(), as prom-client). */
  declare revive: (() => void) | undefined;
  /** The seqlock's current value (the writer keeps its own copy: no load on the hot path). */
  declare seqValue: number;
  /** Called after detach() and when `ints` changes, so bound children re-read where their values are. */
  declare onMove: (() => void) | undefined;
  declare readonly shared: boolean;
  declare readonly values: number;
  constructor(buffer: ArrayBufferLike, byteOffset: number, shared: boolean, values: number) {
    this.f64 = new Float64Array(buffer);
    this.i32 = new Int32Array(buffer);
    this.base = (byteOffset + B_VALUES) / 8;
    this.int = (byteOffset + intOffset(values)) / 4;
    this.seq = (byteOffset + B_SEQ) / 4;
    this.state = (byteOffset + B_STATE) / 4;
    this.seqEnd = (byteOffset + seqEndOffset(values)) / 4;
    this.intView = new Int32Array(buffer, byteOffset + intOffset(values), 1);
    this.ints = this.intView;
    this.seqValue = 0;
    this.onMove = undefined;
    this.revive = undefined;
    (this as { shared: boolean }).shared = shared;
    (this as { values: number }).values = values;
  }

  /** Opens a multi-word write: readers see an odd sequence until end(). */
  begin(): void {
    const v = ++this.seqValue;
    Atomics.store(this.i32, this.seq, v);
    Atomics.store(this.i32, this.seqEnd, v);
  }

  end(): void {
    const v = ++this.seqValue;
    Atomics.store(this.i32, this.seqEnd, v);
    Atomics.store(this.i32, this.seq, v);
  }

  /** Live (0) or removed (1); a removed series takes no increment in place (see `revive`). */
  setState(state: number): void {
    Atomics.store(this.i32, this.state, state);
    if (state !== STATE_LIVE) this.setInts(INTS_OFF);
  }

  get live(): boolean {
    return this.i32[this.state] === STATE_LIVE;
  }

  /** A counter's value: the double plus the integer part (exact: counter.ts keeps it so). */
  counterValue(): number {
    return this.f64[this.base]! + this.i32[this.int]!;
  }

  /** Points `ints` at the integer part (no argument) or at `off`, telling bound children when it changes. */
  setInts(off?: Int32Array): void {
    const ints = off ?? this.intView;
    if (ints === this.ints) return;
    this.ints = ints;
    this.onMove?.();
  }

  /** Zeroes the values and the integer part (under the seqlock). */
  clear(): void {
    this.begin();
    this.f64.fill(0, this.base, this.base + this.values);
    this.i32[this.int] = 0;
    this.end();
    this.setInts();
  }

  /** Moves the values to private memory (the region is closing): the series keeps working. */
  detach(): void {
    if (!this.shared) return;
    const copy = new ArrayBuffer(blockSize(this.values, 0));
    new Uint8Array(copy).set(new Uint8Array(this.f64.buffer, this.seq * 4 - B_SEQ, blockSize(this.values, 0)));
    const own = this.ints === this.intView;
    this.f64 = new Float64Array(copy);
    this.i32 = new Int32Array(copy);
    this.base = B_VALUES / 8;
    this.int = intOffset(this.values) / 4;
    this.seq = B_SEQ / 4;
    this.state = B_STATE / 4;
    this.seqEnd = seqEndOffset(this.values) / 4;
    this.intView = new Int32Array(copy, intOffset(this.values), 1);
    if (own) this.ints = this.intView;
    this.onMove?.();
  }
}

/**
 * Writes a record at `at`: the length and bytes of its text (at `textAt`: a series block keeps
 * its labels after its values), then its version byte, last and with a sequentially consistent
 * store: its entry is published (counted in the prologue) before this runs, and a reader takes
 * an entry without a version for one not yet written (decode.ts), never for a finished one
 * with what it holds.
 */
function writeRecord(u8: Uint8Array, at: number, text: Uint8Array, textAt = at + R_TEXT): void {
  new DataView(u8.buffer, u8.byteOffset).setUint32(at + R_LENGTH, text.length, true);
  u8.set(text, textAt);
  Atomics.store(u8, at + R_VERSION, LAYOUT_VERSION);
}

/** This process's identity for the grouping rule (docs/metrics.md, "Which processes form an app"). */
export function ownIdentity(env: NodeJS.ProcessEnv = process.env): AppIdentity {
  const id: AppIdentity = { pid: process.pid, ppid: process.ppid };
  const app = env.PERFMEM_APP !== undefined && env.PERFMEM_APP !== '' ? env.PERFMEM_APP
    : env.pm_id !== undefined && env.name !== undefined && env.name !== '' ? env.name : undefined;
  if (app !== undefined) id.app = app;
  if (cluster.isWorker) id.clusterWorker = true;
  const instance = env.NODE_APP_INSTANCE ?? env.pm_id;
  if (instance !== undefined && instance !== '') id.worker = instance;
  else if (cluster.isWorker && cluster.worker !== undefined) id.worker = String(cluster.worker.id);
  return id;
}

export interface StoreWarning {
  (code: string, message: string): void;
}

export class MetricStore {
  readonly region: Region | undefined;
  readonly identity: AppIdentity;
  private nextFamily = 0;
  private readonly blocks = new Set<Block>();
  private readonly familyStates = new Map<number, { u8: Uint8Array; at: number }>();
  private fullWarned = false;
  private defaultsRecords = 0;
  private publishedDefaults = '{}';
  private readonly closeHooks: (() => void)[] = [];

  constructor(region: Region | undefined, private readonly warn: StoreWarning) {
    this.region = region;
    this.identity = ownIdentity();
    if (region !== undefined) {
      this.writeText(APP_ENTRY, JSON.stringify(this.identity));
      this.publishDefaultLabels(defaultLabels);
      region.beforeClose(() => {
        for (const hook of this.closeHooks) {
          try {
            hook();
          } catch {
            // a failing hook (e.g. the exit fold) must not keep the series from detaching
          }
        }
        for (const b of this.blocks) b.detach();
      });
    }
  }

  /** Runs `fn` when the region closes, before the series move to private memory. */
  onClose(fn: () => void): void {
    this.closeHooks.push(fn);
  }

  /** True when series are visible to other processes. */
  get shared(): boolean {
    return this.region !== undefined && this.region.shared;
  }

  private writeText(name: string, text: string): { u8: Uint8Array; at: number } | undefined {
    const bytes = encoder.encode(text);
    const entry = this.region?.rawEntry(name, R_TEXT + bytes.length);
    if (entry === undefined) return undefined;
    const u8 = new Uint8Array(entry.buffer);
    writeRecord(u8, entry.byteOffset, bytes);
    return { u8, at: entry.byteOffset };
  }

  /**
   * Publishes the default registry's default labels, which readers add to every series of this
   * process as prom-client's workers add them to what they send (a new record per change).
   */
  publishDefaultLabels(labels: LabelValues): void {
    const text = JSON.stringify(labels);
    if (this.region === undefined || text === this.publishedDefaults) return;
    if (this.defaultsRecords >= MAX_DEFAULTS_RECORDS) {
      if (this.defaultsRecords++ === MAX_DEFAULTS_RECORDS) {
        this.warn('PERFMEM_METRICS_DEFAULT_LABELS', `perfmem: the default labels changed more than ${MAX_DEFAULTS_RECORDS} times: ` +
          'other processes (clusterMetrics, perfmem serve) keep seeing the last ones published');
      }
      return;
    }
    if (this.writeText(defaultsEntry(this.defaultsRecords), text) === undefined) return;
    this.defaultsRecords++;
    this.publishedDefaults = text;
  }

  /** Publishes a family's description once; returns its id. */
  family(description: object): number {
    const f = this.nextFamily++;
    const rec = this.writeText(familyEntry(f), JSON.stringify(description));
    if (rec !== undefined) this.familyStates.set(f, rec);
    return f;
  }

  /** Marks a family removed (1) or live (0) for readers: bytes 2-3 of its record. */
  setFamilyState(f: number, state: number): void {
    const rec = this.familyStates.get(f);
    if (rec !== undefined) Atomics.store(rec.u8, rec.at + 2, state);
  }

  /**
   * A block for series `s` of family `f`, with its labels written once. Falls back to private
   * memory when the region is missing or full (undefined `shared`): the caller counts that.
   */
  series(f: number, s: number, values: number, labelsJson: string): Block {
    const label = encoder.encode(labelsJson);
    const entry = this.region?.rawEntry(seriesEntry(f, s), blockSize(values, label.length));
    let block: Block;
    if (entry === undefined) {
      if (this.region !== undefined && !this.fullWarned) {
        this.fullWarned = true;
        this.warn('PERFMEM_METRICS_REGION_FULL', this.region.shared
          ? `perfmem: the region ${this.region.path ?? ''} is full (${this.region.size} bytes, the most a region grows to): new metric series live in private memory ` +
            'only and other processes do not see them; lower maxSeries or the number of metrics'
          : 'perfmem: the private region is full: new metric series live in private memory only');
      }
      block = new Block(new ArrayBuffer(blockSize(values, 0)), 0, false, values);
    } else {
      writeRecord(new Uint8Array(entry.buffer), entry.byteOffset, label, entry.byteOffset + labelOffset(values));
      block = new Block(entry.buffer, entry.byteOffset, true, values);
    }
    this.blocks.add(block);
    return block;
  }
}

let store: MetricStore | undefined;
/** The default registry's default labels, published by every store made (see publishDefaultLabels). */
let defaultLabels: LabelValues = {};

/** @internal The default registry's setDefaultLabels()/clear(): what readers add to this process's series. */
export function setPublishedDefaultLabels(labels: LabelValues): void {
  defaultLabels = labels;
  store?.publishDefaultLabels(labels);
}
const createdHooks: ((s: MetricStore) => void)[] = [];
const beforeCreateHooks: ((id: AppIdentity) => void)[] = [];

/** @internal Runs `fn` before this process's region is created by perfmem/metrics. */
export function beforeRegionCreated(fn: (id: AppIdentity) => void): void {
  beforeCreateHooks.push(fn);
}

/** @internal Runs `fn` on each store made (cluster.ts joins the app's file). */
export function onStoreCreated(fn: (s: MetricStore) => void): void {
  createdHooks.push(fn);
}

function warnOnce(code: string, message: string): void {
  process.emitWarning(message, { type: 'PerfmemWarning', code });
}

/** The process's store, made on first use (the region too, if perfmem/register did not make it). */
export function metricStore(): MetricStore {
  if (store !== undefined && (store.region === undefined || !store.region.closed)) return store;
  let region = currentRegion();
  if (region === undefined && !/^(1|true|yes|on)$/i.test(process.env.PERFMEM_DISABLE ?? '')) {
    // Creating the region removes dead processes' regions from the directory: a dead sibling's
    // final counts are saved first (cluster.ts).
    for (const fn of beforeCreateHooks) {
      try {
        fn(ownIdentity());
      } catch {
        // best effort
      }
    }
    const size = process.env.PERFMEM_SIZE === undefined || process.env.PERFMEM_SIZE === '' ? metricsSize() : undefined;
    // (the region starts at this size and grows as series are added)
    try {
      region = createRegion(size === undefined ? {} : { size });
    } catch (err) {
      warnOnce('PERFMEM_METRICS_NO_REGION', `perfmem: metrics stay in private memory: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  store = new MetricStore(region, warnOnce);
  for (const fn of createdHooks) {
    try {
      fn(store);
    } catch {
      // joining the app is a best effort
    }
  }
  return store;
}

/** PERFMEM_METRICS_SIZE: the region's first size when perfmem/metrics creates it (default: the region default). */
function metricsSize(): number | undefined {
  const text = process.env.PERFMEM_METRICS_SIZE;
  if (text === undefined || text === '') return undefined;
  const m = /^\s*(\d+)\s*([kKmM]?)[bB]?\s*$/.exec(text);
  const n = m === null ? Number.NaN : Number(m[1]) * (m[2]!.toLowerCase() === 'k' ? 1024 : m[2]!.toLowerCase() === 'm' ? 1 << 20 : 1);
  if (!(n > 0 && n <= MAX_SIZE)) {
    warnOnce('PERFMEM_BAD_ENV', `perfmem: ignoring PERFMEM_METRICS_SIZE=${JSON.stringify(text)}: expected a size in bytes (k, m suffixes) up to ${MAX_SIZE}`);
    return undefined;
  }
  return n;
}
