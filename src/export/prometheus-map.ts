/**
 * Monitor samples as Prometheus metric families, under the names people's dashboards already
 * use: prom-client's defaults for Node, client_java's for JVMs, `process_*` from /proc for
 * both, and perfmem's own (`perfmem_*`). Every process's series carry `pid`, `app`, `runtime`
 * and `worker` (when known). Pure: no I/O. docs/serve.md lists every name.
 */
import { BUCKET_COUNT, bucketUpperBound, type LoopHistogram } from '../runtime/loop-histogram.js';
import { CounterTable } from '../monitor/counter-table.js';
import type { HostSample, ProcessSample } from '../monitor/types.js';
import { COLLECTOR_NAMES, NONHEAP_POOLS, poolName } from './prometheus-jvm-names.js';
import { escapeLabelValue, sanitizeName, type FamilyType, type MetricFamilyOut } from './prometheus-format.js';

export interface MapOptions {
  /** Add every hsperfdata long counter as `hsperfdata_<name>` (?raw=1). */
  raw?: boolean;
  /** Put commands and arguments in perfmem_process_info (--show-args). */
  showArgs?: boolean;
}

/** What the server says about itself in perfmem_scrape_*. */
export interface ScrapeStats {
  sampleSeconds: number;
  sampleAgeSeconds: number;
  regionReads: number;
  readErrors: number;
  samples: number;
  /** /metrics requests answered, by format. */
  requests?: Readonly<Record<string, number>>;
}

/** Label values from a region are bounded: a hostile region cannot make a scrape huge. */
const MAX_LABEL = 256;
const clip = (s: string): string => (s.length > MAX_LABEL ? s.slice(0, MAX_LABEL) : s);

/**
 * The event loop's 322 delay buckets coarsened to every power of two from 2^16 ns (66 µs) to
 * 2^36 ns (69 s): each `le` is an exact bucket boundary, so the coarse counts are exact.
 */
export const LOOP_LE_NS: readonly number[] = Array.from({ length: 21 }, (_, i) => 2 ** (16 + i));
/** Each `le` label rendered, and the last bucket (exclusive) each one sums up to. */
const LOOP_LE_LABELS: readonly string[] = LOOP_LE_NS.map((le) => `le="${le / 1e9}"`);
const LOOP_LE_END: Int32Array = Int32Array.from(LOOP_LE_NS, (le) => {
  let b = 0;
  while (b < BUCKET_COUNT && bucketUpperBound(b) <= le) b++;
  return b;
});

/**
 * A series' labels as rendered text, `pid="1",app="shop",runtime="node"` (no braces; '' for
 * none), values escaped: a process's labels are rendered once per scrape and every series of it
 * only appends its own.
 */
type LabelText = string;

/** `labels` plus one more label, rendered. */
const withLabel = (labels: LabelText, key: string, value: string): LabelText => joinLabels(labels, `${key}="${escapeLabelValue(value)}"`);
const joinLabels = (labels: LabelText, more: LabelText): LabelText => (labels === '' ? more : `${labels},${more}`);

/**
 * The families being built. Every sample is rendered to its line (`name{labels} value`, the
 * same in both formats) as it is added: no object per series, and formatFamilies only adds the
 * family headers.
 */
class Families {
  readonly byName = new Map<string, MetricFamilyOut & { lines: string[] }>();
  /** (family, series) pairs seen, so a name collision never yields a duplicate series. */
  private seen = new Set<string>();

  family(name: string, type: FamilyType, help: string, unit?: string): MetricFamilyOut & { lines: string[] } {
    let f = this.byName.get(name);
    if (f === undefined) {
      f = { name, type, help, samples: [], lines: [] };
      if (unit !== undefined) f.unit = unit;
      this.byName.set(name, f);
    }
    return f;
  }

