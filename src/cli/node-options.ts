/**
 * `perfmem stat` options for Node processes, over the node.* counters that
 * `--import perfmem/register` publishes. -gcutil (and the other JVM options) read the sun.gc.*
 * counters the runtime mirrors, with jstat's own columns, so that perfmem and jstat agree on a
 * Node process too. Same column model and formatting rules as the JVM
 * options; rates (CPU %, collections per second) are taken between two samples, and the
 * first row shows them since the process started.
 */
import { type Column, type Expr, type StatOption, K, SEC, column, delta, div, lit, mul, ref, sum } from './columns.js';

const FREQ = 'sun.os.hrt.frequency';

const col = column;

const kib = (header: string, counter: Expr | string, description: string, width = 10) =>
  col(header, counter, description, { width, scale: K, format: '0.0' });
const count = (header: string, counter: string, description: string, width = 6) => col(header, counter, description, { width });
const seconds = (header: string, ticks: Expr | string, description: string) =>
  col(header, div(ticks, FREQ), description, { width: 9, scale: SEC, format: '0.000' });
/** Milliseconds of a tick counter. */
const millis = (header: string, ticks: string, description: string) =>
  col(header, div(mul(ref(ticks), lit(1000)), FREQ), description, { width: 8, format: '0.00' });
const percent = (header: string, data: Expr, description: string) => col(header, data, description, { width: 6, format: '0.00' });

/**
 * Seconds covered by this row, on the writer's clock: how far its sampled sun.os.hrt.ticks
 * moved since the previous row (since the process started, on the first). A rate over an
 * interval in which the process published nothing new is 0/0: "-", not a false zero.
 */
const INTERVAL = div(delta('sun.os.hrt.ticks'), FREQ);
/** Percent of one core spent in a tick counter during the row's interval. */
const cpuPercent = (ticks: Expr) => mul(div(div(delta(ticks), FREQ), INTERVAL), lit(100));
/** Events per second during the row's interval. */
const perSecond = (counter: string) => div(delta(counter), INTERVAL);
/** used / total as a percent. */
const share = (used: string, total: string) => mul(div(used, total), lit(100));

const gc = (kind: string) => `node.gc.${kind}`;
const space = (name: string) => `node.heap.space.${name}`;

const MINGC = count('MINGC', `${gc('minor')}.count`, 'minor collections (scavenges)');
const MINGCT = seconds('MINGCT', `${gc('minor')}.time`, 'minor collection time (s)');
const MAJGC = count('MAJGC', `${gc('major')}.count`, 'major collections (mark-compact)', 5);
const MAJGCT = seconds('MAJGCT', `${gc('major')}.time`, 'major collection time (s)');
const INCGC = count('INCGC', `${gc('incremental')}.count`, 'incremental marking steps', 5);
const INCGCT = seconds('INCGCT', `${gc('incremental')}.time`, 'incremental marking time (s)');
const GCT = seconds('GCT', 'node.gc.time', 'total collection time (s)');

