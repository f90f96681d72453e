/**
 * OTLP push beside (or instead of) the HTTP server: on the monitor's samples, at most once per
 * export interval, one ExportMetricsServiceRequest with a ResourceMetrics per live process,
 * handed to the sender (which never blocks: mapping and encoding take a few ms, the network
 * is asynchronous and bounded).
 */
import { hostname } from 'node:os';
import { encodeJsonRequest, encodeProtobufRequest, OtlpMapper, perfmemVersion } from '../export/otlp/index.js';
import type { AppSample, HostSample } from '../monitor/types.js';
import type { OtlpConfig } from './otlp-config.js';
import type { SenderStats } from './otlp-sender.js';
import { OtlpSender } from './otlp-sender.js';

/** The part of the monitor (src/monitor) the exporter needs. */
export interface SampleSource {
  on(event: 'sample', listener: (s: HostSample) => void): void;
  off(event: 'sample', listener: (s: HostSample) => void): void;
  /** The apps' own metrics (perfmem/metrics), aggregated per app, as of the latest sample. */
  apps?(): AppSample[];
}

export interface OtlpExportOptions extends OtlpConfig {
  /** host.name (default: os.hostname()). */
  hostName?: string;
  log?: (line: string) => void;
  /** Called after each request is queued (tests, `--once`, `--json` progress). */
  onExport?: (info: { atMs: number; processes: number; bytes: number }) => void;
  /** Sender tuning (queue bounds, backoff); defaults suit a collector on the network. */
  sender?: { maxQueue?: number; maxQueueBytes?: number; initialBackoffMs?: number; maxBackoffMs?: number; random?: () => number };
}

export interface OtlpExport {
  stop(): Promise<void>;
  stats(): SenderStats;
  /** Resolves once every queued request was sent or given up. */
  idle(): Promise<void>;
  /** Maps, encodes and queues this sample now, whatever the interval (for `--once`). */
  exportNow(sample: HostSample): void;
}

export function startOtlpExport(monitor: SampleSource, options: OtlpExportOptions): OtlpExport {
  const mapper = new OtlpMapper({
    hostName: options.hostName ?? hostname(),
    withCommand: options.withCommand,
    extra: options.resource,
    scopeVersion: perfmemVersion(),
  });
  const sender = new OtlpSender({
    url: options.url, protocol: options.protocol, compression: options.compression, headers: options.headers,
    timeoutMs: options.timeoutMs, ca: options.ca, cert: options.cert, key: options.key, log: options.log,
    ...options.sender,
  });
  const encode = options.protocol === 'http/json' ? encodeJsonRequest : encodeProtobufRequest;
  // Exports on a grid of the interval (no drift), at the sample nearest each due time: a
  // sample up to half the monitor's own period early counts as due.
  let dueMs = -Infinity;
  let previousAtMs: number | undefined;
  let stopped = false;

  const exportNow = (sample: HostSample): void => {
    try {
      const resources = mapper.mapHost(sample, monitor.apps?.() ?? []);
      if (resources.length === 0) return;
      const body = encode(resources);
      sender.enqueue(body);
      options.onExport?.({ atMs: sample.atMs, processes: resources.length, bytes: body.length });
    } catch (err) {
      // A bug in mapping must not take the server down with it: say so once per sample.
      (options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(`perfmem otlp: could not build the export: ${(err as Error).message}`);
    }
  };
  const onSample = (sample: HostSample): void => {
    if (stopped) return;
    const period = previousAtMs !== undefined ? sample.atMs - previousAtMs : 0;
    previousAtMs = sample.atMs;
    if (sample.atMs + Math.max(0, period / 2) < dueMs) return;
    // Far behind (a stalled monitor): start a new grid from here rather than catch up.
    dueMs = dueMs === -Infinity || sample.atMs - dueMs >= options.intervalMs ? sample.atMs + options.intervalMs : dueMs + options.intervalMs;
    exportNow(sample);
  };
  monitor.on('sample', onSample);

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      monitor.off('sample', onSample);
      await sender.stop();
    },
    stats: () => sender.stats(),
    idle: () => sender.idle(),
    exportNow,
  };
}