  /** `unique`: where two sources may map to one series (raw names, pools): keep the first. */
  add(f: MetricFamilyOut & { lines: string[] }, suffix: string, labels: LabelText, value: number | null | undefined, unique = false): void {
    if (value === null || value === undefined || !Number.isFinite(value)) return;
    if (unique) {
      const key = `${f.name}${suffix}\u0000${labels}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
    }
    // formatValue's text for a finite number.
    f.lines.push(labels === '' ? `${f.name}${suffix} ${value}` : `${f.name}${suffix}{${labels}} ${value}`);
  }

  gauge(name: string, help: string, unit: string | undefined, labels: LabelText, value: number | null | undefined, unique = false): void {
    if (value === null || value === undefined) return;
    this.add(this.family(name, 'gauge', help, unit), '', labels, value, unique);
  }

  counter(name: string, help: string, unit: string | undefined, labels: LabelText, value: number | null | undefined): void {
    if (value === null || value === undefined) return;
    this.add(this.family(name, 'counter', help, unit), '_total', labels, value);
  }
}

function processLabels(p: ProcessSample): LabelText {
  const l = `pid="${p.pid}",app="${escapeLabelValue(clip(p.app))}",runtime="${escapeLabelValue(p.runtime)}"`;
  return p.worker === undefined ? l : withLabel(l, 'worker', clip(p.worker));
}

function infoLabels(p: ProcessSample, l: LabelText, showArgs: boolean): LabelText {
  const il = withLabel(withLabel(withLabel(l, 'runtime_version', clip(p.runtimeVersion)), 'user', clip(p.user)), 'state', p.state);
  return showArgs ? withLabel(withLabel(il, 'command', clip(p.command)), 'vm_args', clip(p.vmArgs)) : il;
}

/** A process's rendered labels and the inputs they were rendered from. */
interface LabelMemo {
  app: string; runtime: string; worker: string | undefined; runtimeVersion: string; user: string; state: string;
  command: string; vmArgs: string; showArgs: boolean;
  labels: LabelText;
  info: LabelText;
  /** node.version and nodejs_version_info's labels (undefined: not a vX.Y.Z version). */
  version?: string;
  versionLabels?: LabelText | undefined;
  /** The mapSample call that last used it. */
  used: number;
}

/**
 * Each process's labels, rendered (escaped and clipped) once and kept while what they are made
 * of is the same (a process's identity is constant; its app's name and its state rarely
 * change): the text is exactly what rendering them again would give.
 */
const labelMemo = new Map<number, LabelMemo>();
let mapCalls = 0;

function labelsOf(p: ProcessSample, showArgs: boolean): LabelMemo {
  let m = labelMemo.get(p.pid);
  if (m === undefined || m.app !== p.app || m.runtime !== p.runtime || m.worker !== p.worker || m.runtimeVersion !== p.runtimeVersion
    || m.user !== p.user || m.state !== p.state || m.showArgs !== showArgs || (showArgs && (m.command !== p.command || m.vmArgs !== p.vmArgs))) {
    const labels = processLabels(p);
    m = {
      app: p.app, runtime: p.runtime, worker: p.worker, runtimeVersion: p.runtimeVersion, user: p.user, state: p.state,
      command: p.command, vmArgs: p.vmArgs, showArgs, labels, info: infoLabels(p, labels, showArgs), used: 0,
    };
    labelMemo.set(p.pid, m);
  }
  m.used = mapCalls;
  return m;
}

/** Forgets processes the last calls did not map (only once the memo outgrows them). */
function trimLabelMemo(mapped: number): void {
  if (labelMemo.size <= 2 * mapped + 64) return;
  for (const [pid, m] of labelMemo) if (m.used !== mapCalls) labelMemo.delete(pid);
}

function numOf(p: ProcessSample, name: string): number | undefined {
  const v = p.counters.get(name);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strOf(p: ProcessSample, name: string): string | undefined {
  const v = p.counters.get(name);
  return typeof v === 'string' ? v : undefined;
}

function freq(p: ProcessSample): number {
  const f = numOf(p, 'sun.os.hrt.frequency');
  return f !== undefined && f > 0 ? f : 1e9;
}

const ms = (v: number | null): number | null => (v === null ? null : v / 1000);

/** process_* for any runtime: /proc first, the region's own figures otherwise. */
function processFamilies(fs: Families, p: ProcessSample, l: LabelText): void {
  let user = p.proc?.cpuUserSeconds, system = p.proc?.cpuSystemSeconds;
  if (user === undefined && p.runtime === 'node') {
    const u = numOf(p, 'node.cpu.user'), s = numOf(p, 'node.cpu.system');
    if (u !== undefined && s !== undefined) { user = u / freq(p); system = s / freq(p); }
  }
  fs.counter('process_cpu_user_seconds', 'Total user CPU time spent in seconds.', 'seconds', l, user);
  fs.counter('process_cpu_system_seconds', 'Total system CPU time spent in seconds.', 'seconds', l, system);
  fs.counter('process_cpu_seconds', 'Total user and system CPU time spent in seconds.', 'seconds', l,
    user !== undefined && system !== undefined ? user + system : undefined);
  fs.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', 'bytes', l, p.gauges.rssBytes);
  fs.gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', 'bytes', l, p.proc?.vsizeBytes);
  fs.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', 'seconds', l,
    p.startTimeMs > 0 ? p.startTimeMs / 1000 : p.proc?.startTimeSeconds);
}

/** The cumulative loop histogram as a Prometheus histogram over LOOP_LE_NS. */
function loopHistogramSamples(fs: Families, h: LoopHistogram, l: LabelText): void {
  const f = fs.family('nodejs_eventloop_delay_seconds', 'histogram', 'Event loop delay (cumulative since process start).', 'seconds');
  let cumulative = 0, b = 0;
  const counts = h.counts;
  for (let k = 0; k < LOOP_LE_END.length; k++) {
    for (const end = LOOP_LE_END[k]!; b < end; b++) cumulative += counts[b]!;
    fs.add(f, '_bucket', `${l},${LOOP_LE_LABELS[k]!}`, cumulative);
  }
  while (b < BUCKET_COUNT) cumulative += counts[b++]!;
  // The buckets hold every delay; the total count may run ahead of them by a probe being written.
  fs.add(f, '_bucket', `${l},le="+Inf"`, cumulative);
  fs.add(f, '_count', l, cumulative);
  fs.add(f, '_sum', l, h.sumNs / 1e9);
}

/** `newLargeObject` -> `new_large_object`, prom-client's `space` label. */
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

const SPACE = /^node\.heap\.space\.([A-Za-z0-9]+)\.(size|used|available)$/;
const RESOURCE = /^node\.resources\.([A-Za-z0-9]+)$/;
const GC_KINDS = ['minor', 'major', 'incremental', 'weakcb'];
/** Per kind: its counters' names and its label, rendered. */
const GC_SERIES = GC_KINDS.map((kind) => ({ count: `node.gc.${kind}.count`, time: `node.gc.${kind}.time`, labels: withLabel('', 'kind', kind) }));

/** A series named after a counter: heap spaces (`node.heap.space.<space>.<which>`), active resources (`node.resources.<type>`). */
interface NamedSeries extends SeriesOfName {
  counter: string;
  /** Its place in the names it was derived from. */
  slot: number;
}

/** What a counter's name alone says of its series. */
interface SeriesOfName {
  family: string;
  help: string;
  unit: string | undefined;
  /** Its own label, rendered. */
  labels: LabelText;
}

/**
 * Each heap-space or resource counter name seen, and its series (null: neither): processes
 * share these names and a layout that changes (a bucket declared) keeps them, so the regular
 * expressions run once per name. Bounded: hostile regions may invent names.
 */
const seriesOfName = new Map<string, SeriesOfName | null>();

function seriesOf(counter: string): SeriesOfName | null {
  let s = seriesOfName.get(counter);
  if (s !== undefined) return s;
  s = null;
  let m = SPACE.exec(counter);
  if (m !== null) {
    const which = m[2] === 'size' ? 'total' : m[2]!;
    s = { family: `nodejs_heap_space_size_${which}_bytes`, help: `Process heap space size ${which} from Node.js in bytes.`, unit: 'bytes', labels: withLabel('', 'space', snake(m[1]!)) };
  } else if ((m = RESOURCE.exec(counter)) !== null && m[1] !== 'total') {
    s = { family: 'nodejs_active_resources', help: 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.', unit: undefined, labels: withLabel('', 'type', m[1]!) };
  }
  if (seriesOfName.size >= 4096) seriesOfName.clear();
  seriesOfName.set(counter, s);
  return s;
}

/** The named series of a region's counter names, in their order: derived once per layout, not per scrape. */
function namedSeries(names: readonly string[]): NamedSeries[] {
  const out: NamedSeries[] = [];
  for (let slot = 0; slot < names.length; slot++) {
    const counter = names[slot]!;
    // Most counters are neither: a prefix test is far cheaper than a lookup.
    if (!(counter.startsWith('node.heap.space.') || counter.startsWith('node.resources.'))) continue;
    const s = seriesOf(counter);
    if (s !== null) out.push({ counter, slot, ...s });
  }
  return out;
}
const layoutSeries = (layout: { names: readonly string[] }): NamedSeries[] => namedSeries(layout.names);

/** prom-client's nodejs_eventloop_lag_* gauges, in its order, and the rate each shows. */
const LAG = ([
  ['min', 'loopDelayMinMs'], ['max', 'loopDelayMaxMs'], ['mean', 'loopDelayMeanMs'], ['stddev', 'loopDelayStddevMs'],
  ['p50', 'loopDelayP50Ms'], ['p90', 'loopDelayP90Ms'], ['p99', 'loopDelayP99Ms'],
] as const).map(([stat, rate]) => ({
  name: `nodejs_eventloop_lag_${stat}_seconds`, help: `The ${stat} of the recorded event loop delays over the monitor's last interval.`, rate,
}));

