/**
 * perfmem/metrics against prom-client (issue 11): a kept child's inc() against a plain
 * typed-array store and the floors of a double and an integer increment; inc() with a label object, histogram observe(), each against prom-client's
 * same call; clusterMetrics() of 8 workers × 1,000 series, and with one worker blocked.
 */
import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchMain, median, nsPerOp, sink } from './harness.js';

if (process.env.PERFMEM_DIR === undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-bench-metrics-'));
  process.env.PERFMEM_DIR = dir;
  // Removed by the process that made it (cluster workers inherit it): each run used to leave one
  // in /tmp, which every scan of /tmp then reads (perfmem ps and snap, jps, jstat).
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
}
const prom = createRequire(import.meta.url)('prom-client') as typeof import('../src/metrics/index.js');
const ours = await import('../src/metrics/index.js');
type Lib = typeof ours;

const f64 = new Float64Array(1024);
const i32 = new Int32Array(1024);
const labels = (lib: Lib, name: string) => new lib.Counter({ name, help: 'h', labelNames: ['method', 'code'], registers: [] });
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function boundInc(lib: Lib): number {
  const child = labels(lib, 'bound_total').labels('GET', '200');
  return nsPerOp((n) => { for (let i = 0; i < n; i++) child.inc(); });
}

/** A kept child's inc(0.25): a counter of seconds, whose double has a fraction. */
function boundIncFraction(lib: Lib): number {
  const child = labels(lib, 'fraction_total').labels('GET', '200');
  return nsPerOp((n) => { for (let i = 0; i < n; i++) child.inc(0.25); });
}

function objectInc(lib: Lib): number {
  const c = labels(lib, 'object_total');
  const methods = ['GET', 'POST'];
  return nsPerOp((n) => { for (let i = 0; i < n; i++) c.inc({ method: methods[i & 1]!, code: '200' }); });
}

function observe(lib: Lib, child: boolean): number {
  const h = new lib.Histogram({ name: 'latency_seconds', help: 'h', buckets: BUCKETS, labelNames: child ? ['route'] : [], registers: [] });
  const values = Array.from({ length: 1024 }, (_, i) => (i % 100) / 40);
  if (child) {
    const c = h.labels('/a');
    return nsPerOp((n) => { for (let i = 0; i < n; i++) c.observe(values[i & 1023]!); });
  }
  return nsPerOp((n) => { for (let i = 0; i < n; i++) h.observe(values[i & 1023]!); });
}

