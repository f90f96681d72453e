import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { backoffMs, OtlpSender, parseRetryAfter, type SenderOptions } from '../../src/serve/otlp-sender.js';
import { Collector, ResponseType } from '../export/otlp-helpers.js';

function sender(url: URL, extra: Partial<SenderOptions> = {}) {
  const lines: string[] = [];
  const retries: Array<{ delayMs: number; detail: string }> = [];
  const s = new OtlpSender({
    url, protocol: 'http/protobuf', compression: 'none', timeoutMs: 5000,
    initialBackoffMs: 20, maxBackoffMs: 100, random: () => 0.5,
    log: (l) => lines.push(l), onRetry: (delayMs, detail) => retries.push({ delayMs, detail }),
    ...extra,
  });
  return { s, lines, retries };
}

const body = (n: number) => new Uint8Array([0x0a, 0x01, n]);

test('backoff grows exponentially with jitter inside [ceiling/2, ceiling] and stops at the cap; Retry-After in seconds or as a date', () => {
  fc.assert(fc.property(fc.nat({ max: 60 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
    const ceiling = Math.min(30_000, 1000 * 2 ** Math.min(attempt, 30));
    const d = backoffMs(attempt, 1000, 30_000, () => r);
    assert.ok(d >= ceiling / 2 - 1 && d <= ceiling, `${d} for attempt ${attempt}`);
  }));
  assert.equal(parseRetryAfter('7', 0), 7000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter('soon', 0), undefined);
  assert.equal(parseRetryAfter(undefined, 0), undefined);
});

test('a collector that is down gets retries with backoff, and the request once it is up; one line when failing starts, one when it ends', async () => {
  const c = await new Collector().listen();
  const port = c.port;
  await c.close();
  const { s, lines, retries } = sender(c.url());
  s.enqueue(body(1));
  while (retries.length < 3) await new Promise((r) => setTimeout(r, 10));
  assert.match(retries[0]!.detail, /ECONNREFUSED/);
  assert.ok(retries[1]!.delayMs > retries[0]!.delayMs, 'the delay grows');
  const up = await new Collector().listen(port);
  try {
    await up.waitFor(1);
    await s.idle();
    assert.deepEqual([...up.received[0]!.body], [...body(1)]);
    assert.equal(s.stats().sent, 1);
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /failed \(ECONNREFUSED/);
    assert.match(lines[1]!, /works again/);
  } finally {
    await s.stop();
    await up.close();
  }
});

test('503 and 429 with Retry-After are retried after the time the collector asked for', async () => {
  const c = await new Collector().listen();
  c.replies.push({ status: 503, headers: { 'retry-after': '1' } }, { status: 429, headers: { 'retry-after': '0' } });
  const { s, retries } = sender(c.url());
  try {
    s.enqueue(body(2));
    await c.waitFor(3);
    await s.idle();
    assert.deepEqual(retries.map((r) => r.delayMs), [1000, 0]);
    assert.match(retries[0]!.detail, /HTTP 503/);
    assert.equal(s.stats().sent, 1);
    assert.equal(s.stats().retries, 2);
    assert.deepEqual(c.received.map((r) => r.body[2]), [2, 2, 2], 'the same request each time');
  } finally {
    await s.stop();
    await c.close();
  }
});

test('a slow collector: the attempt times out and is retried; meanwhile an HTTP server in the same process still answers', async () => {
  const c = await new Collector().listen();
  c.replies.push({ hang: true });
  const other = http.createServer((_, res) => res.end('still here'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const { s, retries } = sender(c.url(), { timeoutMs: 300 });
  try {
    s.enqueue(body(3));
    await c.waitFor(1);
    // The sender is waiting on the collector: the event loop is free for the server.
    const answer = await fetch(`http://127.0.0.1:${(other.address() as { port: number }).port}/`).then((r) => r.text());
    assert.equal(answer, 'still here');
    await c.waitFor(2);
    await s.idle();
    assert.match(retries[0]!.detail, /no answer within 300 ms/);
    assert.equal(s.stats().sent, 1);
  } finally {
    await s.stop();
    await c.close();
    other.close();
  }
});

test('the queue is bounded: the oldest requests are dropped and counted, never held', async () => {
  const c = await new Collector().listen();
  c.replies.push({ hang: true });
  const { s } = sender(c.url(), { maxQueue: 5, timeoutMs: 60_000 });
  try {
    for (let i = 0; i < 50; i++) s.enqueue(body(i));
    await c.waitFor(1);
    const st = s.stats();
    assert.equal(st.queued, 5);
    assert.equal(st.dropped, 44, 'one in flight, five queued, the rest dropped');
  } finally {
    await s.stop(50);
    await c.close();
  }
  assert.equal(s.stats().queued, 0);
  assert.equal(s.stats().dropped, 49);
});

test('a refusal retrying cannot fix is one clear line, not a retry loop', async () => {
  const c = await new Collector().listen();
  const reason = JSON.stringify({ code: 3, message: 'invalid metric name\x1b[31m' });
  c.replies.push({ status: 400, headers: { 'content-type': 'application/json' }, body: reason }, { status: 400, headers: { 'content-type': 'application/json' }, body: reason });
  const { s, lines, retries } = sender(c.url());
  try {
    s.enqueue(body(1));
    s.enqueue(body(2));
    await c.waitFor(2);
    await s.idle();
    assert.equal(retries.length, 0);
    assert.equal(s.stats().refused, 2);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /refused the export \(HTTP 400 Bad Request: invalid metric name \[31m\); retrying cannot fix this/);
    assert.ok(!lines[0]!.includes('\x1b'), 'the collector\'s text is cleaned of control characters');
  } finally {
    await s.stop();
    await c.close();
  }
});

test('a partial success is logged once and its rejected points counted, for protobuf and JSON', async () => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    const c = await new Collector().listen();
    const reply = protocol === 'http/json'
      ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ partialSuccess: { rejectedDataPoints: '4', errorMessage: 'dup' } }) }
      : { headers: { 'content-type': 'application/x-protobuf' }, body: ResponseType.encode(ResponseType.fromObject({ partialSuccess: { rejectedDataPoints: 4, errorMessage: 'dup' } })).finish() };
    c.replies.push(reply, reply);
    const { s, lines } = sender(c.url(), { protocol });
    try {
      s.enqueue(body(1));
      s.enqueue(body(2));
      await c.waitFor(2);
      await s.idle();
      assert.equal(s.stats().rejectedDataPoints, 8, protocol);
      assert.equal(lines.length, 1, protocol);
      assert.match(lines[0]!, /accepted the export partially: 4 data points rejected: dup/);
      assert.equal(c.received[0]!.headers['content-type'], protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
    } finally {
      await s.stop();
      await c.close();
    }
  }
});

