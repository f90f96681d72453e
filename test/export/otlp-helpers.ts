/**
 * Test helpers for OTLP: OpenTelemetry's own generated protobuf code (protobufjs, from
 * @opentelemetry/otlp-transformer 0.212, installed as `otlp-transformer-protobuf`) to decode
 * what perfmem sends; a collector stand-in on 127.0.0.1 that can fail on purpose; samples.
 */
import { createRequire } from 'node:module';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { ProcessSample } from '../../src/monitor/types.js';
import { emptyHistogram, recordDelay } from '../../src/runtime/loop-histogram.js';

interface ProtoType {
  decode(buf: Uint8Array): unknown;
  encode(msg: unknown): { finish(): Uint8Array };
  fromObject(obj: unknown): unknown;
  toObject(msg: unknown, options: object): Record<string, unknown>;
}

const root = createRequire(import.meta.url)('otlp-transformer-protobuf/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { metrics: { v1: { ExportMetricsServiceRequest: ProtoType; ExportMetricsServiceResponse: ProtoType } } } } };
};
export const RequestType = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
export const ResponseType = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;

const TO_OBJECT = { longs: String, enums: Number, bytes: String, defaults: false, arrays: true, oneofs: false };

/** A decoded request as a plain object with int64s as decimal strings. */
export type Decoded = {
  resourceMetrics: Array<{
    resource: { attributes: Array<{ key: string; value: Record<string, unknown> }> };
    scopeMetrics: Array<{ scope: { name: string; version?: string }; metrics: DecodedMetric[] }>;
  }>;
};
export interface DecodedMetric {
  name: string; unit?: string; description?: string;
  sum?: { dataPoints: DecodedPoint[]; aggregationTemporality: number; isMonotonic?: boolean };
  gauge?: { dataPoints: DecodedPoint[] };
  histogram?: { dataPoints: DecodedHistogramPoint[]; aggregationTemporality: number };
  summary?: { dataPoints: Array<{ attributes?: Array<{ key: string; value: Record<string, unknown> }>; count: string; sum?: number; quantileValues?: Array<{ quantile?: number; value?: number }> }> };
}
export interface DecodedPoint {
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
  startTimeUnixNano: string; timeUnixNano: string; asInt?: string; asDouble?: number;
}
export interface DecodedHistogramPoint {
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
  startTimeUnixNano: string; timeUnixNano: string; count: string; sum?: number;
  bucketCounts?: string[]; explicitBounds?: number[]; min?: number; max?: number;
}

export function decodeProtobuf(body: Uint8Array): Decoded {
  return RequestType.toObject(RequestType.decode(body), TO_OBJECT) as unknown as Decoded;
}

/**
 * OTLP/JSON through the generated code. fromObject ignores unknown names, so a misspelt field
 * shows up as data missing when compared with the protobuf decoding of the same request.
 * (verify() is not used: it rejects the decimal strings that protobuf's JSON mapping gives int64s.)
 */
export function decodeJson(body: Uint8Array): Decoded {
  const obj: unknown = JSON.parse(Buffer.from(body).toString('utf8'));
  return RequestType.toObject(RequestType.fromObject(obj), TO_OBJECT) as unknown as Decoded;
}

