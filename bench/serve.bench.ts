/**
 * `perfmem serve`'s scrape as Prometheus makes it: a client in another process GETs /metrics
 * over a kept-alive connection every second (test/serve's scrape interval) with Prometheus
 * 2.42's Accept header, while the scraped Node processes do real work (timers, allocation, GC,
 * event-loop delays in varying buckets), so every counter that moves in production moves
 * between two scrapes and no cache is flattered by back-to-back reads of idle regions. Each
 * scrape takes a fresh sample (the server's freshness is set below the scrape interval, as
 * `serve` does when Prometheus scrapes at the monitor's interval): one sample of every region,
 * mapped, formatted and answered. The figure is the server process's CPU time per scrape
 * (everything it spends from one request's arrival to the next's: the sample, the rendering,
 * the HTTP answer, GC), measured against the physical limit (pread of every region file and
 * nothing else), for 5 and 50 processes, for 10 with one blocked, and 50 concurrent scrapes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, median } from './harness.js';
import { createMonitor, type Monitor } from '../src/monitor/index.js';
import { closeServer, createPerfmemServer, listen } from '../src/serve/server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGISTER = join(ROOT, 'dist/src/runtime/register.js');
/** Scrapes measured per variant, one a second, after WARM_UP_SCRAPES back to back. */
const SCRAPES = 20;
const WARM_UP_SCRAPES = 200;
const SCRAPE_INTERVAL_MS = 1000;
/** Prometheus 2.42's Accept header: the answer is OpenMetrics, as Prometheus gets it. */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const children: ChildProcess[] = [];
let scratch: string | undefined;
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

/**
 * A working app: every 20 ms a request-like task (objects built, serialised and parsed, so the
 * heap churns and the young generation collects), and every second or so a longer task of 1-4
 * ms, so the event loop's delays fall in changing buckets. About 0.3% of a core each.
 */
const WORKER = `
const keep = [];
setInterval(() => {
  const rows = Array.from({ length: 40 }, (_, i) => ({ id: i, name: 'row' + i, at: Date.now() }));
  keep.push(JSON.parse(JSON.stringify(rows)));
  if (keep.length > 50) keep.shift();
}, 20);
const long = () => { const end = Date.now() + 1 + Math.random() * 3; while (Date.now() < end); setTimeout(long, 700 + Math.random() * 600); };
setTimeout(long, 500);
`;

/** `n` working instrumented Node processes (`blocked` of them in a busy loop), regions in a scratch dir. */
async function subjects(n: number, blocked = 0): Promise<string> {
  scratch = mkdtempSync(join(tmpdir(), 'perfmem-bench-serve-'));
  const work = join(scratch, 'work.mjs');
  writeFileSync(work, WORKER);
  const busy = join(scratch, 'busy.mjs');
  writeFileSync(busy, 'setTimeout(() => { for (;;) {} }, 1500);\n');
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, ['--max-old-space-size=32', '--import', REGISTER, i < blocked ? busy : work, `subject-${i}`],
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

/** A Prometheus-like client in its own process: `count` scrapes of `url`, one every `everyMs`, on a kept-alive connection. */
const CLIENT = `
import http from 'node:http';
const [url, count, everyMs, accept] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let bytes = 0, failures = 0;
for (let i = 0; i < Number(count); i++) {
  const started = Date.now();
  await new Promise((resolve) => {
    http.get(url, { agent, headers: { accept } }, (res) => {
      if (res.statusCode !== 200) failures++;
      res.on('data', (d) => { bytes += d.length; });
      res.on('end', resolve);
    }).on('error', () => { failures++; resolve(); });
  });
  await new Promise((r) => setTimeout(r, Math.max(0, Number(everyMs) - (Date.now() - started))));
}
process.stdout.write(JSON.stringify({ bytes, failures }));
`;

function runClient(url: string, count: number, everyMs: number): Promise<{ bytes: number; failures: number }> {
  const file = join(scratch!, 'client.mjs');
  writeFileSync(file, CLIENT);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, url, String(count), String(everyMs), PROMETHEUS_ACCEPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { bytes: number; failures: number }) : reject(new Error(`client exited ${code}`))));
  });
}

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

let note = '';
/**
 * Mean CPU ms the server process spends on a scrape, scraped every second: from the request's
 * arrival to the response handed to the kernel (sample, mapping, formatting, HTTP). A mean, not
 * a median: discovery (new regions) runs in every other scrape at this cadence, and its cost
 * belongs to the figure. What the process spends besides (its idle timers, V8's background
 * compiler and GC threads) is in the note, from one arrival to the next.
 */