function nodeFamilies(fs: Families, p: ProcessSample, memo: LabelMemo): void {
  const l = memo.labels;
  const f = freq(p);
  fs.gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', 'bytes', l, numOf(p, 'node.memory.heapTotal'));
  fs.gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', 'bytes', l, numOf(p, 'node.memory.heapUsed'));
  fs.gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', 'bytes', l, numOf(p, 'node.memory.external'));
  const c = p.counters;
  const table = c instanceof CounterTable ? c : undefined;
  for (const s of table === undefined ? namedSeries([...c.keys()]) : table.layout.derived(layoutSeries)) {
    const value = table === undefined ? c.get(s.counter) : table.slotValues[s.slot];
    if (typeof value !== 'number') continue;
    fs.gauge(s.family, s.help, s.unit, joinLabels(l, s.labels), value);
  }
  const r = p.rates;
  for (const lag of LAG) fs.gauge(lag.name, lag.help, 'seconds', l, ms(r[lag.rate]));
  fs.gauge('nodejs_eventloop_utilization_ratio', "Event loop utilization (0..1) over the monitor's last interval.", 'ratio', l, r.elu);
  if (p.loopHistogram !== undefined) loopHistogramSamples(fs, p.loopHistogram, l);
  const gc = fs.family('nodejs_gc_duration_seconds', 'summary', 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', 'seconds');
  for (const s of GC_SERIES) {
    const count = numOf(p, s.count), time = numOf(p, s.time);
    if (count === undefined || time === undefined) continue;
    const gl = joinLabels(l, s.labels);
    fs.add(gc, '_count', gl, count);
    fs.add(gc, '_sum', gl, time / f);
  }
  const version = strOf(p, 'node.version');
  if (version !== undefined) {
    if (memo.version !== version) {
      const v = /^v(\d+)\.(\d+)\.(\d+)/.exec(version);
      memo.version = version;
      memo.versionLabels = v === null ? undefined : withLabel(withLabel(withLabel(withLabel(l, 'version', clip(version)), 'major', v[1]!), 'minor', v[2]!), 'patch', v[3]!);
    }
    if (memo.versionLabels !== undefined) fs.add(fs.family('nodejs_version', 'info', 'Node.js version info.'), '_info', memo.versionLabels, 1);
  }
  fs.gauge('perfmem_eventloop_blocked_seconds', 'How long the event loop has been blocked at the sample (0 when it is running).', 'seconds', l, p.blockedMs / 1000);
}

const GEN_SPACE = /^sun\.gc\.generation\.(\d+)\.space\.(\d+)\.(used|capacity|maxCapacity)$/;
const COLLECTOR = /^sun\.gc\.collector\.(\d+)\.(name|invocations|time)$/;

function jvmFamilies(fs: Families, p: ProcessSample, l: LabelText): void {
  const policy = strOf(p, 'sun.gc.policy.name') ?? '';
  const pools = new Map<string, { used: number; committed: number; max: number; heap: boolean }>();
  const pool = (name: string, heap: boolean) => {
    let x = pools.get(name);
    if (x === undefined) { x = { used: 0, committed: 0, max: 0, heap }; pools.set(name, x); }
    return x;
  };
  const collectors = new Map<string, { name?: string; count?: number; time?: number }>();
  for (const [name, value] of p.counters) {
    if (!name.startsWith('sun.gc.')) continue;
    let m = GEN_SPACE.exec(name);
    if (m !== null && typeof value === 'number') {
      const g = m[1]!, s = m[2]!;
      const pn = poolName(policy, Number(g), strOf(p, `sun.gc.generation.${g}.name`) ?? `generation ${g}`,
        strOf(p, `sun.gc.generation.${g}.space.${s}.name`) ?? `space ${s}`);
      const x = pool(clip(pn), g !== '2');
      const spaceName = strOf(p, `sun.gc.generation.${g}.space.${s}.name`);
      // JMX shows one survivor space: used is what both hold, committed and max one space's.
      const survivor = g === '0' && (spaceName === 's0' || spaceName === 's1');
      if (m[3] === 'used') x.used += value;
      else if (m[3] === 'capacity') x.committed = survivor ? Math.max(x.committed, value) : x.committed + value;
      // G1's young spaces have no maximum of their own (each reports the whole heap's): -1 as in client_java.
      else x.max = policy === 'GarbageFirst' && g === '0' ? -1 : survivor ? Math.max(x.max, value) : x.max + value;
      continue;
    }
    m = COLLECTOR.exec(name);
    if (m !== null) {
      let c = collectors.get(m[1]!);
      if (c === undefined) collectors.set(m[1]!, c = {});
      if (m[2] === 'name' && typeof value === 'string') c.name = value;
      else if (m[2] === 'invocations' && typeof value === 'number') c.count = value;
      else if (m[2] === 'time' && typeof value === 'number') c.time = value;
    }
  }
  for (const [prefix, name] of NONHEAP_POOLS) {
    const used = numOf(p, `${prefix}.used`);
    if (used === undefined) continue;
    const x = pool(name, false);
    x.used = used;
    x.committed = numOf(p, `${prefix}.capacity`) ?? 0;
    x.max = numOf(p, `${prefix}.maxCapacity`) ?? 0;
  }
  const area = { heap: { used: 0, committed: 0, max: 0 }, nonheap: { used: 0, committed: 0, max: 0 } };
  for (const [name, x] of pools) {
    const pl: LabelText = withLabel(l, 'pool', name);
    fs.gauge('jvm_memory_pool_used_bytes', 'Used bytes of a given JVM memory pool.', 'bytes', pl, x.used);
    fs.gauge('jvm_memory_pool_committed_bytes', 'Committed bytes of a given JVM memory pool.', 'bytes', pl, x.committed);
    fs.gauge('jvm_memory_pool_max_bytes', 'Max bytes of a given JVM memory pool.', 'bytes', pl, x.max);
    const a = x.heap ? area.heap : area.nonheap;
    a.used += x.used; a.committed += x.committed; a.max += Math.max(0, x.max);
  }
  // The heap's maximum from the generations' (G1's young generation reports the whole heap's too).
  const genMax = (g: number) => numOf(p, `sun.gc.generation.${g}.maxCapacity`) ?? 0;
  if (numOf(p, 'sun.gc.generation.1.maxCapacity') !== undefined) area.heap.max = policy === 'GarbageFirst' ? genMax(1) : genMax(0) + genMax(1);
  for (const [which, a] of Object.entries(area)) {
    if (pools.size === 0) break;
    const al: LabelText = withLabel(l, 'area', which);
    fs.gauge('jvm_memory_used_bytes', 'Used bytes of a given JVM memory area.', 'bytes', al, a.used);
    fs.gauge('jvm_memory_committed_bytes', 'Committed (bytes) of a given JVM memory area.', 'bytes', al, a.committed);
    fs.gauge('jvm_memory_max_bytes', 'Max (bytes) of a given JVM memory area.', 'bytes', al, a.max);
  }
  const gc = fs.family('jvm_gc_collection_seconds', 'summary', 'Time spent in a given JVM garbage collector in seconds.', 'seconds');
  for (const c of collectors.values()) {
    if (c.name === undefined || c.count === undefined || c.time === undefined) continue;
    const gl: LabelText = withLabel(l, 'gc', clip(COLLECTOR_NAMES[c.name] ?? c.name));
    fs.add(gc, '_count', gl, c.count, true);
    fs.add(gc, '_sum', gl, c.time / freq(p), true);
  }
  fs.gauge('jvm_threads_current', 'Current thread count of a JVM', undefined, l, numOf(p, 'java.threads.live'));
  fs.gauge('jvm_threads_daemon', 'Daemon thread count of a JVM', undefined, l, numOf(p, 'java.threads.daemon'));
  fs.gauge('jvm_threads_peak', 'Peak thread count of a JVM', undefined, l, numOf(p, 'java.threads.livePeak'));
  fs.counter('jvm_threads_started', 'Started thread count of a JVM', undefined, l, numOf(p, 'java.threads.started'));
  const loaded = (numOf(p, 'java.cls.loadedClasses') ?? NaN) + (numOf(p, 'java.cls.sharedLoadedClasses') ?? 0);
  const unloaded = (numOf(p, 'java.cls.unloadedClasses') ?? NaN) + (numOf(p, 'java.cls.sharedUnloadedClasses') ?? 0);
  fs.gauge('jvm_classes_currently_loaded', 'The number of classes that are currently loaded in the JVM', undefined, l, loaded - unloaded);
  fs.counter('jvm_classes_loaded', 'The total number of classes that have been loaded since the JVM has started execution', undefined, l, loaded);
  fs.counter('jvm_classes_unloaded', 'The total number of classes that have been unloaded since the JVM has started execution', undefined, l, unloaded);
  const version = strOf(p, 'java.property.java.vm.version') ?? strOf(p, 'java.property.java.version');
  if (version !== undefined) {
    // client_java's `runtime` label would clash with perfmem's own `runtime` (node|jvm): the VM's name is `vm`.
    fs.add(fs.family('jvm_runtime', 'info', 'JVM runtime info'), '_info', withLabel(withLabel(withLabel(l,
      'version', clip(version)), 'vendor', clip(strOf(p, 'java.property.java.vm.vendor') ?? '')),
      'vm', clip(strOf(p, 'java.property.java.vm.name') ?? '')), 1);
  }
}

const RESERVED_SUFFIX = /_(count|sum|bucket|total|created|info|gcount|gsum)$/;
const TYPE_WORDS: Record<string, string> = { counter: 'ctr', gauge: 'gge', histogram: 'hist', summary: 'summ', untyped: 'untyp' };

/**
 * ?raw=1's name for an hsperfdata counter: `hsperfdata_` + the name in snake_case (camelCase
 * split, every character outside [a-z0-9_] as `_`), plus `_value` when it would end in a suffix
 * Prometheus reserves for histograms, summaries and counters (`node.eventLoop.delay.count` ->
 * `hsperfdata_node_event_loop_delay_count_value`). Values are raw (ticks stay ticks).
 */
export function rawName(name: string): string {
  const snakeName = sanitizeName(name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()).replace(/_+/g, '_').replace(/_$/, '')
    // promtool rejects a metric type's name as a word of a metric name.
    .replace(/(^|_)(counter|gauge|histogram|summary|untyped)(?=_|$)/g, (_, sep: string, word: string) => sep + TYPE_WORDS[word]!);
  const full = `hsperfdata_${snakeName}`;
  return RESERVED_SUFFIX.test(full) ? `${full}_value` : full;
}

function rawFamilies(fs: Families, p: ProcessSample, l: LabelText): void {
  for (const [name, value] of p.counters) {
    if (typeof value !== 'number') continue;
    fs.gauge(rawName(name), `hsperfdata counter ${clip(name)}`, undefined, l, value, true);
  }
}

/** Every family for the processes of a sample (gone and stale processes have no series). */
export function mapSample(sample: HostSample, processes: readonly ProcessSample[], stats: ScrapeStats, options: MapOptions = {}): MetricFamilyOut[] {
  const fs = new Families();
  // perfmem's own families first, so a scraper's view of the server comes first too.
  fs.gauge('perfmem_scrape_duration_seconds', 'How long the sample served took to read every region.', 'seconds', '', stats.sampleSeconds);
  fs.gauge('perfmem_scrape_sample_age_seconds', 'Age of the sample served.', 'seconds', '', stats.sampleAgeSeconds);
  fs.counter('perfmem_scrape_samples', 'Samples taken since the server started.', undefined, '', stats.samples);
  fs.counter('perfmem_scrape_region_reads', 'Region reads since the server started.', undefined, '', stats.regionReads);
  fs.counter('perfmem_scrape_read_errors', 'Region reads that failed (corrupt, truncated or vanishing regions).', undefined, '', stats.readErrors);
  for (const [format, n] of Object.entries(stats.requests ?? {})) {
    fs.counter('perfmem_scrape_requests', 'Scrapes answered, by exposition format.', undefined, withLabel('', 'format', format), n);
  }
  const states = new Map<string, number>([['running', 0], ['blocked', 0], ['stale', 0], ['gone', 0]]);
  for (const p of sample.processes) states.set(p.state, (states.get(p.state) ?? 0) + 1);
  for (const [state, n] of states) fs.gauge('perfmem_scrape_processes', 'Processes in the sample by state.', undefined, withLabel('', 'state', state), n);
  const info = fs.family('perfmem_process', 'info', 'One series per process: who it is.');
  mapCalls++;
  for (const p of processes) {
    if (p.state === 'gone' || p.state === 'stale') continue;
    const memo = labelsOf(p, options.showArgs === true);
    const l = memo.labels;
    fs.add(info, '_info', memo.info, 1);
    processFamilies(fs, p, l);
    if (p.runtime === 'node') nodeFamilies(fs, p, memo);
    else if (p.runtime === 'jvm') jvmFamilies(fs, p, l);
    if (options.raw === true) rawFamilies(fs, p, l);
  }
  trimLabelMemo(processes.length);
  return [...fs.byName.values()];
}
