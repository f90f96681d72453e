/**
 * `perfmem stat` options for Node processes, over the node.* counters that
 * `--import perfmem/register` publishes. -gcutil (and the other JVM options) read the sun.gc.*
 * counters the runtime mirrors, with jstat's own columns, so that perfmem and jstat agree on a
 * Node process too. Same column model and formatting rules as the JVM
 * options; rates (CPU %, collections per second) are taken between two samples, and the
 * first row shows them since the process started.
 */
import { type Column, type Expr, type StatOption, K, SEC, column, delta, div, fromRow, lit, mul } from './columns.js';
import type { NodeRow } from './node-row.js';

const FREQ = 'sun.os.hrt.frequency';

const col = column;

const kib = (header: string, counter: Expr | string, description: string, json: string, width = 10) =>
  col(header, counter, description, { width, scale: K, format: '0.0', json });
const count = (header: string, counter: string, description: string, json: string, width = 6) => col(header, counter, description, { width, json });
const seconds = (header: string, ticks: Expr | string, description: string, json: string) =>
  col(header, div(ticks, FREQ), description, { width: 9, scale: SEC, format: '0.000', json });
const percent = (header: string, data: Expr, description: string, json: string, live = false) =>
  col(header, data, description, { width: 6, format: '0.00', json, live });
/** Milliseconds of the row's delay figures (see node-row.ts), shown also while blocked. */
const delayMs = (header: string, of: (d: NodeRow['delay']) => number, description: string, json: string) =>
  col(header, fromRow((r) => of(r.delay)), description, { width: 8, format: '0.00', json, live: true });

/**
 * Per second of the row's interval on the writer's clock (node-row.ts): what accrued over
 * 3.5 s is divided by 3.5 s whatever the reader's interval; 0/0 ("-") when nothing is new.
 */
const perSecond = (counter: string) => div(delta(counter), fromRow((r) => r.mainIntervalMs / 1000));
/** Percent of one core over the row, from the newer of the main thread's and the watchdog's CPU counters. */
const cpuPercent = (of: (r: NodeRow) => number) => fromRow((r) => (of(r) / r.cpuIntervalNs) * 100);
/** used / total as a percent. */
const share = (used: string, total: string) => mul(div(used, total), lit(100));

const gc = (kind: string) => `node.gc.${kind}`;
const space = (name: string) => `node.heap.space.${name}`;

const MINGC = count('MINGC', `${gc('minor')}.count`, 'minor collections (scavenges)', 'minorGcCount');
const MINGCT = seconds('MINGCT', `${gc('minor')}.time`, 'minor collection time (s)', 'minorGcTimeS');
const MAJGC = count('MAJGC', `${gc('major')}.count`, 'major collections (mark-compact)', 'majorGcCount', 5);
const MAJGCT = seconds('MAJGCT', `${gc('major')}.time`, 'major collection time (s)', 'majorGcTimeS');
const INCGC = count('INCGC', `${gc('incremental')}.count`, 'incremental marking steps', 'incrementalGcCount', 5);
const INCGCT = seconds('INCGCT', `${gc('incremental')}.time`, 'incremental marking time (s)', 'incrementalGcTimeS');
const GCT = seconds('GCT', 'node.gc.time', 'total collection time (s)', 'gcTimeS');
const GCS = col('GC/s', perSecond('node.gc.count'), 'collections per second over the row', { width: 7, format: '0.0', json: 'gcPerSec' });

