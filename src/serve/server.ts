/**
 * `perfmem serve`'s HTTP server (node:http, or node:https with --tls-cert/--tls-key): GET and
 * HEAD only, bounded header size, request time and connections; every response is built from
 * the monitor's latest sample, so a scrape reads shared memory at most once however many
 * scrapers ask at the same moment, and never waits for any process.
 *
 *   /metrics                 Prometheus text 0.0.4 or OpenMetrics 1.0 (Accept), ?pid= ?runtime= ?app= ?raw=1
 *   /api/processes           { atMs, seq, processes: ProcessSummary[] } (same filters)
 *   /api/processes/<pid>     one ProcessSample (counters as an object) plus its history
 *   /api/apps                { apps: [{ app, pids, families }] }
 *   /api/events              Server-Sent Events: `sample` with the /api/processes body, every sample
 *   /healthz                 "ok"
 *   anything else            the dashboard (src/serve/dashboard.ts) when built in, else 404
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { formatFamilies, CONTENT_TYPES } from '../export/prometheus-format.js';
import { mapAppFamilies } from '../export/prometheus-apps.js';
import { mapSample } from '../export/prometheus-map.js';
import { negotiate } from '../export/prometheus-negotiate.js';
import type { Monitor } from '../monitor/index.js';
import type { HostSample } from '../monitor/types.js';
import type { Authenticator } from './auth.js';
import { FilterError, matches, matchesApp, parseFilter } from './filters.js';
import { processBody, processesBody } from './json.js';

export type DashboardHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

export interface ServerOptions {
  monitor: Monitor;
  /** The monitor's sampling interval: a sample younger than this is served as is. */
  intervalMs: number;
  showArgs?: boolean;
  tls?: { cert: Buffer; key: Buffer };
  auth?: Authenticator;
  /** The web dashboard, when built in. */
  dashboard?: DashboardHandler;
  limits?: Partial<Limits>;
}

export interface Limits {
  /** Bytes of request headers (Node answers 431 beyond). */
  maxHeaderBytes: number;
  /** Whole request (headers and body) must arrive within this, ms (408 beyond). */
  requestTimeoutMs: number;
  /** Headers must arrive within this, ms. */
  headersTimeoutMs: number;
  /** Idle keep-alive connections are closed after this, ms. */
  keepAliveTimeoutMs: number;
  /** Open connections; more are refused at accept. */
  maxConnections: number;
  /** Server-Sent Events subscribers. */
  maxEventClients: number;
  /** A subscriber this many bytes behind is dropped (a client that stopped reading). */
  maxEventBacklogBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxHeaderBytes: 8192, requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000,
  maxConnections: 128, maxEventClients: 32, maxEventBacklogBytes: 1 << 20,
};

const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

