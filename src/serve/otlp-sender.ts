/**
 * Sends encoded OTLP requests to a collector, one at a time, in order, without ever blocking
 * the caller or growing without bound:
 * - a collector that is down, slow (the timeout) or answering 429/502/503/504 gets the same
 *   request again after an exponential backoff with jitter, or after its Retry-After;
 * - the queue holds at most `maxQueue` requests and `maxQueueBytes` bytes: when full, the
 *   oldest request is dropped and counted (the data is cumulative, so a later request still
 *   carries every count: only resolution is lost);
 * - a refusal retrying cannot fix (any other status, e.g. 400, 401, 404, 413, 500) drops that request with one clear line;
 * - a partial success is logged once; a streak of failures is logged when it starts and when
 *   it ends, not once per attempt.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { gzip } from 'node:zlib';
import { decodeJsonResponse, decodeProtobufResponse } from '../export/otlp/index.js';
import type { PartialSuccess } from '../export/otlp/index.js';
import { displayUrl } from './otlp-config.js';

export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type OtlpCompression = 'gzip' | 'none';

export interface SenderOptions {
  url: URL;
  protocol: OtlpProtocol;
  compression: OtlpCompression;
  headers?: Readonly<Record<string, string>>;
  /** One attempt's limit, ms (OTEL_EXPORTER_OTLP_TIMEOUT, default 10 s). */
  timeoutMs: number;
  maxQueue?: number;
  maxQueueBytes?: number;
  /** First retry delay and the cap of the exponential backoff, ms. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** The longest Retry-After honoured, ms (a collector asking for an hour gets this). */
  maxRetryAfterMs?: number;
  /** TLS: trusted CA certificates (PEM) and a client certificate and key for mutual TLS. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Where the few log lines go (default: stderr). */
  log?: (line: string) => void;
  /** [0, 1) for the jitter; tests make it fixed. */
  random?: () => number;
  /** Told of every retry and its delay (tests, progress output). */
  onRetry?: (delayMs: number, detail: string) => void;
}

export interface SenderStats {
  /** Requests the collector accepted (2xx). */
  sent: number;
  /** Attempts that failed and will be retried. */
  retries: number;
  /** Requests dropped because the queue was full (oldest first) or at stop. */
  dropped: number;
  /** Requests the collector refused for good (any status but 2xx, 429, 502, 503, 504). */
  refused: number;
  /** Data points a collector reported rejected in partial successes. */
  rejectedDataPoints: number;
  queued: number;
  queuedBytes: number;
  /** The last failure, one line, while failures go on; null once a request succeeds again. */
  lastError: string | null;
}

interface Item { body: Uint8Array; wire?: Buffer }

interface Outcome {
  kind: 'ok' | 'retry' | 'refused';
  status?: number;
  retryAfterMs?: number;
  detail: string;
  body?: Buffer;
}

const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_RESPONSE = 64 * 1024;

/** One line of untrusted text (a collector's message) safe for a terminal and a log. */
export function oneLine(s: string, max = 200): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}

