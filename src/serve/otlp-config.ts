/**
 * The OTLP exporter's settings from OpenTelemetry's standard environment variables, with
 * explicit options (command-line flags) overriding them. A wrong value is an error with a
 * stable code naming the variable or flag, never a silent default.
 */
import { readFileSync } from 'node:fs';
import type { Attributes } from '../export/otlp/index.js';
import type { OtlpCompression, OtlpProtocol } from './otlp-sender.js';

export class OtlpConfigError extends Error {
  readonly code = 'ERR_OTLP_CONFIG';
}

export interface OtlpFlags {
  /** Full URL to POST to; a URL with no path gets /v1/metrics. */
  endpoint?: string;
  protocol?: string;
  compression?: string;
  /** `key=value` each, added to (and overriding) OTEL_EXPORTER_OTLP_HEADERS. */
  headers?: readonly string[];
  timeoutMs?: number;
  intervalMs?: number;
  /** `key=value` each, added to (and overriding) OTEL_RESOURCE_ATTRIBUTES. */
  resource?: readonly string[];
  withCommand?: boolean;
  /** PEM file of the CA that signed the collector's certificate. */
  caFile?: string;
}

export interface OtlpConfig {
  url: URL;
  protocol: OtlpProtocol;
  compression: OtlpCompression;
  headers: Record<string, string>;
  timeoutMs: number;
  intervalMs: number;
  resource: Attributes;
  withCommand: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** The endpoint as logs and output show it: without a user name or password in it. */
export function displayUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  return shown.href;
}

export const DEFAULT_ENDPOINT = 'http://localhost:4318';
export const METRICS_PATH = '/v1/metrics';
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_INTERVAL_MS = 60_000;

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