export function createPerfmemServer(options: ServerOptions): Server {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const { monitor } = options;
  const events = new Set<ServerResponse>();
  const requests: Record<string, number> = { text: 0, openmetrics: 0 };

  /** The latest sample when fresh, else a new one: concurrent requests share it (sampling is synchronous). */
  const current = (): HostSample => {
    const latest = monitor.latest();
    if (latest !== undefined && Date.now() - latest.atMs < options.intervalMs) return latest;
    return monitor.sample();
  };

  const send = (req: IncomingMessage, res: ServerResponse, status: number, type: string, text: string): void => {
    // Encoded once: its length and the bytes sent come from one pass over a body of up to megabytes.
    const body = Buffer.from(text);
    res.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  const text = (req: IncomingMessage, res: ServerResponse, status: number, body: string) => send(req, res, status, 'text/plain; charset=utf-8', body);
  const json = (req: IncomingMessage, res: ServerResponse, status: number, body: string) => send(req, res, status, 'application/json; charset=utf-8', body);

  const metrics = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const filter = parseFilter(url.searchParams);
    const sample = current();
    const stats = monitor.stats();
    const format = negotiate(req.headers.accept);
    requests[format]! += 1;
    const families = mapSample(sample, sample.processes.filter((p) => matches(filter, p)), {
      sampleSeconds: stats.lastSampleSeconds, sampleAgeSeconds: Math.max(0, (Date.now() - sample.atMs) / 1000),
      regionReads: stats.regionReads, readErrors: stats.readErrors, samples: stats.samples, requests,
    }, { raw: url.searchParams.get('raw') === '1', showArgs: options.showArgs === true });
    // The apps' own metrics (perfmem/metrics), aggregated per app, after the processes'.
    families.push(...mapAppFamilies(monitor.apps().filter((a) => matchesApp(filter, a)), families));
    send(req, res, 200, CONTENT_TYPES[format], formatFamilies(families, format));
  };

  const subscribe = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    if (events.size >= limits.maxEventClients) {
      text(req, res, 503, 'too many event subscribers\n');
      return;
    }
    const filter = parseFilter(url.searchParams);
    res.writeHead(200, { ...COMMON_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    if (req.method === 'HEAD') { res.end(); return; }
    // No request timeout for a subscription: it lives until the client leaves.
    req.socket.setTimeout(0);
    events.add(res);
    let sent = 0;
    const push = (s: HostSample): void => {
      if (s.seq <= sent) return; // the first sample may also arrive as an event
      sent = s.seq;
      if (res.writableLength > limits.maxEventBacklogBytes) { res.destroy(); return; }
      res.write(`id: ${s.seq}\nevent: sample\ndata: ${processesBody(s, (p) => matches(filter, p))}\n\n`);
    };
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    keepAlive.unref();
    monitor.on('sample', push);
    push(current());
    const done = (): void => { clearInterval(keepAlive); monitor.off('sample', push); events.delete(res); };
    res.on('close', done);
  };

  const route = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      text(req, res, 405, 'only GET and HEAD\n');
      return;
    }
    if (options.auth !== undefined && !options.auth.check(req.headers.authorization)) {
      res.setHeader('www-authenticate', 'Basic realm="perfmem", charset="UTF-8"');
      text(req, res, 401, 'unauthorized\n');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      text(req, res, 400, 'bad request target\n');
      return;
    }
    const path = url.pathname;
    try {
      if (path === '/metrics') return metrics(req, res, url);
      if (path === '/healthz') return text(req, res, 200, 'ok\n');
      if (path === '/api/processes') {
        const filter = parseFilter(url.searchParams);
        return json(req, res, 200, processesBody(current(), (p) => matches(filter, p)));
      }
      const one = /^\/api\/processes\/([1-9]\d{0,9})$/.exec(path);
      if (one !== null) {
        const pid = Number(one[1]);
        const p = current().processes.find((x) => x.pid === pid);
        if (p === undefined) return json(req, res, 404, JSON.stringify({ error: `no process ${pid}` }));
        return json(req, res, 200, processBody(p, monitor.history(pid)));
      }
      if (path === '/api/apps') {
        const filter = parseFilter(url.searchParams);
        current();
        return json(req, res, 200, JSON.stringify({ apps: monitor.apps().filter((a) => matchesApp(filter, a)) }));
      }
      if (path === '/api/events') return subscribe(req, res, url);
      if (path.startsWith('/api/')) return json(req, res, 404, JSON.stringify({ error: 'no such endpoint' }));
      if (options.dashboard !== undefined && options.dashboard(req, res, url)) return;
      text(req, res, 404, 'not found\n');
    } catch (err) {
      if (err instanceof FilterError) return text(req, res, 400, `${err.message}\n`);
      if (!res.headersSent) text(req, res, 500, 'internal error\n');
      else res.destroy();
      process.emitWarning(err as Error);
    }
  };

  const serverOptions = {
    maxHeaderSize: limits.maxHeaderBytes, requestTimeout: limits.requestTimeoutMs, headersTimeout: limits.headersTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often Node checks the two timeouts above (default 30 s): a slow client is cut off promptly.
    connectionsCheckingInterval: 500,
  };
  const server = options.tls === undefined ? createHttpServer(serverOptions, route)
    : createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, route);
  server.maxConnections = limits.maxConnections;
  // A client that connects and sends nothing, or trickles, is cut off by headersTimeout (408); one
  // that stalls mid-body by requestTimeout; oversized headers get 431: Node's own clientError
  // answers, checked every connectionsCheckingInterval.
  server.on('close', () => { for (const r of events) r.destroy(); });
  return server;
}

/** Listens; resolves with the bound address, rejects with the listen error (EADDRINUSE, EACCES...). */
export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Closes the server and every open connection, subscriptions included. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