/** Retry-After as seconds or an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

/** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out but never collapse to zero. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export class OtlpSender {
  private readonly queue: Item[] = [];
  private queuedBytes = 0;
  private busy = false;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopped = false;
  private partialLogged = false;
  private failingSince: string | null = null;
  private idleWaiters: Array<() => void> = [];
  private readonly agent: http.Agent;
  private readonly stats_: SenderStats = { sent: 0, retries: 0, dropped: 0, refused: 0, rejectedDataPoints: 0, queued: 0, queuedBytes: 0, lastError: null };
  private readonly log: (line: string) => void;
  private readonly random: () => number;
  private inflight: http.ClientRequest | undefined;

  constructor(private readonly options: SenderOptions) {
    if (options.url.protocol !== 'http:' && options.url.protocol !== 'https:') {
      throw new Error(`the OTLP endpoint must be an http: or https: URL, not ${options.url.protocol}`);
    }
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.random = options.random ?? Math.random;
    this.agent = options.url.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, maxSockets: 1, ca: options.ca, cert: options.cert, key: options.key })
      : new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** The endpoint as logged: never with credentials. */
  get endpoint(): string {
    return displayUrl(this.options.url);
  }

  stats(): SenderStats {
    return { ...this.stats_, queued: this.queue.length, queuedBytes: this.queuedBytes };
  }

  /** Queues one encoded request (not yet compressed); returns at once. */
  enqueue(body: Uint8Array): void {
    if (this.stopped) { this.stats_.dropped++; return; }
    this.queue.push({ body });
    this.queuedBytes += body.length;
    this.trim();
    this.pump();
  }

  private trim(): void {
    const maxQueue = this.options.maxQueue ?? 32, maxBytes = this.options.maxQueueBytes ?? 32 * 1024 * 1024;
    while (this.queue.length > maxQueue || (this.queuedBytes > maxBytes && this.queue.length > 1)) {
      const dropped = this.queue.shift()!;
      this.queuedBytes -= dropped.body.length;
      this.stats_.dropped++;
    }
  }

  private pump(): void {
    if (this.stopped) { this.settleIdle(); return; }
    if (this.busy || this.timer !== undefined) return;
    const item = this.queue.shift();
    if (item === undefined) { this.settleIdle(); return; }
    this.queuedBytes -= item.body.length;
    this.busy = true;
    this.attemptSend(item).then((outcome) => this.settle(item, outcome), (err: unknown) => {
      // attemptSend resolves every failure it knows; anything else is a bug, not a crash.
      this.settle(item, { kind: 'retry', detail: err instanceof Error ? err.message : String(err) });
    });
  }

  private settle(item: Item, outcome: Outcome): void {
    this.busy = false;
    this.inflight = undefined;
    if (outcome.kind === 'ok') {
      this.stats_.sent++;
      this.attempt = 0;
      if (this.failingSince !== null) this.log(`perfmem otlp: exporting to ${this.endpoint} works again`);
      this.failingSince = null;
      this.stats_.lastError = null;
      this.readPartialSuccess(outcome.body);
    } else if (outcome.kind === 'refused') {
      this.stats_.refused++;
      this.stats_.lastError = outcome.detail;
      if (this.failingSince !== outcome.detail) {
        const hint = outcome.status !== undefined && outcome.status >= 400 && outcome.status < 500 ? 'check the endpoint, headers and protocol' : 'see the collector\'s log';
        this.log(`perfmem otlp: the collector at ${this.endpoint} refused the export (${outcome.detail}); retrying cannot fix this, so that request is dropped (${hint})`);
        this.failingSince = outcome.detail;
      }
    } else {
      this.stats_.retries++;
      this.stats_.lastError = outcome.detail;
      if (this.failingSince === null) this.log(`perfmem otlp: exporting to ${this.endpoint} failed (${outcome.detail}); retrying with backoff, keeping at most ${this.options.maxQueue ?? 32} requests`);
      this.failingSince ??= outcome.detail;
      if (this.stopped) { this.stats_.dropped++; this.settleIdle(); return; }
      // Back at the head of the queue (it may be dropped if the queue fills meanwhile).
      this.queue.unshift(item);
      this.queuedBytes += item.body.length;
      this.trim();
      const delay = outcome.retryAfterMs !== undefined
        ? Math.min(outcome.retryAfterMs, this.options.maxRetryAfterMs ?? 300_000)
        : backoffMs(this.attempt, this.options.initialBackoffMs ?? 1000, this.options.maxBackoffMs ?? 30_000, this.random);
      this.attempt++;
      this.options.onRetry?.(delay, outcome.detail);
      this.timer = setTimeout(() => { this.timer = undefined; this.pump(); }, delay);
      this.timer.unref();
      return;
    }
    this.pump();
  }

  private readPartialSuccess(body: Buffer | undefined): void {
    if (body === undefined || body.length === 0) return;
    let ps: PartialSuccess | undefined;
    try {
      ps = this.options.protocol === 'http/json' ? decodeJsonResponse(body) : decodeProtobufResponse(body);
    } catch {
      return; // a 2xx with a body we cannot read still means accepted
    }
    if (ps === undefined) return;
    this.stats_.rejectedDataPoints += ps.rejectedDataPoints;
    if (!this.partialLogged) {
      this.partialLogged = true;
      this.log(`perfmem otlp: the collector at ${this.endpoint} accepted the export partially: ${ps.rejectedDataPoints} data points rejected${ps.errorMessage !== '' ? `: ${oneLine(ps.errorMessage)}` : ''} (logged once; counted in rejectedDataPoints)`);
    }
  }

  private async wire(item: Item): Promise<Buffer> {
    if (item.wire !== undefined) return item.wire;
    const raw = Buffer.from(item.body.buffer, item.body.byteOffset, item.body.byteLength);
    item.wire = this.options.compression === 'gzip'
      ? await new Promise<Buffer>((resolve, reject) => gzip(raw, (err, out) => (err !== null ? reject(err) : resolve(out))))
      : raw;
    return item.wire;
  }

  private async attemptSend(item: Item): Promise<Outcome> {
    const body = await this.wire(item);
    const { url } = this.options;
    const headers: Record<string, string> = {
      ...this.options.headers,
      'content-type': this.options.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      'content-length': String(body.length),
    };
    if (this.options.compression === 'gzip') headers['content-encoding'] = 'gzip';
    const request = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<Outcome>((resolve) => {
      let done = false;
      const finish = (o: Outcome) => { if (!done) { done = true; clearTimeout(timer); resolve(o); } };
      const req = request(url, { method: 'POST', headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => { if (size < MAX_RESPONSE) { chunks.push(c); size += c.length; } });
        res.on('error', (err) => finish({ kind: 'retry', detail: err.message }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).subarray(0, MAX_RESPONSE);
          if (status >= 200 && status < 300) { finish({ kind: 'ok', status, detail: '', body: text }); return; }
          const why = `HTTP ${status}${res.statusMessage ? ` ${oneLine(res.statusMessage, 60)}` : ''}${this.errorText(text, res.headers['content-type'])}`;
          if (RETRYABLE.has(status)) {
            const header = res.headers['retry-after'];
            finish({ kind: 'retry', status, detail: why, retryAfterMs: parseRetryAfter(Array.isArray(header) ? header[0] : header, Date.now()) });
          } else {
            // The OTLP spec: every other status is not retryable (the same request would fail again).
            finish({ kind: 'refused', status, detail: why });
          }
        });
      });
      this.inflight = req;
      const timer = setTimeout(() => {
        finish({ kind: 'retry', detail: `no answer within ${this.options.timeoutMs} ms` });
        req.destroy();
      }, this.options.timeoutMs);
      timer.unref();
      req.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'retry', detail: err.code !== undefined ? `${err.code}: ${oneLine(err.message)}` : oneLine(err.message) }));
      req.end(body);
    });
  }

  /** A short reason from an error body: OTLP collectors answer with a google.rpc.Status (JSON or text). */
  private errorText(body: Buffer, contentType: string | undefined): string {
    if (body.length === 0) return '';
    if (contentType?.includes('json') === true || contentType?.startsWith('text/') === true) {
      const text = body.toString('utf8');
      try {
        const parsed = JSON.parse(text) as { message?: unknown };
        if (typeof parsed.message === 'string') return `: ${oneLine(parsed.message)}`;
      } catch { /* plain text */ }
      return `: ${oneLine(text)}`;
    }
    return '';
  }

  private settleIdle(): void {
    if (this.busy || this.queue.length > 0 && !this.stopped) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves once everything queued was sent or given up (for tests and `--once`). */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0 && this.timer === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops: the request in flight may finish within `graceMs`; nothing is retried; what is
   * still queued is dropped and counted.
   */
  async stop(graceMs = 2000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined; }
    this.stats_.dropped += this.queue.length;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (this.busy) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { this.inflight?.destroy(); resolve(); }, graceMs);
        t.unref();
        this.idleWaiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
    this.agent.destroy();
    this.settleIdle();
  }
}
