/**
 * TEST FIXTURE, not product code: an HTTP server that speaks the JSON API of `perfmem serve`
 * (docs/serve.md: /api/processes, /api/processes/<pid>, /api/apps, /api/events) with
 * synthetic processes of exactly the monitor's shapes, and hands every other GET to
 * serveDashboard. It lets the browser tests and the page-CPU benchmark control what the page
 * sees (100 processes, a blocked one, hostile strings, a restart) without real processes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HistoryPoint, ProcessState, ProcessSummary } from '../../src/monitor/types.js';
import { serveDashboard } from '../../src/serve/dashboard.js';

export interface FakeProcess {
  summary: ProcessSummary;
  counters: Record<string, number | string>;
  history: HistoryPoint[];
  stack: { takenAtMs: number; frames: { functionName: string; url: string; line: number; column: number }[] } | null;
  /** Drives the synthetic figures. */
  phase: number;
  /** Its event loop lags (median delay over clinic doctor's 10 ms). */
  slow: boolean;
}

export interface FakeOptions {
  processes?: number;
  intervalMs?: number;
  port?: number;
  /** App names (default app-0, app-1, ...); every fifth process is a JVM app. */
  apps?: string[];
  /** Extra pages by path (the benchmark's bare floor page), served as they are. */
  pages?: Record<string, string>;
}

const HISTORY = 600;

function nodeCounters(pid: number, command: string): Record<string, number | string> {
  const c: Record<string, number | string> = {
    'node.pid': pid, 'node.version': 'v20.20.2', 'node.argv': command, 'sun.os.hrt.frequency': 1e9,
    'node.gc.count': 0, 'node.gc.time': 0, 'node.gc.scavenge.count': 0, 'node.gc.markSweepCompact.count': 0,
    'node.workers.live': 1, 'node.worker.1.eventLoop.active': 0, 'node.worker.1.eventLoop.idle': 0, 'node.worker.1.exited': 0,
    'node.resources.total': 3, 'node.resources.TCPWrap': 2, 'node.resources.Timeout': 1,
  };
  for (const s of ['new', 'old', 'code', 'largeObject']) c[`node.heap.space.${s}.used`] = 1e6;
  return c;
}

function jvmCounters(): Record<string, number | string> {
  const c: Record<string, number | string> = {
    'sun.os.hrt.frequency': 1e9, 'java.threads.live': 18, 'java.threads.daemon': 14, 'java.cls.loadedClasses': 2100,
    'java.cls.unloadedClasses': 0, 'sun.rt.safepoints': 0, 'sun.rt.safepointTime': 0, 'sun.ci.totalCompiles': 0, 'java.ci.totalTime': 0,
    'sun.gc.collector.0.name': 'G1 young', 'sun.gc.collector.0.invocations': 0, 'sun.gc.collector.0.time': 0,
    'sun.gc.collector.1.name': 'G1 full', 'sun.gc.collector.1.invocations': 0, 'sun.gc.collector.1.time': 0,
    'sun.gc.metaspace.used': 9e6,
  };
  const spaces: [number, number, string][] = [[0, 0, 'eden'], [0, 1, 's0'], [0, 2, 's1'], [1, 0, 'old']];
  for (const [g, s, name] of spaces) {
    c[`sun.gc.generation.${g}.space.${s}.name`] = name;
    c[`sun.gc.generation.${g}.space.${s}.used`] = 1e6;
  }
  return c;
}

export class FakeApi {
  readonly processes = new Map<number, FakeProcess>();
  private server: Server | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly clients = new Set<ServerResponse>();
  private seq = 0;
  port = 0;
  /** Every request path the server saw (tests check what the page asked for). */
  readonly requests: string[] = [];

  constructor(private readonly opts: FakeOptions = {}) {
    const n = opts.processes ?? 6;
    for (let i = 0; i < n; i++) {
      const app = i % 5 === 4 ? 'billing-jvm' : opts.apps?.[Math.floor(i / 5)] ?? `app-${Math.floor(i / 5)}`;
      this.add(i % 5 === 4 ? 'jvm' : 'node', app, i % 5 === 0 || i % 5 === 4 ? undefined : String(i % 5));
    }
    // Workers point at their app's primary.
    for (const p of this.processes.values()) {
      if (p.summary.worker !== undefined) {
        const primary = [...this.processes.values()].find((q) => q.summary.app === p.summary.app && q.summary.worker === undefined);
        if (primary) p.summary.ppid = primary.summary.pid;
      }
    }
  }

