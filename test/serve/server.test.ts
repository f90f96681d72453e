/**
 * `perfmem serve` over HTTP: the endpoints, the formats, the limits (oversized headers, slow
 * clients, methods), auth and TLS, the textfile, and the CLI's errors, against a real
 * instrumented Node process in its own directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createMonitor } from '../../src/monitor/index.js';
import { PerfDataWriter } from '../../src/perfdata/index.js';
import { hashPassword, parseAuthFile } from '../../src/serve/auth.js';
import { closeServer, createPerfmemServer, listen } from '../../src/serve/server.js';
import { BIN, freePort, perfmem } from '../cli/helpers.js';
import { startApp } from '../monitor/helpers.js';
import { havePromtool, promtool } from '../export/helpers.js';

const PROMETHEUS_242_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(t: import('node:test').TestContext, limits = {}, intervalMs = 200) {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-serve-'));
  const app = await startApp(dir);
  const monitor = createMonitor({ dirs: [dir], discoveryIntervalMs: 0 });
  const server = createPerfmemServer({ monitor, intervalMs, limits });
  const address = await listen(server, '127.0.0.1', 0);
  t.after(async () => {
    await closeServer(server);
    monitor.close();
    app.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, app, monitor, server, base: `http://127.0.0.1:${address.port}`, port: address.port };
}

test('serve: /metrics in both formats, filters, the JSON API, SSE, health, methods', { timeout: 60_000 }, async (t) => {
  const { app, base, monitor } = await setup(t);
  let res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  assert.match(text, new RegExp(`^nodejs_heap_size_used_bytes\\{pid="${app.pid}",app="runtime-app.js",runtime="node"\\} \\d+$`, 'm'));
  if (havePromtool()) assert.equal(promtool(text), '');
  res = await fetch(`${base}/metrics`, { headers: { accept: PROMETHEUS_242_ACCEPT } });
  assert.equal(res.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  const om = await res.text();
  assert.ok(om.endsWith('# EOF\n'));
  assert.match(om, /^# TYPE process_cpu_seconds counter$/m);
  assert.doesNotMatch(await (await fetch(`${base}/metrics?runtime=jvm`)).text(), /pid="/);
  assert.match(await (await fetch(`${base}/metrics?pid=${app.pid}&app=runtime-app.js`)).text(), new RegExp(`pid="${app.pid}"`));
  assert.doesNotMatch(await (await fetch(`${base}/metrics?app=other`)).text(), /pid="/);
  assert.match(await (await fetch(`${base}/metrics?raw=1`)).text(), /^hsperfdata_sun_os_hrt_frequency\{/m);
  assert.equal((await fetch(`${base}/metrics?pid=abc`)).status, 400);
  assert.equal((await fetch(`${base}/metrics?runtime=python`)).status, 400);

  const list = await (await fetch(`${base}/api/processes`)).json() as { atMs: number; seq: number; processes: Record<string, unknown>[] };
  assert.ok(list.seq >= 1 && list.atMs > 0);
  const row = list.processes.find((p) => p.pid === app.pid)!;
  assert.equal(row.state, 'running');
  assert.equal(row.counters, undefined, 'the list carries no counters');
  const one = await (await fetch(`${base}/api/processes/${app.pid}`)).json() as Record<string, unknown>;
  assert.equal(typeof (one.counters as Record<string, unknown>)['sun.os.hrt.frequency'], 'number');
  assert.ok(Array.isArray(one.history) && one.loopHistogram === null || typeof one.loopHistogram === 'object');
  assert.equal((await fetch(`${base}/api/processes/999999999`)).status, 404);
  assert.equal((await fetch(`${base}/api/nothing`)).status, 404);
  const apps = await (await fetch(`${base}/api/apps`)).json() as { apps: { app: string; pids: number[] }[] };
  assert.deepEqual(apps.apps.find((a) => a.app === 'runtime-app.js')?.pids, [app.pid]);
  assert.equal(await (await fetch(`${base}/healthz`)).text(), 'ok\n');
  res = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
  res = await fetch(`${base}/metrics`, { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
  assert.equal((await fetch(`${base}/nothing-here`)).status, 404);

  // Server-Sent Events: a sample at once, then one per monitor sample.
  monitor.start(200);
  const ac = new AbortController();
  res = await fetch(`${base}/api/events`, { signal: ac.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  let got = '';
  while ((got.match(/^event: sample$/gm) ?? []).length < 3) got += new TextDecoder().decode((await reader.read()).value);
  ac.abort();
  const seqs = [...got.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.ok(seqs[2]! > seqs[1]! && seqs[1]! > seqs[0]!, String(seqs));
  const data = JSON.parse(/^data: (.*)$/m.exec(got)![1]!) as { processes: { pid: number }[] };
  assert.ok(data.processes.some((p) => p.pid === app.pid));
});

test('serve: concurrent scrapes share one sample and all succeed', { timeout: 60_000 }, async (t) => {
  // A sample serves every scrape for an interval (here 10 s, longer than 50 scrapes take on a busy machine).
  const { base, monitor } = await setup(t, {}, 10_000);
  await fetch(`${base}/metrics`);
  const before = monitor.stats().samples;
  const all = await Promise.all(Array.from({ length: 50 }, () => fetch(`${base}/metrics`).then(async (r) => [r.status, (await r.text()).length] as const)));
  assert.ok(all.every(([status, length]) => status === 200 && length > 1000));
  assert.equal(monitor.stats().samples - before, 0, 'all 50 answered from the one sample');
});

test('serve: oversized headers and slow clients are cut off; the server keeps answering', { timeout: 60_000 }, async (t) => {
  const { base, port } = await setup(t, { headersTimeoutMs: 1000, requestTimeoutMs: 1500 });
  const big = await fetch(`${base}/metrics`, { headers: { 'x-big': 'a'.repeat(20_000) } });
  assert.equal(big.status, 431);
  // A client that sends half a request line and then nothing.
  const closed = await new Promise<{ ms: number; data: string }>((resolve) => {
    const began = Date.now();
    let data = '';
    const s = connect(port, '127.0.0.1', () => s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'));
    s.on('data', (d) => { data += d.toString(); });
    s.on('close', () => resolve({ ms: Date.now() - began, data }));
    s.on('error', () => {});
  });
  assert.match(closed.data, /^HTTP\/1\.1 408/, 'a slow client gets 408 and the connection closes');
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
});

test('serve: basic and bearer auth from an auth file; TLS', { timeout: 60_000 }, async (t) => {
  const token = 'c3VwZXItc2VjcmV0LXRva2VuLTAxMjM0NTY3ODk';
  const auth = parseAuthFile(`# who may scrape\nbasic prom ${hashPassword('s3cret')}\nbearer ${createHash('sha256').update(token).digest('hex')}\n`);
  assert.equal(auth.check(undefined), false);
  assert.equal(auth.check(`Basic ${Buffer.from('prom:s3cret').toString('base64')}`), true);
  assert.equal(auth.check(`Basic ${Buffer.from('prom:s3cret').toString('base64')}`), true, 'remembered');
  assert.equal(auth.check(`Basic ${Buffer.from('prom:wrong').toString('base64')}`), false);
  assert.equal(auth.check(`Basic ${Buffer.from('other:s3cret').toString('base64')}`), false);
  assert.equal(auth.check(`Bearer ${token}`), true);
  assert.equal(auth.check(`Bearer ${token}x`), false);
  assert.throws(() => parseAuthFile('basic prom plaintext\n'), /line 1/);
  assert.throws(() => parseAuthFile('# nothing\n'), /no credentials/);

  const dir = mkdtempSync(join(tmpdir(), 'perfmem-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const monitor = createMonitor({ dirs: [dir] });
  const server = createPerfmemServer({ monitor, intervalMs: 1000, auth, tls: { cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) } });
  const { port } = await listen(server, '127.0.0.1', 0);
  t.after(async () => { await closeServer(server); monitor.close(); });
  const get = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/metrics', headers, ca: readFileSync(join(dir, 'cert.pem')), servername: 'localhost' }, (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('error', reject);
    req.end();
  });
  assert.equal(await get({}), 401);
  assert.equal(await get({ authorization: `Bearer ${token}` }), 200);
  assert.equal(await get({ authorization: `Basic ${Buffer.from('prom:s3cret').toString('base64')}` }), 200);
});

test('perfmem serve: bad options and a busy port are one line and exit 2; a wide bind warns', { timeout: 60_000 }, async () => {
  for (const args of [['--listen', '127.0.0.1:99999'], ['--bogus'], ['--interval', '5x'], ['--tls-cert', '/x'], ['--auth-file', '/nonexistent'], ['extra']]) {
    const r = await perfmem(['serve', ...args]);
    assert.equal(r.code, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, /^perfmem: serve: [^\n]+\n$/, JSON.stringify(r.stderr));
  }
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as AddressInfo).port;
  const r = await perfmem(['serve', '--listen', `127.0.0.1:${port}`]);
  busy.close();
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `perfmem: serve: 127.0.0.1:${port} is already in use\n`);

  const wide = spawn(process.execPath, [BIN, 'serve', '--listen', `0.0.0.0:${await freePort()}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  wide.stderr!.on('data', (d) => { err += d; });
  while (!err.includes('warning')) await sleep(50);
  wide.kill('SIGTERM');
  await new Promise((resolve) => wide.once('exit', resolve));
  assert.match(err, /warning: listening beyond loopback \(0\.0\.0\.0\); .* without TLS, without authentication/);
});

test('perfmem serve binds loopback by default and --textfile writes a promtool-clean file atomically', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-textfile-'));
  const app = await startApp(dir);
  const out = join(dir, 'out');
  execFileSync('mkdir', [out]);
  const child = spawn(process.execPath, [BIN, 'serve', '--json', '--textfile', join(out, 'perfmem.prom'), '--interval', '200ms', '--dir', dir, '--listen', `127.0.0.1:${await freePort()}`],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  t.after(() => { child.kill('SIGKILL'); app.child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  while (!err.includes('"url"')) await sleep(50);
  const started = JSON.parse(err.split('\n').find((l) => l.includes('"url"'))!) as { host: string; port: number };
  assert.equal(started.host, '127.0.0.1');
  while (!existsSync(join(out, 'perfmem.prom'))) await sleep(50);
  await sleep(500);
  const text = readFileSync(join(out, 'perfmem.prom'), 'utf8');
  assert.match(text, new RegExp(`nodejs_heap_size_used_bytes\\{pid="${app.pid}"`));
  if (havePromtool()) assert.equal(promtool(text), '');
  assert.deepEqual(readdirSync(out), ['perfmem.prom'], 'no temporary file left behind');

  // The default address is loopback: the startup line says so, and no other interface answers.
  const def = spawn(process.execPath, [BIN, 'serve', '--json', '--dir', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let derr = '';
  def.stderr!.on('data', (d) => { derr += d; });
  t.after(() => { def.kill('SIGKILL'); });
  while (!derr.includes('\n')) await sleep(50);
  if (/already in use/.test(derr)) return t.skip('the default port 10099 is taken on this machine');
  const line = JSON.parse(derr.split('\n')[0]!) as { host: string; port: number };
  assert.deepEqual([line.host, line.port], ['127.0.0.1', 10099]);
  assert.equal((await fetch('http://127.0.0.1:10099/healthz')).status, 200);
  // The bound address is loopback's (the test connects to nothing else: test traffic stays on 127.0.0.1).
  let bound: string;
  try {
    bound = execFileSync('ss', ['-Hltn', 'sport = :10099'], { encoding: 'utf8' });
  } catch {
    return t.skip('ss (iproute2) not found: the listening address is checked from the start-up line only');
  }
  assert.match(bound, /127\.0\.0\.1:10099/);
  assert.doesNotMatch(bound, /(0\.0\.0\.0|\*|\[::\]):10099/);
});

test('serve: a hostile region (lying strings, odd names, garbage) cannot break a scrape or forge a series', { timeout: 60_000 }, async (t) => {
  const { dir, base, app } = await setup(t);
  const sleepers = [spawn('sleep', ['60'], { stdio: 'ignore' }), spawn('sleep', ['60'], { stdio: 'ignore' })];
  t.after(() => { for (const s of sleepers) s.kill('SIGKILL'); });
  const userDir = join(dir, `hsperfdata_${userInfo().username}`);
  const buffer = new ArrayBuffer(32768);
  const w = new PerfDataWriter(buffer);
  w.string('sun.rt.javaCommand', '/x/evil.js\n# EOF\nfake_metric{pid="1"} 1\n\x1b]0;owned\x07');
  w.string('java.property.java.vm.name', 'Node.js');
  w.string('node.version', 'v99"}\n# EOF');
  w.long('sun.os.hrt.frequency', { value: 0 });
  w.long('node.memory.heapUsed', { value: -5 });
  w.setAccessible(true);
  writeFileSync(join(userDir, String(sleepers[0]!.pid)), new Uint8Array(buffer), { mode: 0o600 });
  const junk = new Uint8Array(32768).map((_, i) => (i * 2654435761) >>> 24);
  writeFileSync(join(userDir, String(sleepers[1]!.pid)), junk, { mode: 0o600 });

  for (const raw of ['', '?raw=1']) {
    const res = await fetch(`${base}/metrics${raw}`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, new RegExp(`nodejs_heap_size_used_bytes\\{pid="${app.pid}"`), 'the honest process is still there');
    assert.doesNotMatch(text, /^fake_metric/m, 'no forged series');
    assert.doesNotMatch(text, /^# EOF/m);
    assert.doesNotMatch(text, /[\x00-\x09\x0b-\x1f]/, 'no control characters');
    if (havePromtool()) assert.equal(promtool(text), '', raw);
    const om = await (await fetch(`${base}/metrics${raw}`, { headers: { accept: PROMETHEUS_242_ACCEPT } })).text();
    assert.equal(om.match(/^# EOF$/gm)?.length, 1);
  }
  const list = await (await fetch(`${base}/api/processes`)).json() as { processes: { pid: number; command: string }[] };
  assert.equal(list.processes.find((p) => p.pid === sleepers[0]!.pid)?.command, '/x/evil.js\n# EOF\nfake_metric{pid="1"} 1\n\x1b]0;owned\x07', 'JSON carries the raw string, escaped by JSON');
});
