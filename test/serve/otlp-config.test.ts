import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { displayUrl, OtlpConfigError, parseKeyValues, resolveOtlpConfig } from '../../src/serve/otlp-config.js';

test('defaults: http/protobuf to localhost:4318/v1/metrics every 60 s, 10 s timeout, no compression', () => {
  const c = resolveOtlpConfig({}, {});
  assert.equal(c.url.href, 'http://localhost:4318/v1/metrics');
  assert.equal(c.protocol, 'http/protobuf');
  assert.equal(c.compression, 'none');
  assert.equal(c.timeoutMs, 10_000);
  assert.equal(c.intervalMs, 60_000);
  assert.deepEqual(c.headers, {});
  assert.equal(c.withCommand, false);
});

test('the standard variables; the metrics-specific ones win over the generic ones, flags over both', () => {
  const env = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/otlp/',
    OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b, x-team=web',
    OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-team=metrics',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
    OTEL_METRIC_EXPORT_INTERVAL: '15000',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=a%2Cb',
  };
  const c = resolveOtlpConfig({}, env);
  assert.equal(c.url.href, 'https://collector:4318/otlp/v1/metrics');
  assert.deepEqual(c.headers, { 'api-key': 'a b', 'x-team': 'metrics' });
  assert.equal(c.protocol, 'http/json');
  assert.equal(c.compression, 'gzip');
  assert.equal(c.timeoutMs, 2500);
  assert.equal(c.intervalMs, 15_000);
  assert.deepEqual(c.resource, { 'deployment.environment.name': 'prod', team: 'a,b' });

  assert.equal(resolveOtlpConfig({}, { ...env, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:9/custom' }).url.href, 'http://m:9/custom', 'used as is');
  const f = resolveOtlpConfig({ endpoint: 'http://127.0.0.1:4318', protocol: 'http/protobuf', compression: 'none', timeoutMs: 1, intervalMs: 2, headers: ['x-team=cli'], resource: ['team=c'] }, env);
  assert.equal(f.url.href, 'http://127.0.0.1:4318/v1/metrics');
  assert.equal(f.protocol, 'http/protobuf');
  assert.equal(f.compression, 'none');
  assert.equal(f.timeoutMs, 1);
  assert.equal(f.intervalMs, 2);
  assert.equal(f.headers['x-team'], 'cli');
  assert.equal(f.resource.team, 'c');
});

test('wrong values are errors naming the variable or flag', () => {
  const bad: Array<[Parameters<typeof resolveOtlpConfig>[0], Record<string, string>, RegExp]> = [
    [{}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported/],
    [{ protocol: 'udp' }, {}, /--protocol: 'udp' is not a protocol/],
    [{}, { OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }, /OTEL_EXPORTER_OTLP_COMPRESSION/],
    [{}, { OTEL_EXPORTER_OTLP_TIMEOUT: '-1' }, /OTEL_EXPORTER_OTLP_TIMEOUT: '-1' is not a positive number/],
    [{}, { OTEL_METRIC_EXPORT_INTERVAL: '1m' }, /OTEL_METRIC_EXPORT_INTERVAL/],
    [{}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /only http: and https:/],
    [{ endpoint: 'not a url' }, {}, /--endpoint: 'not a url' is not a URL/],
    [{}, { OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, /OTEL_EXPORTER_OTLP_HEADERS: 'novalue' is not key=value/],
    [{}, { OTEL_RESOURCE_ATTRIBUTES: 'a=%zz' }, /OTEL_RESOURCE_ATTRIBUTES/],
    [{ caFile: '/nonexistent/ca.pem' }, {}, /--ca: cannot read/],
  ];
  for (const [flags, env, message] of bad) {
    assert.throws(() => resolveOtlpConfig(flags, env), (err: unknown) => err instanceof OtlpConfigError && err.code === 'ERR_OTLP_CONFIG' && message.test(err.message));
  }
});

test('key=value lists: percent-encoded pairs round-trip; any input either parses or is an OtlpConfigError', () => {
  fc.assert(fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }).filter((k) => k.trim() === k && k !== ''), fc.string({ maxLength: 10 }).filter((v) => v.trim() === v)), (pairs) => {
    const text = Object.entries(pairs).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join(',');
    assert.deepEqual(parseKeyValues(text, 'x'), { ...pairs });
  }));
  fc.assert(fc.property(fc.string({ maxLength: 40 }), (text) => {
    try {
      parseKeyValues(text, 'x');
    } catch (err) {
      assert.ok(err instanceof OtlpConfigError);
    }
  }));
});

test('endpoints are shown without credentials', () => {
  assert.equal(displayUrl(new URL('https://user:s3cret@collector:4318/v1/metrics')), 'https://collector:4318/v1/metrics');
  assert.equal(displayUrl(new URL('http://collector:4318/v1/metrics')), 'http://collector:4318/v1/metrics');
});
