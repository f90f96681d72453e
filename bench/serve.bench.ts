/**
 * `perfmem serve`'s scrape: the monitor's sample plus the mapping and the text format, for 5
 * and 50 live instrumented Node processes (each region read once per sample: see the note),
 * against the physical limit (pread of every region file and nothing else); a scrape while one
 * of the processes is blocked in a busy loop against none blocked; and 50 concurrent HTTP
 * scrapes against one. Subjects are started per variant and killed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, median, sink } from './harness.js';
import { formatFamilies } from '../src/export/prometheus-format.js';
import { mapSample } from '../src/export/prometheus-map.js';
import { createMonitor, type Monitor } from '../src/monitor/index.js';
import { closeServer, createPerfmemServer, listen } from '../src/serve/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER = join(ROOT, 'dist/src/runtime/register.js');
const ROUNDS = 41;

const children: ChildProcess[] = [];
let scratch: string | undefined;
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

/** `n` idle instrumented Node processes (and `blocked` of them in a busy loop), regions in a scratch dir. */
async function subjects(n: number, blocked = 0): Promise<string> {
  scratch = mkdtempSync(join(tmpdir(), 'perfmem-bench-serve-'));
  const idle = join(scratch, 'idle.mjs');
  writeFileSync(idle, 'setInterval(() => {}, 1 << 30);\n');
  const busy = join(scratch, 'busy.mjs');
  writeFileSync(busy, 'setTimeout(() => { for (;;) {} }, 1500);\n');
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, ['--max-old-space-size=32', '--import', REGISTER, i < blocked ? busy : idle, `subject-${i}`],
      { stdio: 'ignore', env: { ...process.env, PERFMEM_DIR: scratch } });
    child.unref(); // the variant's process exits when its result is out; the exit handler kills them
    children.push(child);
  }
  const dir = join(scratch, `hsperfdata_${userInfo().username}`);
  const end = Date.now() + 120_000;
  while (!children.every((c) => existsSync(join(dir, String(c.pid))))) {
    if (Date.now() > end) throw new Error('subjects did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  // Past the subjects' start-up (50 Node start-ups keep 2 cores busy for seconds), and past the
  // busy loop's start plus three sampling periods, so that the blocked one is seen as blocked.
  await new Promise((r) => setTimeout(r, Math.max(blocked > 0 ? 5000 : 1500, n * 150)));
  return scratch;
}

/** Median ms of one scrape as /metrics does it (a fresh sample, mapped and formatted): wall time, and this process's CPU time. */
function scrapeMs(monitor: Monitor): { wall: number; cpu: number } {
  const once = () => {
    const s = monitor.sample();
    const st = monitor.stats();
    sink.value = formatFamilies(mapSample(s, s.processes, { sampleSeconds: st.lastSampleSeconds, sampleAgeSeconds: 0, regionReads: st.regionReads, readErrors: st.readErrors, samples: st.samples }), 'text');
  };
  for (let i = 0; i < 5; i++) once();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    const c = process.cpuUsage();
    once();
    const used = process.cpuUsage(c);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: median(times), cpu: median(cpu) };
}

let note = '';
async function scrapeOf(n: number, blocked = 0, measure: 'wall' | 'cpu' = 'cpu'): Promise<number> {
  const dir = await subjects(n, blocked);
  const monitor = createMonitor({ dirs: [dir], containers: false });
  const before = monitor.stats();
  const both = scrapeMs(monitor);
  const ms = both[measure];
  const after = monitor.stats();
  const states = monitor.latest()!.processes.reduce((m, p) => m.set(p.state, (m.get(p.state) ?? 0) + 1), new Map<string, number>());
  note = `${((after.regionReads - before.regionReads) / (after.samples - before.samples)).toFixed(1)} region reads per sample; ${[...states].map(([s, k]) => `${k} ${s}`).join(', ')}; wall ${both.wall.toFixed(2)} ms, CPU ${both.cpu.toFixed(2)} ms`;
  monitor.close();
  return ms;
}

/** The physical limit: pread every region file whole into a buffer, nothing else. */
async function preadOnly(n: number): Promise<number> {
  const dir = join(await subjects(n), `hsperfdata_${userInfo().username}`);
  const files = readdirSync(dir).map((f) => join(dir, f));
  const buffer = new Uint8Array(1 << 20);
  const read = () => {
    for (const f of files) {
      const fd = openSync(f, 'r');
      readSync(fd, buffer, 0, buffer.length, 0);
      closeSync(fd);
    }
  };
  for (let i = 0; i < 5; i++) read();
  const cpu: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const c = process.cpuUsage();
    read();
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  return median(cpu);
}

/** ms until `parallel` simultaneous GET /metrics have all been answered (median of rounds). */
async function concurrentMs(parallel: number): Promise<number> {
  const dir = await subjects(10);
  const monitor = createMonitor({ dirs: [dir], containers: false });
  monitor.sample();
  monitor.start(1000);
  const server = createPerfmemServer({ monitor, intervalMs: 1000 });
  const { port } = await listen(server, '127.0.0.1', 0);
  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i < 15; i++) {
    const start = process.hrtime.bigint();
    const codes = await Promise.all(Array.from({ length: parallel }, () => fetch(`http://127.0.0.1:${port}/metrics`).then(async (r) => { await r.text(); return r.status; })));
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    failures += codes.filter((c) => c !== 200).length;
  }
  note = `${failures} of ${15 * parallel} scrapes failed; ${monitor.stats().samples} samples taken`;
  await closeServer(server);
  monitor.close();
  return median(times);
}

await benchMain([
  {
    name: 'scrape of N processes',
    unit: 'CPU ms/scrape',
    description: 'A /metrics scrape (a fresh sample of every region, mapped and formatted) of N idle instrumented Node processes; the physical limit preads each of the 50 region files whole. In the scraper\'s CPU time: on this shared 2-core machine wall time mostly measures the other processes (it is in the note).',
    variants: {
      '5 processes': { baseline: true, run: async () => { const v = await scrapeOf(5); return v; }, get note() { return note; } },
      '50 processes': { run: () => scrapeOf(50), get note() { return note; } },
      'pread of 50 region files (physical limit)': { run: () => preadOnly(50) },
    },
  },
  {
    name: 'scrape while a process is blocked',
    unit: 'CPU ms/scrape',
    description: 'A scrape of 10 processes, none blocked, against the same with one in a busy loop (its event loop blocked): the scrape reads shared memory only and never waits for it. Measured in the scraper\'s CPU time, because on a 2-core machine the busy loop takes a core away and stretches every wall-clock figure (the wall time is in the note).',
    variants: {
      'none blocked': { baseline: true, run: () => scrapeOf(10, 0, 'cpu'), get note() { return note; } },
      'one blocked': { run: () => scrapeOf(10, 1, 'cpu'), get note() { return note; } },
    },
  },
  {
    name: 'concurrent scrapes',
    unit: 'ms until all answered',
    description: 'Simultaneous GET /metrics over HTTP (10 processes): they share the monitor\'s latest sample.',
    variants: {
      '1 scrape': { baseline: true, run: () => concurrentMs(1), get note() { return note; } },
      '50 concurrent scrapes': { run: () => concurrentMs(50), get note() { return note; } },
    },
  },
]);