export const nodeOptions: StatOption[] = [
  {
    name: 'gc', summary: 'V8 heap sizes and collections',
    columns: [
      kib('NEWC', `${space('new')}.size`, 'new space size (KiB)', 'newSizeKiB'),
      kib('NEWU', `${space('new')}.used`, 'new space used (KiB)', 'newUsedKiB'),
      kib('OLDC', `${space('old')}.size`, 'old space size (KiB)', 'oldSizeKiB', 11),
      kib('OLDU', `${space('old')}.used`, 'old space used (KiB)', 'oldUsedKiB', 11),
      kib('LOC', `${space('largeObject')}.size`, 'large object space size (KiB)', 'largeObjectSizeKiB'),
      kib('CODEC', `${space('code')}.size`, 'code space size (KiB)', 'codeSizeKiB'),
      MINGC, MINGCT, MAJGC, MAJGCT, INCGC, INCGCT, GCT, GCS,
    ],
  },
  {
    name: 'heaputil', summary: 'V8 heap use in percent, and collections',
    columns: [
      percent('NEW', share(`${space('new')}.used`, `${space('new')}.size`), 'new space used (% of its size)', 'newPct'),
      percent('OLD', share(`${space('old')}.used`, `${space('old')}.size`), 'old space used (% of its size)', 'oldPct'),
      percent('CODE', share(`${space('code')}.used`, `${space('code')}.size`), 'code space used (% of its size)', 'codePct'),
      percent('HEAP', share('node.heap.usedHeapSize', 'node.heap.totalHeapSize'), 'heap used (% of heap total)', 'heapPct'),
      percent('LIMIT', share('node.heap.usedHeapSize', 'node.heap.heapSizeLimit'), 'heap used (% of the heap limit)', 'limitPct'),
      MINGC, MINGCT, MAJGC, MAJGCT, INCGC, INCGCT, GCT, GCS,
    ],
  },
  {
    name: 'heap', summary: 'process memory: heap, external, array buffers, RSS',
    columns: [
      kib('HT', 'node.memory.heapTotal', 'V8 heap total (KiB)', 'heapTotalKiB', 11),
      kib('HU', 'node.memory.heapUsed', 'V8 heap used (KiB)', 'heapUsedKiB', 11),
      kib('HL', 'node.heap.heapSizeLimit', 'V8 heap limit (KiB)', 'heapLimitKiB', 11),
      kib('EXT', 'node.memory.external', 'memory of C++ objects bound to JS (KiB)', 'externalKiB', 11),
      kib('AB', 'node.memory.arrayBuffers', 'ArrayBuffer and SharedArrayBuffer memory (KiB)', 'arrayBuffersKiB', 11),
      kib('RSS', 'node.memory.rss', 'resident set size (KiB)', 'rssKiB', 11),
      kib('MAXRSS', 'node.memory.maxRss', 'peak resident set size (KiB)', 'maxRssKiB', 11),
    ],
  },
  {
    name: 'eventloop',
    json: (r) => ({ elu: r.elu, delaySamples: r.delay.count, delaySource: r.delay.source }),
    summary: 'event-loop utilization and delay (ms) over each row\'s interval, an ongoing block included',
    columns: [
      percent('ELU', fromRow((r) => r.elu * 100), 'event-loop utilization over the row (%)', 'eluPct', true),
      delayMs('MEAN', (d) => d.meanMs, 'mean delay (ms)', 'delayMeanMs'),
      delayMs('P50', (d) => d.p50Ms, 'median delay (ms)', 'delayP50Ms'),
      delayMs('P90', (d) => d.p90Ms, '90th percentile delay (ms)', 'delayP90Ms'),
      delayMs('P99', (d) => d.p99Ms, '99th percentile delay (ms)', 'delayP99Ms'),
      delayMs('MAX', (d) => d.maxMs, 'maximum delay (ms)', 'delayMaxMs'),
      col('BLOCKED', fromRow((r) => r.blockedMs), 'how long the loop has been blocked at the read (ms; 0 when not)',
        { width: 9, format: '0', json: 'blockedMs', live: true }),
    ],
  },
  {
    name: 'cpu',
    json: (r) => ({ cpuIntervalMs: r.cpuIntervalNs / 1e6 }),
    summary: 'CPU use (% of one core) and context switches per second over each row\'s interval',
    columns: [
      percent('CPU', cpuPercent((r) => r.cpuUserNs + r.cpuSystemNs), 'user + system CPU (% of one core)', 'cpuPct', true),
      percent('USR', cpuPercent((r) => r.cpuUserNs), 'user CPU (% of one core)', 'userPct', true),
      percent('SYS', cpuPercent((r) => r.cpuSystemNs), 'system CPU (% of one core)', 'systemPct', true),
      col('VCSW/s', perSecond('node.rusage.voluntaryContextSwitches'), 'voluntary context switches per second',
        { width: 8, format: '0.0', json: 'voluntaryCtxSwPerSec' }),
      col('ICSW/s', perSecond('node.rusage.involuntaryContextSwitches'), 'involuntary context switches per second',
        { width: 8, format: '0.0', json: 'involuntaryCtxSwPerSec' }),
      col('UTIME', fromRow((r) => r.cpuUserTotalNs / 1e9), 'user CPU time in total (s)', { width: 9, format: '0.000', json: 'userTimeS', live: true }),
      col('STIME', fromRow((r) => r.cpuSystemTotalNs / 1e9), 'system CPU time in total (s)', { width: 9, format: '0.000', json: 'systemTimeS', live: true }),
    ],
  },
  {
    name: 'handles', summary: 'active libuv handles and requests by type (columns as the process has them)',
    columns: [count('TOTAL', 'node.resources.total', 'active resources in total', 'total')],
  },
];

/** jstat -t's first column for a Node process: time since it started at the read (live while blocked). */
export const nodeTimestampColumn: Column = col('Timestamp', fromRow((r) => r.uptimeMs / 1000),
  'seconds since the process started', { width: 15, format: '0.0', headerAlign: 'left', json: 'uptimeS', live: true });

const RESOURCES = 'node.resources.';

/**
 * The -handles columns for one process: the total, then one column per resource type it
 * publishes (node.resources.<type>), as those types differ from process to process.
 */
export function handlesColumns(counterNames: Iterable<string>): Column[] {
  const types = [...counterNames].filter((n) => n.startsWith(RESOURCES) && n !== `${RESOURCES}total`)
    .map((n) => n.slice(RESOURCES.length)).sort();
  return [count('TOTAL', `${RESOURCES}total`, 'active resources in total', 'total'),
    ...types.map((t) => count(t, `${RESOURCES}${t}`, `active ${t} resources`, t, 5))];
}