/** Starts 8 workers (one optionally blocked), then times clusterMetrics() in ms. */
async function clusterRun(libName: 'perfmem' | 'prom-client', blocked: boolean): Promise<number> {
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./metrics-worker.js', import.meta.url)) });
  const workers = Array.from({ length: 8 }, () => cluster.fork({ LIB: libName, BLOCK_MS: '120000' }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  if (blocked) {
    workers[0]!.send('block');
    await new Promise((r) => setTimeout(r, 200));
  }
  const reg = libName === 'perfmem' ? new ours.AggregatorRegistry() : new prom.AggregatorRegistry();
  const one = async (): Promise<number> => {
    const t = process.hrtime.bigint();
    try {
      sink.value = await reg.clusterMetrics();
    } catch (e) {
      sink.value = e;
    }
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  const rounds = blocked && libName === 'prom-client' ? 1 : 15;
  for (let i = 0; i < Math.min(rounds, 3); i++) await one();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(await one());
  for (const w of workers) w.process.kill('SIGKILL');
  return median(samples);
}

/**
 * Creates this process's region of `size` bytes in a fresh directory, adds `series` entries of
 * a counter series' size (100 bytes: the region grows when they do not fit), and closes it:
 * ms per region.
 */
async function regionCost(size: number, series = 0): Promise<number> {
  const { createRegion } = await import('../src/perfmemory/index.js');
  const base = mkdtempSync(join(tmpdir(), 'perfmem-bench-size-'));
  const samples: number[] = [];
  try {
    for (let i = 0; i < 15; i++) {
      const t = process.hrtime.bigint();
      const region = createRegion({ dir: base, size });
      for (let s = 0; s < series; s++) region.rawEntry(`perfmem.metrics.v1.f0.s${s}`, 100);
      sink.value = region.size;
      region.close();
      samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return median(samples);
}

/** inc() on 8 kept children (or 8 elements) in turn: no increment waits for the one before. */
function eightChildren(lib: Lib): number {
  const c = labels(lib, 'eight_total');
  const [a, b, d, e, g, h, k, m] = ['0', '1', '2', '3', '4', '5', '6', '7'].map((x) => c.labels(x, '200')) as unknown as Eight;
  return nsPerOp((n) => { for (let i = 0; i < n; i += 8) { a.inc(); b.inc(); d.inc(); e.inc(); g.inc(); h.inc(); k.inc(); m.inc(); } });
}
type Child = { inc(): void };
type Eight = [Child, Child, Child, Child, Child, Child, Child, Child];

await benchMain([
  {
    name: 'metrics: region size',
    unit: 'ms/op',
    description: 'Creating (every page written once), filling and closing a region: the price of the room for app metrics. A region starts at 32 KiB and doubles in place when an entry does not fit (8,000 counter series of 100 bytes: 32 KiB to 1 MiB in 5 doublings, each a ftruncate, the new pages written once and a new mapping).',
    variants: {
      '32 KiB (PERFMEM_SIZE default), empty': { baseline: true, run: () => regionCost(32 * 1024) },
      '1 MiB at creation, 8,000 series': { run: () => regionCost(1024 * 1024, 8000) },
      '32 KiB grown to 1 MiB by 8,000 series': { run: () => regionCost(32 * 1024, 8000) },
      '8 MiB at creation, empty': { run: () => regionCost(8 * 1024 * 1024) },
    },
  },
  {
    name: 'metrics: kept child inc()',
    unit: 'ns/op',
    description: "`c.labels('GET', '200')` kept, then inc(): against a plain Float64Array store (goal: at most 2x) and prom-client's. "
      + 'Incrementing one double back to back costs a load, an add and a store of the same bytes, each waiting for the one before '
      + '(store-to-load forwarding plus the add: about 8 cycles here, `Float64Array element += 1`), while an integer read-modify-write '
      + 'of the same word does not wait so (`Int32Array element += 1` costs about a plain store on this CPU). So inc() and '
      + 'inc(<small integer>) add to a 32-bit integer part kept next to the double (layout version 2): a load, a compare with the '
      + "bound, an add and a store, no call; past 2^31 - 1 it is folded into the double under the series' seqlock, out of line "
      + '(docs/metrics.md, "Layout"). A fractional increment (a counter of seconds) goes to the double, as prom-client\'s sum does. '
      + 'With 8 kept series incremented in turn no increment waits for another.',
    goals: [
      { variant: 'perfmem child.inc()', maxRatio: 2, source: 'issue 11 item 5' },
      { variant: 'perfmem child.inc()', maxRatio: 1.2, to: 'Float64Array element += 1', source: 'the floor of a double increment' },
      { variant: 'perfmem child.inc(), 8 kept series in turn', maxRatio: 2, source: 'issue 11 item 5' },
    ],
    variants: {
      'Float64Array store': { baseline: true, run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) f64[i & 1023] = i; sink.value = f64[5]; }) },
      'Float64Array element += 1': {
        run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) f64[7]! += 1; sink.value = f64[7]; }),
        note: 'the floor of a double increment (what inc() was before the integer part)',
      },
      'Int32Array element += 1': {
        run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) i32[7]! += 1; sink.value = i32[7]; }),
        note: 'the floor of an integer increment without a bound (inc() adds a compare)',
      },
      'perfmem child.inc()': { run: () => boundInc(ours) },
      'prom-client child.inc()': { run: () => boundInc(prom) },
      'perfmem child.inc(0.25)': { run: () => boundIncFraction(ours), note: 'to the double (no goal)' },
      'prom-client child.inc(0.25)': { run: () => boundIncFraction(prom) },
      'Float64Array += 1, 8 elements in turn': {
        run: () => nsPerOp((n) => { for (let i = 0; i < n; i += 8) { f64[0]! += 1; f64[1]! += 1; f64[2]! += 1; f64[3]! += 1; f64[4]! += 1; f64[5]! += 1; f64[6]! += 1; f64[7]! += 1; } sink.value = f64[3]; }),
      },
      'perfmem child.inc(), 8 kept series in turn': { run: () => eightChildren(ours) },
      'prom-client child.inc(), 8 kept series in turn': { run: () => eightChildren(prom) },
    },
  },
  {
    name: 'metrics: inc({ method, code })',
    unit: 'ns/op',
    description: 'inc() with a label object (goal: at most 1/5 of prom-client).',
    goals: [{ variant: 'perfmem', maxRatio: 0.2, source: 'issue 11 item 5' }],
    variants: {
      'prom-client': { baseline: true, run: () => objectInc(prom) },
      perfmem: { run: () => objectInc(ours) },
    },
  },
  {
    name: 'metrics: histogram observe() (12 buckets)',
    unit: 'ns/op',
    description: "observe() on a 12-bucket histogram (goal: at most prom-client's).",
    goals: [{ variant: 'perfmem observe()', maxRatio: 1, source: 'issue 11 item 5' }],
    variants: {
      'prom-client observe()': { baseline: true, run: () => observe(prom, false) },
      'perfmem observe()': { run: () => observe(ours, false) },
      'prom-client child.observe()': { run: () => observe(prom, true) },
      'perfmem child.observe()': { run: () => observe(ours, true) },
    },
  },
  {
    name: 'metrics: clusterMetrics() 8 workers x 1,000 series',
    unit: 'ms/op',
    description: 'The primary aggregates 8 node:cluster workers of 1,000 counter series each (goal: at most 1/5 of prom-client, unchanged with a worker blocked). prom-client asks over IPC; perfmem reads the regions.',
    goals: [
      { variant: 'perfmem', maxRatio: 0.2, source: 'issue 11 item 5' },
      { variant: 'perfmem, one worker blocked', maxRatio: 0.2, source: 'issue 11 item 5' },
    ],
    variants: {
      'prom-client': { baseline: true, run: () => clusterRun('prom-client', false) },
      perfmem: { run: () => clusterRun('perfmem', false) },
      'perfmem, one worker blocked': { run: () => clusterRun('perfmem', true) },
      'prom-client, one worker blocked': { run: () => clusterRun('prom-client', true), note: 'fails after its 5 s timeout (one call timed)' },
    },
  },
]);