export const nodeOptions: StatOption[] = [
  {
    name: 'gc', summary: 'V8 heap sizes and collections',
    columns: [
      kib('NEWC', `${space('new')}.size`, 'new space size (KiB)'),
      kib('NEWU', `${space('new')}.used`, 'new space used (KiB)'),
      kib('OLDC', `${space('old')}.size`, 'old space size (KiB)', 11),
      kib('OLDU', `${space('old')}.used`, 'old space used (KiB)', 11),
      kib('LOC', `${space('largeObject')}.size`, 'large object space size (KiB)'),
      kib('CODEC', `${space('code')}.size`, 'code space size (KiB)'),
      MINGC, MINGCT, MAJGC, MAJGCT, INCGC, INCGCT, GCT,
    ],
  },
  {
    name: 'heaputil', summary: 'V8 heap use in percent, and collections',
    columns: [
      percent('NEW', share(`${space('new')}.used`, `${space('new')}.size`), 'new space used (% of its size)'),
      percent('OLD', share(`${space('old')}.used`, `${space('old')}.size`), 'old space used (% of its size)'),
      percent('CODE', share(`${space('code')}.used`, `${space('code')}.size`), 'code space used (% of its size)'),
      percent('HEAP', share('node.heap.usedHeapSize', 'node.heap.totalHeapSize'), 'heap used (% of heap total)'),
      percent('LIMIT', share('node.heap.usedHeapSize', 'node.heap.heapSizeLimit'), 'heap used (% of the heap limit)'),
      MINGC, MINGCT, MAJGC, MAJGCT, INCGC, INCGCT, GCT,
    ],
  },
  {
    name: 'heap', summary: 'process memory: heap, external, array buffers, RSS',
    columns: [
      kib('HT', 'node.memory.heapTotal', 'V8 heap total (KiB)', 11),
      kib('HU', 'node.memory.heapUsed', 'V8 heap used (KiB)', 11),
      kib('HL', 'node.heap.heapSizeLimit', 'V8 heap limit (KiB)', 11),
      kib('EXT', 'node.memory.external', 'memory of C++ objects bound to JS (KiB)', 11),
      kib('AB', 'node.memory.arrayBuffers', 'ArrayBuffer and SharedArrayBuffer memory (KiB)', 11),
      kib('RSS', 'node.memory.rss', 'resident set size (KiB)', 11),
      kib('MAXRSS', 'node.memory.maxRss', 'peak resident set size (KiB)', 11),
    ],
  },
  {
    name: 'eventloop', summary: 'event-loop utilization and delay (ms) over each row (from the cumulative counters; percentiles need the histogram decode)',
    columns: [
      percent('ELU', mul(div(delta('node.eventLoop.active'), sum(delta('node.eventLoop.active'), delta('node.eventLoop.idle'))), lit(100)), 'event-loop utilization (%)'),
      millis('MIN', 'node.eventLoop.delay.min', 'minimum delay (ms)'),
      col('MEAN', div(mul(div(delta('node.eventLoop.delay.total.sum'), delta('node.eventLoop.delay.total.count')), lit(1000)), FREQ), 'mean delay (ms)', { width: 8, format: '0.00' }),
      millis('P50', 'node.eventLoop.delay.p50', 'median delay (ms)'),
      millis('P90', 'node.eventLoop.delay.p90', '90th percentile delay (ms)'),
      millis('P99', 'node.eventLoop.delay.p99', '99th percentile delay (ms)'),
      millis('MAX', 'node.eventLoop.delay.total.max', 'maximum delay since start (ms)'),
      millis('STDDEV', 'node.eventLoop.delay.stddev', 'standard deviation of the delay (ms)'),
    ],
  },
  {
    name: 'cpu', summary: 'CPU use (% of one core) and context switches per second',
    columns: [
      percent('CPU', cpuPercent(sum('node.cpu.user', 'node.cpu.system')), 'user + system CPU (% of one core)'),
      percent('USR', cpuPercent(ref('node.cpu.user')), 'user CPU (% of one core)'),
      percent('SYS', cpuPercent(ref('node.cpu.system')), 'system CPU (% of one core)'),
      col('VCSW/s', perSecond('node.rusage.voluntaryContextSwitches'), 'voluntary context switches per second', { width: 8, format: '0.0' }),
      col('ICSW/s', perSecond('node.rusage.involuntaryContextSwitches'), 'involuntary context switches per second', { width: 8, format: '0.0' }),
      seconds('UTIME', 'node.cpu.user', 'user CPU time in total (s)'),
      seconds('STIME', 'node.cpu.system', 'system CPU time in total (s)'),
    ],
  },
  {
    name: 'handles', summary: 'active libuv handles and requests by type (columns as the process has them)',
    columns: [count('TOTAL', 'node.resources.total', 'active resources in total')],
  },
];

const RESOURCES = 'node.resources.';

/**
 * The -handles columns for one process: the total, then one column per resource type it
 * publishes (node.resources.<type>), as those types differ from process to process.
 */
export function handlesColumns(counterNames: Iterable<string>): Column[] {
  const types = [...counterNames].filter((n) => n.startsWith(RESOURCES) && n !== `${RESOURCES}total`)
    .map((n) => n.slice(RESOURCES.length)).sort();
  return [count('TOTAL', `${RESOURCES}total`, 'active resources in total'),
    ...types.map((t) => count(t, `${RESOURCES}${t}`, `active ${t} resources`, 5))];
}
