/**
 * `perfmem serve`: one Prometheus/OpenMetrics endpoint (and the JSON API and dashboard) for
 * every Node and JVM process this user can read, or `--textfile` for node_exporter's textfile
 * collector with no port at all. A bad option or a busy port is one line and exit status 2.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createInterface } from 'node:readline';
import { createMonitor } from '../monitor/index.js';
import { AuthFileError, hashPassword, parseAuthFile, type Authenticator } from '../serve/auth.js';
import { isLoopback, loadDashboard } from '../serve/dashboard-loader.js';
import { announceDashboard, dashboardUrl } from '../serve/open.js';
import { closeServer, createPerfmemServer, listen } from '../serve/server.js';
import { startTextfile } from '../serve/textfile.js';
import { displayUrl, OtlpConfigError, resolveOtlpConfig } from '../serve/otlp-config.js';
import { startOtlpExport } from '../serve/otlp.js';
import { UsageError } from './errors.js';
import { escapeTerminal } from './escape.js';
import { parseFlags } from './flags.js';

/** Outside 9100-9999 (Prometheus's exporter allocations, all taken) and clear of Kubernetes' 102xx and Calico's 9099. */
export const DEFAULT_PORT = 10099;
export const DEFAULT_HOST = '127.0.0.1';

const usage = 'usage: perfmem serve [--listen <host:port>] [--textfile <path>] [--interval <n>ms|s] [--show-args] '
  + '[--tls-cert <file> --tls-key <file>] [--auth-file <file>] [--dir <base>] [--otlp] [--open] [--json] | --hash-password';

const help = `${usage}

Serves every Node and JVM process this user can read (all users' as root):
  GET /metrics               Prometheus text 0.0.4 or OpenMetrics 1.0 (by Accept); ?pid= ?runtime=node|jvm ?app= ?raw=1
  GET /api/processes[/<pid>], /api/apps, /api/events (SSE), /healthz, / (dashboard)

options:
  --listen <host:port>   where to listen (default ${DEFAULT_HOST}:${DEFAULT_PORT}; [::1]:port for IPv6; a bare port on loopback)
  --textfile <path>      also write the text format to <path> atomically every interval (alone: no port at all)
  --interval <n>ms|s     how often the monitor samples every region (default 1s)
  --show-args            put commands and arguments in perfmem_process_info (they may hold secrets: off by default)
  --tls-cert/--tls-key   serve HTTPS with this PEM certificate and key
  --auth-file <file>     require basic or bearer auth (lines 'basic <user> <hash>', 'bearer <sha256-hex>')
  --hash-password        read a password on stdin, print its hash for --auth-file, and exit
  --dir <base>           scan this base directory instead of /tmp, /dev/shm and $PERFMEM_DIR
  --otlp                 also push every process's metrics to an OpenTelemetry collector (OTEL_EXPORTER_OTLP_* variables; docs/otel.md)
  --json                 print the startup line as JSON
  --open                 print the dashboard's URL and open it where a browser is configured ($BROWSER, or a desktop's xdg-open)

example: perfmem serve --listen 127.0.0.1:${DEFAULT_PORT} & curl -s localhost:${DEFAULT_PORT}/metrics | head
`;

const fail = (message: string): UsageError => new UsageError(`serve: ${message}`, 2);