  add(runtime: 'node' | 'jvm', app: string, worker?: string, command?: string): FakeProcess {
    const pid = 40000 + this.processes.size * 7 + 3;
    const cmd = command ?? (runtime === 'jvm' ? 'com.example.billing.Main --port 8080' : `/srv/${app}/server.js --port ${3000 + this.processes.size}`);
    const now = Date.now();
    const summary: ProcessSummary = {
      pid, ppid: 1, user: 'app', runtime, app, worker, command: cmd,
      vmArgs: runtime === 'jvm' ? '-Xmx512m -XX:+UseG1GC' : '--import perfmem/register',
      runtimeVersion: runtime === 'jvm' ? '17.0.15+6-Debian-1deb12u1' : 'v20.20.2',
      startTimeMs: now - 3_600_000 - pid, path: `/tmp/hsperfdata_app/${pid}`,
      state: 'running', blockedMs: 0, sampledAtMs: now,
      gauges: { rssBytes: null, heapUsedBytes: null, heapTotalBytes: null, heapLimitBytes: runtime === 'jvm' ? 512 * 2 ** 20 : 4144 * 2 ** 20, handles: null, threads: null, uptimeSeconds: null },
      rates: { intervalSeconds: 1, cpu: null, cpuUser: null, cpuSystem: null, gcPerSecond: null, gcTimeRatio: null, loopDelayP50Ms: null, loopDelayP99Ms: null, loopDelayMaxMs: null, loopDelayMinMs: null, loopDelayMeanMs: null, loopDelayStddevMs: null, loopDelayP90Ms: null, elu: null },
    };
    const p: FakeProcess = { summary, counters: runtime === 'jvm' ? jvmCounters() : nodeCounters(pid, cmd), history: [], stack: null, phase: this.processes.size, slow: this.processes.size % 5 === 2 };
    this.processes.set(pid, p);
    return p;
  }

  /** Marks a Node process blocked in `fn (file:line)` with a stack, as the monitor would. */
  block(pid: number, blockedMs: number): void {
    const p = this.processes.get(pid)!;
    p.summary.state = 'blocked';
    p.summary.blockedMs = blockedMs;
    p.summary.blockedIn = 'spin (/srv/app-0/server.js:42)';
    p.stack = {
      takenAtMs: Date.now(),
      frames: [
        { functionName: 'spin', url: 'file:///srv/app-0/server.js', line: 42, column: 7 },
        { functionName: 'handle', url: 'file:///srv/app-0/server.js', line: 17, column: 3 },
      ],
    };
  }

  setState(pid: number, state: ProcessState): void {
    const p = this.processes.get(pid)!;
    p.summary.state = state;
    if (state !== 'blocked') p.summary.blockedMs = 0;
  }

  /** `n` samples `intervalMs` apart ending now, as if the server had been running (history for charts and verdicts). */
  backfill(n: number, intervalMs = this.opts.intervalMs ?? 1000): void {
    for (let i = n; i > 0; i--) this.tick(Date.now() - i * intervalMs);
  }