function parseUrl(value: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OtlpConfigError(`${source}: '${value}' is not a URL (e.g. http://localhost:4318)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OtlpConfigError(`${source}: only http: and https: endpoints are supported, not ${url.protocol}`);
  return url;
}

/**
 * The W3C-baggage-like list OpenTelemetry uses for headers and resource attributes:
 * `k1=v1,k2=v2`, keys and values percent-decoded, blanks trimmed.
 */
export function parseKeyValues(text: string, source: string): Record<string, string> {
  // Entries, then fromEntries: a key such as __proto__ stays a plain property.
  const out: Array<[string, string]> = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new OtlpConfigError(`${source}: '${part.trim()}' is not key=value`);
    try {
      const key = decodeURIComponent(part.slice(0, eq).trim());
      if (key === '') throw new Error('empty key');
      out.push([key, decodeURIComponent(part.slice(eq + 1).trim())]);
    } catch {
      throw new OtlpConfigError(`${source}: '${part.trim()}' is not a valid percent-encoded key=value`);
    }
  }
  return Object.fromEntries(out);
}

function parseMs(value: string, source: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n <= 0) throw new OtlpConfigError(`${source}: '${value}' is not a positive number of milliseconds`);
  return n;
}

function protocolOf(value: string, source: string): OtlpProtocol {
  if (value === 'http/protobuf' || value === 'http/json') return value;
  if (value === 'grpc') throw new OtlpConfigError(`${source}: grpc is not supported; use http/protobuf (the default) or http/json`);
  throw new OtlpConfigError(`${source}: '${value}' is not a protocol (http/protobuf or http/json)`);
}

function compressionOf(value: string, source: string): OtlpCompression {
  if (value === 'gzip' || value === 'none') return value;
  throw new OtlpConfigError(`${source}: '${value}' is not a compression (gzip or none)`);
}

/** The metrics URL: the signal-specific variable as is; the generic one plus /v1/metrics. */
function resolveUrl(flags: OtlpFlags, env: Env): URL {
  if (flags.endpoint !== undefined) {
    const url = parseUrl(flags.endpoint, '--endpoint');
    if (url.pathname === '/' || url.pathname === '') url.pathname = METRICS_PATH;
    return url;
  }
  const specific = nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
  if (specific !== undefined) return parseUrl(specific, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT');
  const base = nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  const url = parseUrl(base ?? DEFAULT_ENDPOINT, base !== undefined ? 'OTEL_EXPORTER_OTLP_ENDPOINT' : 'the default endpoint');
  url.pathname = url.pathname.replace(/\/+$/, '') + METRICS_PATH;
  return url;
}

function readPem(path: string, source: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new OtlpConfigError(`${source}: cannot read ${path}: ${(err as Error).message}`);
  }
}

/** Settings from `flags` over `env` (process.env by default). */
export function resolveOtlpConfig(flags: OtlpFlags = {}, env: Env = process.env): OtlpConfig {
  const pick = (name: string): [string, string] | undefined => {
    const specific = nonEmpty(env[`OTEL_EXPORTER_OTLP_METRICS_${name}`]);
    if (specific !== undefined) return [specific, `OTEL_EXPORTER_OTLP_METRICS_${name}`];
    const generic = nonEmpty(env[`OTEL_EXPORTER_OTLP_${name}`]);
    return generic !== undefined ? [generic, `OTEL_EXPORTER_OTLP_${name}`] : undefined;
  };

  const protocolEnv = pick('PROTOCOL');
  const protocol = flags.protocol !== undefined ? protocolOf(flags.protocol, '--protocol')
    : protocolEnv !== undefined ? protocolOf(protocolEnv[0], protocolEnv[1]) : 'http/protobuf';
  const compressionEnv = pick('COMPRESSION');
  const compression = flags.compression !== undefined ? compressionOf(flags.compression, '--compression')
    : compressionEnv !== undefined ? compressionOf(compressionEnv[0], compressionEnv[1]) : 'none';
  const timeoutEnv = pick('TIMEOUT');
  const timeoutMs = flags.timeoutMs ?? (timeoutEnv !== undefined ? parseMs(timeoutEnv[0], timeoutEnv[1]) : DEFAULT_TIMEOUT_MS);
  const intervalEnv = nonEmpty(env.OTEL_METRIC_EXPORT_INTERVAL);
  const intervalMs = flags.intervalMs ?? (intervalEnv !== undefined ? parseMs(intervalEnv, 'OTEL_METRIC_EXPORT_INTERVAL') : DEFAULT_INTERVAL_MS);

  // Spread, not Object.assign: later sources win, and no key can reach a prototype.
  const list = (text: string | undefined, source: string) => (text !== undefined ? parseKeyValues(text, source) : {});
  let headers: Record<string, string> = {
    ...list(nonEmpty(env.OTEL_EXPORTER_OTLP_HEADERS), 'OTEL_EXPORTER_OTLP_HEADERS'),
    ...list(nonEmpty(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS), 'OTEL_EXPORTER_OTLP_METRICS_HEADERS'),
  };
  for (const h of flags.headers ?? []) headers = { ...headers, ...parseKeyValues(h, '--header') };
  let resource: Record<string, string> = list(nonEmpty(env.OTEL_RESOURCE_ATTRIBUTES), 'OTEL_RESOURCE_ATTRIBUTES');
  for (const r of flags.resource ?? []) resource = { ...resource, ...parseKeyValues(r, '--resource') };

  const caPath = flags.caFile ?? pick('CERTIFICATE')?.[0];
  const certPath = pick('CLIENT_CERTIFICATE')?.[0], keyPath = pick('CLIENT_KEY')?.[0];
  return {
    url: resolveUrl(flags, env), protocol, compression, headers, timeoutMs, intervalMs, resource,
    withCommand: flags.withCommand ?? false,
    ...(caPath !== undefined ? { ca: readPem(caPath, flags.caFile !== undefined ? '--ca' : 'OTEL_EXPORTER_OTLP_CERTIFICATE') } : {}),
    ...(certPath !== undefined ? { cert: readPem(certPath, 'OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE') } : {}),
    ...(keyPath !== undefined ? { key: readPem(keyPath, 'OTEL_EXPORTER_OTLP_CLIENT_KEY') } : {}),
  };
}