export function parseListen(text: string): { host: string; port: number } {
  let host = DEFAULT_HOST, portText = text;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (v6 !== null) { host = v6[1]!; portText = v6[2]!; }
  else if (text.includes(':')) {
    const at = text.lastIndexOf(':');
    host = text.slice(0, at);
    portText = text.slice(at + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw fail(`bad port in --listen '${text}'`);
  if (host === '' || (isIP(host) === 0 && !/^[A-Za-z0-9.-]{1,253}$/.test(host))) throw fail(`bad host in --listen '${text}'`);
  return { host, port: Number(portText) };
}

export function parseServeInterval(text: string): number {
  const m = /^(\d{1,7})(ms|s)?$/.exec(text);
  const ms = m === null ? NaN : Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (!(ms >= 100 && ms <= 3_600_000)) throw fail(`bad interval '${text}' (expected 100ms to 3600s, e.g. 1s or 500ms)`);
  return ms;
}

function readOption(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw fail(`cannot read ${what} ${path}: ${(err as { code?: string }).code ?? 'error'}`);
  }
}

async function readPassword(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) return line;
  return '';
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseFlags(argv, {
      usage, booleans: ['--show-args', '--json', '--hash-password', '--otlp', '--open'],
      values: ['--listen', '--textfile', '--interval', '--tls-cert', '--tls-key', '--auth-file', '--dir'],
    });
  } catch (err) {
    // One line: the reason, without the usage line parseFlags appends.
    if (err instanceof UsageError) throw fail(err.message.split('\n')[0]!);
    throw err;
  }
  if (args.help) {
    process.stdout.write(help);
    return 0;
  }
  if (args.positionals.length > 0) throw fail(`unexpected argument '${args.positionals[0]}'`);
  if (args.flags.has('--hash-password')) {
    const password = await readPassword();
    if (password === '') throw fail('no password on stdin');
    process.stdout.write(hashPassword(password) + '\n');
    return 0;
  }
  const intervalMs = parseServeInterval(args.values.get('--interval') ?? '1s');
  const textfile = args.values.get('--textfile');
  const listenText = args.values.get('--listen');
  const listenAt = listenText !== undefined || textfile === undefined ? parseListen(listenText ?? `${DEFAULT_HOST}:${DEFAULT_PORT}`) : undefined;
  const certPath = args.values.get('--tls-cert'), keyPath = args.values.get('--tls-key');
  if ((certPath === undefined) !== (keyPath === undefined)) throw fail('--tls-cert and --tls-key go together');
  const tls = certPath !== undefined ? { cert: readOption(certPath, 'certificate'), key: readOption(keyPath!, 'key') } : undefined;
  let auth: Authenticator | undefined;
  const authPath = args.values.get('--auth-file');
  if (authPath !== undefined) {
    try {
      auth = parseAuthFile(readOption(authPath, 'auth file').toString('utf8'));
    } catch (err) {
      if (err instanceof AuthFileError) throw fail(err.message);
      throw err;
    }
  }
  const dir = args.values.get('--dir');
  if (dir !== undefined && !dir.startsWith('/')) throw fail(`--dir needs an absolute path, got '${dir}'`);
  const showArgs = args.flags.has('--show-args');
  const json = args.flags.has('--json');
  let otlp;
  try {
    otlp = args.flags.has('--otlp') ? resolveOtlpConfig() : undefined;
  } catch (err) {
    if (err instanceof OtlpConfigError) throw fail(err.message);
    throw err;
  }

  const monitor = createMonitor({ dirs: dir === undefined ? undefined : [dir] });
  monitor.sample();
  monitor.start(intervalMs);
  const stops: (() => Promise<void>)[] = [];
  const say = (fields: Record<string, unknown>, line: string) => process.stderr.write((json ? JSON.stringify(fields) : line) + '\n');

  if (textfile !== undefined) {
    stops.push(startTextfile(monitor, textfile, { showArgs }));
    say({ textfile, intervalMs }, `perfmem serve: writing ${textfile} every ${intervalMs} ms`);
  }
  if (otlp !== undefined) {
    const exporter = startOtlpExport(monitor, { ...otlp, log: (line) => process.stderr.write(`${escapeTerminal(line)}\n`) });
    stops.push(() => exporter.stop());
    say({ otlp: displayUrl(otlp.url), protocol: otlp.protocol, intervalMs: otlp.intervalMs }, `perfmem serve: sending OTLP to ${displayUrl(otlp.url)} every ${otlp.intervalMs / 1000} s`);
  }
  if (listenAt !== undefined) {
    const server = createPerfmemServer({ monitor, intervalMs, showArgs, tls, auth, dashboard: await loadDashboard() });
    let address;
    try {
      address = await listen(server, listenAt.host, listenAt.port);
    } catch (err) {
      monitor.close();
      const e = err as { code?: string };
      if (e.code === 'EADDRINUSE') throw fail(`${listenAt.host}:${listenAt.port} is already in use`);
      if (e.code === 'EACCES') throw fail(`not allowed to listen on ${listenAt.host}:${listenAt.port}`);
      if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') throw fail(`no such local address ${listenAt.host}`);
      throw fail(`cannot listen on ${listenAt.host}:${listenAt.port}: ${e.code ?? String(err)}`);
    }
    stops.push(() => closeServer(server));
    const url = `${tls ? 'https' : 'http'}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    say({ url, host: address.address, port: address.port, intervalMs, tls: tls !== undefined, auth: auth !== undefined }, `perfmem serve: listening on ${url}/metrics`);
    if (args.flags.has('--open')) {
      await announceDashboard(dashboardUrl(address, tls !== undefined), { open: true, json }, (line) => process.stderr.write(`${line}\n`));
    }
    if (!isLoopback(address.address)) {
      const who = process.getuid?.() === 0 ? 'as root it serves every user\'s processes' : 'it serves every process this user can read';
      process.stderr.write(`perfmem serve: warning: listening beyond loopback (${address.address}); ${who}`
        + `${tls ? '' : ', without TLS'}${auth ? '' : ', without authentication'}\n`);
    }
  }

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  for (const stop of stops) await stop();
  monitor.close();
  return 0;
}