async function scrapeOf(n: number, blocked = 0): Promise<number> {
  const dir = await subjects(n, blocked);
  const monitor = createMonitor({ dirs: [dir], containers: false });
  monitor.sample();
  // No sample is fresh enough to share: every scrape takes its own, as when Prometheus scrapes at the monitor's interval.
  const server = createPerfmemServer({ monitor, intervalMs: 0 });
  const { port } = await listen(server, '127.0.0.1', 0);
  const url = `http://127.0.0.1:${port}/metrics`;
  // A server runs for days: its code is compiled by then. Back-to-back scrapes bring the JIT
  // there (a few dozen scrapes a second apart would measure V8's tiering, not the scrape).
  await runClient(url, WARM_UP_SCRAPES, 0);
  const sampleCpu = timeSamples(monitor);
  const arrivals: number[] = [];
  const scrapeCpu: number[] = [];
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    const at = cpuMs();
    arrivals.push(at);
    res.once('finish', () => scrapeCpu.push(cpuMs() - at));
  });
  const before = monitor.stats();
  const { bytes, failures } = await runClient(url, SCRAPES + 1, SCRAPE_INTERVAL_MS);
  const after = monitor.stats();
  await closeServer(server);
  const perScrape = arrivals.slice(1).map((a, i) => a - arrivals[i]!);
  const states = monitor.latest()!.processes.reduce((m, p) => m.set(p.state, (m.get(p.state) ?? 0) + 1), new Map<string, number>());
  const samples = after.samples - before.samples;
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  note = `${((after.regionReads - before.regionReads) / samples).toFixed(1)} region reads per sample, ${(samples / arrivals.length).toFixed(2)} samples per scrape; ${[...states].map(([s, k]) => `${k} ${s}`).join(', ')}; `
    + `median ${median(scrapeCpu).toFixed(2)} ms, of which the sample ${mean(sampleCpu).toFixed(2)} ms; from one arrival to the next ${mean(perScrape).toFixed(2)} ms; ${Math.round(bytes / arrivals.length / 1024)} KiB/scrape; ${failures} failed`;
  monitor.close();
  return mean(scrapeCpu);
}

/** Records the CPU time of every monitor.sample() call. */
function timeSamples(monitor: Monitor): number[] {
  const times: number[] = [];
  const sample = monitor.sample.bind(monitor);
  monitor.sample = () => { const at = cpuMs(); const s = sample(); times.push(cpuMs() - at); return s; };
  return times;
}

/** The physical limit: pread every region file whole into a buffer, nothing else (once a second, as the scrapes). */
async function preadOnly(n: number): Promise<number> {
  const dir = join(await subjects(n), `hsperfdata_${userInfo().username}`);
  const files = readdirSync(dir).map((f) => join(dir, f));
  const buffer = new Uint8Array(1 << 20);
  const cpu: number[] = [];
  for (let i = 0; i < WARM_UP_SCRAPES + SCRAPES; i++) {
    const c = cpuMs();
    for (const f of files) {
      const fd = openSync(f, 'r');
      readSync(fd, buffer, 0, buffer.length, 0);
      closeSync(fd);
    }
    if (i < WARM_UP_SCRAPES) continue;
    cpu.push(cpuMs() - c);
    await new Promise((r) => setTimeout(r, SCRAPE_INTERVAL_MS));
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
    description: 'GET /metrics once a second from a client process (Prometheus\'s Accept header, kept-alive connection), each scrape a fresh sample of every region, N instrumented Node processes doing real work in between; the server process\'s CPU time from a request\'s arrival to its response (sample, mapping, formatting, HTTP), mean of 20 scrapes. The physical limit preads each of the 50 region files whole, once a second. CPU time, because on this shared 2-core machine wall time mostly measures the other processes.',
    goals: [{ variant: '50 processes', maxRatio: 5, source: 'issue 12 item 5' }],
    variants: {
      '5 processes': { baseline: true, run: () => scrapeOf(5), get note() { return note; } },
      '50 processes': { run: () => scrapeOf(50), get note() { return note; } },
      'pread of 50 region files (physical limit)': { run: () => preadOnly(50) },
    },
  },
  {
    name: 'scrape while a process is blocked',
    unit: 'CPU ms/scrape',
    description: 'The same scrape of 10 processes, none blocked, against the same with one in a busy loop (its event loop blocked): the scrape reads shared memory only and never waits for it. In the server\'s CPU time, because on a 2-core machine the busy loop takes a core away and stretches every wall-clock figure.',
    variants: {
      'none blocked': { baseline: true, run: () => scrapeOf(10, 0), get note() { return note; } },
      'one blocked': { run: () => scrapeOf(10, 1), get note() { return note; } },
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