test('gzip and headers: the collector gets a gzip body that inflates to the request, and the configured headers', async () => {
  const c = await new Collector().listen();
  const { s } = sender(c.url(), { compression: 'gzip', headers: { authorization: 'Bearer t0k' } });
  try {
    const big = new Uint8Array(10_000).fill(7);
    s.enqueue(big);
    await c.waitFor(1);
    await s.idle();
    const got = c.received[0]!;
    assert.equal(got.headers['content-encoding'], 'gzip');
    assert.equal(got.headers.authorization, 'Bearer t0k');
    assert.ok(got.raw.length < 200);
    assert.deepEqual(got.body, Buffer.from(big));
  } finally {
    await s.stop();
    await c.close();
  }
});

test('TLS: an https collector with its CA given works; without it, the certificate error is retried and said', async (t) => {
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), 'perfmem-otlp-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  } catch {
    t.skip('openssl is not installed: cannot make a certificate for the TLS test');
    return;
  }
  const cert = readFileSync(join(dir, 'cert.pem')), key = readFileSync(join(dir, 'key.pem'));
  const c = await new Collector({ cert, key }).listen();
  const trusted = sender(c.url(), { ca: cert });
  const untrusted = sender(c.url());
  try {
    trusted.s.enqueue(body(1));
    await c.waitFor(1);
    await trusted.s.idle();
    assert.equal(trusted.s.stats().sent, 1);
    untrusted.s.enqueue(body(2));
    while (untrusted.retries.length < 1) await new Promise((r) => setTimeout(r, 10));
    assert.match(untrusted.retries[0]!.detail, /SELF_SIGNED|self-signed|certificate/i);
    assert.equal(c.received.length, 1, 'nothing sent over an unverified connection');
  } finally {
    await trusted.s.stop();
    await untrusted.s.stop();
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