  /** One sample: every process's figures move a little; history and counters follow. */
  tick(now = Date.now()): void {
    this.seq++;
    for (const p of this.processes.values()) {
      const s = p.summary;
      if (s.state === 'gone') continue;
      p.phase += 1;
      const t = p.phase;
      const wave = (period: number, lo: number, hi: number) => lo + (hi - lo) * (0.5 + 0.5 * Math.sin((t / period) * 2 * Math.PI));
      s.sampledAtMs = now;
      if (s.state === 'blocked') s.blockedMs += this.opts.intervalMs ?? 1000;
      const cpu = s.state === 'blocked' ? 1 : wave(40, 0.02, 0.35);
      s.rates = {
        intervalSeconds: (this.opts.intervalMs ?? 1000) / 1000,
        cpu, cpuUser: cpu * 0.8, cpuSystem: cpu * 0.2,
        gcPerSecond: wave(25, 0, 4), gcTimeRatio: wave(30, 0.001, 0.03),
        loopDelayP50Ms: s.runtime === 'node' ? (s.state === 'blocked' ? s.blockedMs : (p.slow ? wave(20, 10.5, 14) : wave(20, 0.3, 2.5))) : null,
        loopDelayP99Ms: s.runtime === 'node' ? (s.state === 'blocked' ? s.blockedMs : (p.slow ? wave(20, 30, 60) : wave(20, 3, 12))) : null,
        loopDelayMaxMs: s.runtime === 'node' ? (s.state === 'blocked' ? s.blockedMs : (p.slow ? wave(20, 60, 140) : wave(20, 5, 25))) : null,
        elu: s.runtime === 'node' ? (s.state === 'blocked' ? 1 : wave(35, 0.05, 0.6)) : null,
        loopDelayMinMs: null, loopDelayMeanMs: null, loopDelayStddevMs: null, loopDelayP90Ms: null,
      };
      const heap = 40e6 + t * 20_000 + wave(15, 0, 8e6);
      s.gauges = { ...s.gauges, rssBytes: heap * 2.2, heapUsedBytes: heap, heapTotalBytes: heap * 1.3, handles: s.runtime === 'node' ? 12 : null, threads: s.runtime === 'node' ? 11 : 18, uptimeSeconds: (now - s.startTimeMs) / 1000 };
      p.history.push({ atMs: now, state: s.state, blockedMs: s.blockedMs, gauges: { ...s.gauges }, rates: { ...s.rates } });
      if (p.history.length > HISTORY) p.history.shift();
      for (const [name, v] of Object.entries(p.counters)) {
        if (typeof v !== 'number') continue;
        if (/(count|invocations|safepoints|Compiles)$/.test(name)) p.counters[name] = v + Math.round(wave(10, 0, 3));
        else if (/(\.time|Time|eventLoop\.active|eventLoop\.idle)$/.test(name) && name !== 'sun.os.hrt.frequency') p.counters[name] = v + Math.round(wave(10, 1e6, 5e7));
        else if (/\.used$/.test(name)) p.counters[name] = Math.round(wave(12, 1e6, 9e6));
      }
    }
    const body = `event: sample\ndata: ${JSON.stringify(this.body())}\n\n`;
    for (const c of this.clients) c.write(body);
  }

  body(): { atMs: number; seq: number; processes: ProcessSummary[] } {
    return { atMs: Date.now(), seq: this.seq, processes: [...this.processes.values()].map((p) => p.summary) };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.requests.push(url.pathname);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/api/processes') return json(200, this.body());
    const m = /^\/api\/processes\/(\d+)$/.exec(url.pathname);
    if (m) {
      const p = this.processes.get(Number(m[1]));
      if (!p) return json(404, { error: 'no such process' });
      return json(200, { ...p.summary, counters: p.counters, loopHistogram: null, stack: p.stack, history: p.history });
    }
    if (url.pathname === '/api/apps') {
      const apps = new Map<string, number[]>();
      for (const p of this.processes.values()) apps.set(p.summary.app, [...(apps.get(p.summary.app) ?? []), p.summary.pid]);
      return json(200, {
        apps: [...apps].map(([app, pids]) => ({
          app, pids,
          families: app === (this.opts.apps?.[0] ?? 'app-0') ? [
            { name: 'http_requests_total', help: 'Requests served', type: 'counter', aggregator: 'sum', values: [{ labels: { route: '/api', code: 200 }, value: 1234 + this.seq }] },
            { name: 'queue_depth', help: 'Jobs waiting', type: 'gauge', aggregator: 'all', values: pids.map((pid, i) => ({ labels: { worker: String(i) }, value: (pid + this.seq) % 17 })) },
          ] : [],
        })),
      });
    }
    if (url.pathname === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 300\n\n');
      this.clients.add(res);
      req.on('close', () => this.clients.delete(res));
      return;
    }
    const page = this.opts.pages?.[url.pathname];
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
      return;
    }
    if (!serveDashboard(req, res, url)) json(404, { error: 'not found' });
  }

  async start(): Promise<string> {
    if (!this.timer) {
      this.tick();
      this.timer = setInterval(() => this.tick(), this.opts.intervalMs ?? 1000);
    }
    const server = createServer((req, res) => this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port || this.opts.port || 0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}/`;
  }

  /** Stops listening and drops every client (the page sees the server go away); the samples stop too. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
