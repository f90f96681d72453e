/**
 * `perfmem otlp`: pushes every local Node and JVM process's metrics to an OpenTelemetry
 * collector over OTLP/HTTP, every interval, until interrupted (or once with --once). Settings
 * from the standard OTEL_* variables, flags overriding them (src/serve/otlp-config.ts).
 */
import { createMonitor } from '../monitor/index.js';
import { displayUrl, OtlpConfigError, resolveOtlpConfig, type OtlpFlags } from '../serve/otlp-config.js';
import { startOtlpExport } from '../serve/otlp.js';
import { UsageError } from './errors.js';
import { escapeTerminal } from './escape.js';
import { parseFlags } from './flags.js';

const usage = 'usage: perfmem otlp [--endpoint <url>] [--protocol http/protobuf|http/json] [--compression gzip|none] '
  + '[--header <k=v>[,<k=v>...]] [--timeout <ms>] [--interval <n>[ms|s|m]] [--resource <k=v>[,...]] [--with-command] '
  + '[--ca <pem file>] [--pid <pid>[,<pid>...]] [--dir <base>] [--once] [--json]';

const help = `${usage}

Sends every running Node and JVM process's metrics (one resource per process, OpenTelemetry
semantic-convention names, cumulative) to an OTLP/HTTP collector every interval.

options (each overrides its environment variable):
  --endpoint <url>       the collector (OTEL_EXPORTER_OTLP_[METRICS_]ENDPOINT; default http://localhost:4318/v1/metrics)
  --protocol <p>         http/protobuf (default) or http/json (OTEL_EXPORTER_OTLP_PROTOCOL)
  --compression <c>      gzip or none (OTEL_EXPORTER_OTLP_COMPRESSION)
  --header <k=v,...>     request headers, e.g. an API key (OTEL_EXPORTER_OTLP_HEADERS)
  --timeout <ms>         one attempt's limit (OTEL_EXPORTER_OTLP_TIMEOUT; default 10000)
  --interval <n>ms|s|m   how often (OTEL_METRIC_EXPORT_INTERVAL; default 60s)
  --resource <k=v,...>   extra resource attributes (OTEL_RESOURCE_ATTRIBUTES)
  --with-command         add process.command and process.command_line (they may hold secrets: off by default)
  --ca <file>            PEM CA for an https collector (OTEL_EXPORTER_OTLP_CERTIFICATE)
  --pid <pid,...>        only these processes
  --dir <base>           scan this base directory instead of /tmp, /dev/shm and $PERFMEM_DIR
  --once                 sample, send one request, exit 0 when the collector took it, 1 if not
  --json                 one JSON line per export on stdout (processes, bytes, sender counters)

docs/otel.md lists the names, the resource and a collector configuration.
`;

const fail = (message: string): UsageError => new UsageError(`otlp: ${message}`, 2);

/** `500ms`, `10s`, `1m`, or a bare number of milliseconds (as OTEL_METRIC_EXPORT_INTERVAL). */
export function parseOtlpInterval(text: string): number {
  const m = /^(\d{1,9})(ms|s|m)?$/.exec(text.trim());
  const ms = m === null ? NaN : Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
  if (!(ms >= 100 && ms <= 86_400_000)) throw fail(`--interval '${text}' is not between 100ms and 24 hours (e.g. 10s)`);
  return ms;
}

function positiveInt(text: string, flag: string): number {
  if (!/^\d{1,9}$/.test(text) || Number(text) <= 0) throw fail(`${flag} '${text}' is not a positive whole number`);
  return Number(text);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseFlags(argv, {
    usage,
    booleans: ['--with-command', '--once', '--json'],
    values: ['--endpoint', '--protocol', '--compression', '--header', '--timeout', '--interval', '--resource', '--ca', '--pid', '--dir'],
  });
  if (args.help) {
    process.stdout.write(help);
    return 0;
  }
  if (args.positionals.length > 0) throw fail(`unexpected argument '${args.positionals[0]}'\n${usage}`);
  const v = (name: string) => args.values.get(name);
  const flags: OtlpFlags = {
    endpoint: v('--endpoint'), protocol: v('--protocol'), compression: v('--compression'), caFile: v('--ca'),
    headers: v('--header') !== undefined ? [v('--header')!] : undefined,
    resource: v('--resource') !== undefined ? [v('--resource')!] : undefined,
    timeoutMs: v('--timeout') !== undefined ? positiveInt(v('--timeout')!, '--timeout') : undefined,
    intervalMs: v('--interval') !== undefined ? parseOtlpInterval(v('--interval')!) : undefined,
    withCommand: args.flags.has('--with-command'),
  };
  const pids = v('--pid')?.split(',').map((p) => positiveInt(p.trim(), '--pid'));
  const dir = v('--dir');
  if (dir !== undefined && !dir.startsWith('/')) throw fail(`--dir needs an absolute path, got '${dir}'`);
  let config;
  try {
    config = resolveOtlpConfig(flags);
  } catch (err) {
    if (err instanceof OtlpConfigError) throw fail(err.message);
    throw err;
  }
  const json = args.flags.has('--json');
  const once = args.flags.has('--once');

  let exports = 0;
  const monitor = createMonitor({ dirs: dir === undefined ? undefined : [dir], pids });
  const exporter = startOtlpExport(monitor, {
    ...config,
    // --once ends with one line of its own; the sender's retry lines would only repeat it.
    log: (line) => { if (!once) process.stderr.write(`${escapeTerminal(line)}\n`); },
    onExport: (info) => {
      exports++;
      if (json) process.stdout.write(`${JSON.stringify({ ...info, endpoint: displayUrl(config.url), ...exporter.stats() })}\n`);
    },
  });
  if (!json) process.stderr.write(`perfmem otlp: sending to ${displayUrl(config.url)} (${config.protocol}${config.compression === 'gzip' ? ', gzip' : ''}) ${once ? 'once' : `every ${config.intervalMs / 1000} s`}\n`);

  try {
    monitor.sample();
    if (once) {
      if (exports === 0) {
        process.stderr.write('perfmem otlp: no running process to export\n');
        return 0;
      }
      return await sendOnce(exporter, displayUrl(config.url));
    }
    monitor.start(config.intervalMs);
    // The monitor's and the sender's timers are unref'd (they must not keep a server alive):
    // this command's own life is this timer, until a signal.
    const alive = setInterval(() => {}, 1 << 30);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    clearInterval(alive);
    return 0;
  } finally {
    await exporter.stop();
    monitor.close();
  }
}

/** Waits for the one request's fate: accepted, or refused/failing (--once does not retry forever). */
async function sendOnce(exporter: ReturnType<typeof startOtlpExport>, endpoint: string): Promise<number> {
  for (;;) {
    const s = exporter.stats();
    if (s.sent > 0) return 0;
    if (s.refused > 0 || s.retries > 0) {
      throw new UsageError(`otlp: could not export to ${endpoint}: ${s.lastError ?? 'unknown error'}`, 1);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