/** Attributes of a decoded resource or point as a plain record. */
export function attrs(list: Array<{ key: string; value: Record<string, unknown> }> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // defineProperty: a key such as `__proto__` must become an own property, not the prototype
  for (const { key, value } of list ?? []) {
    Object.defineProperty(out, key, { value: value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function metricsOf(d: Decoded, pid: number): Map<string, DecodedMetric> {
  const rm = d.resourceMetrics.find((r) => attrs(r.resource.attributes)['process.pid'] === String(pid));
  if (rm === undefined) throw new Error(`no resource for pid ${pid}`);
  return new Map(rm.scopeMetrics.flatMap((s) => s.metrics).map((m) => [m.name, m]));
}

/** What the stand-in collector answers to one request. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Wait this long before answering (a slow collector). */
  delayMs?: number;
  /** Never answer (until the client gives up). */
  hang?: boolean;
}

export interface Received {
  headers: http.IncomingHttpHeaders;
  /** Decompressed when content-encoding is gzip. */
  body: Buffer;
  raw: Buffer;
}

/** A collector on 127.0.0.1: answers from `replies` in order, then 200 with an empty body. */
export class Collector {
  readonly received: Received[] = [];
  readonly replies: Reply[] = [];
  private server: http.Server | https.Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  port = 0;

  constructor(tls?: { key: string | Buffer; cert: string | Buffer }) {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        this.received.push({ headers: req.headers, body, raw });
        const reply = this.replies.shift() ?? {};
        if (reply.hang === true) return;
        const send = () => {
          res.writeHead(reply.status ?? 200, reply.headers ?? {});
          res.end(reply.body ?? '');
        };
        if (reply.delayMs !== undefined) setTimeout(send, reply.delayMs); else send();
      });
    };
    this.server = tls !== undefined ? https.createServer(tls, handler) : http.createServer(handler);
    this.server.on('connection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
    this.server.on('secureConnection', (s) => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)); });
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/v1/metrics'): URL {
    return new URL(`${this.server instanceof https.Server ? 'https' : 'http'}://127.0.0.1:${this.port}${path}`);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Resolves when `n` requests have arrived. */
  async waitFor(n: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline) throw new Error(`only ${this.received.length} of ${n} requests arrived`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** A Node process's sample as the monitor builds it, with the counters perfmem/register writes. */
export function nodeSample(pid: number, overrides: Partial<ProcessSample> = {}, counters: Record<string, number | string> = {}): ProcessSample {
  const h = emptyHistogram();
  for (const ns of [10_000, 200_000, 1_500_000, 1_500_000, 40_000_000]) recordDelay(h, ns);
  const base: Record<string, number | string> = {
    'sun.os.hrt.frequency': 1e9,
    'node.cpu.user': 2_500_000_000, 'node.cpu.system': 500_000_000,
    'node.memory.rss': 50_000_000,
    'node.heap.space.new.used': 1_000_000, 'node.heap.space.new.size': 2_000_000, 'node.heap.space.new.available': 900_000, 'node.heap.space.new.physical': 2_000_000,
    'node.heap.space.old.used': 5_000_000, 'node.heap.space.old.size': 6_000_000, 'node.heap.space.old.available': 800_000, 'node.heap.space.old.physical': 6_000_000,
    'node.heap.space.newLargeObject.used': 0, 'node.heap.space.newLargeObject.size': 0, 'node.heap.space.newLargeObject.available': 0, 'node.heap.space.newLargeObject.physical': 0,
    'node.gc.minor.count': 12, 'node.gc.minor.time': 36_000_000, 'node.gc.major.count': 2, 'node.gc.major.time': 20_000_000,
    'node.gc.incremental.count': 0, 'node.gc.incremental.time': 0, 'node.gc.weakcb.count': 0, 'node.gc.weakcb.time': 0,
    'node.eventLoop.active': 1_000_000_000, 'node.eventLoop.idle': 9_000_000_000, 'node.eventLoop.utilization': 100_000,
    'node.eventLoop.delay.count': 10, 'node.eventLoop.delay.min': 0, 'node.eventLoop.delay.max': 5_000_000,
    ...counters,
  };
  return {
    pid, ppid: 1, user: 'app', runtime: 'node', app: 'shop', command: '/srv/shop/server.js --port 80', vmArgs: '',
    runtimeVersion: 'v20.20.2', startTimeMs: 1_700_000_000_000, path: `/tmp/hsperfdata_app/${pid}`,
    state: 'running', blockedMs: 0, sampledAtMs: 1_700_000_060_000,
    gauges: { rssBytes: 50_000_000, heapUsedBytes: 6_000_000, heapTotalBytes: 8_000_000, heapLimitBytes: 4e9, handles: 3, threads: 7, uptimeSeconds: 60 },
    // Rates are not mapped (OTLP sends the cumulative data); every field null, whatever fields the monitor adds.
    rates: new Proxy({ intervalSeconds: 1 }, { get: (t, k) => (k in t ? t[k as 'intervalSeconds'] : null) }) as unknown as ProcessSample['rates'],
    counters: new Map(Object.entries(base)),
    loopHistogram: h,
    proc: { cpuUserSeconds: 2.5, cpuSystemSeconds: 0.5, rssBytes: 50_000_000, threads: 7, startTimeSeconds: 1_700_000_000 },
    ...overrides,
  };
}
