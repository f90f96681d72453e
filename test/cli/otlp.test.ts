import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Collector, attrs, decodeJson, decodeProtobuf, metricsOf, type Decoded } from '../export/otlp-helpers.js';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { BIN, haveJdk, perfmem, startJvm, startNode } from './helpers.js';

const NODE_SUBJECT = `setInterval(() => { JSON.stringify(new Array(1000).fill({ a: 1 })); }, 20); setTimeout(() => console.log('ready'), 1500);`;

test('perfmem otlp --once: one request with a resource per process for 2 Node processes and a real JVM, both protocols', async (t) => {
  const [a, b] = await Promise.all([startNode(t, NODE_SUBJECT), startNode(t, NODE_SUBJECT)]);
  const jvm = haveJdk() ? await startJvm(t) : undefined;
  if (jvm === undefined) t.diagnostic('java not found: checking the two Node processes only');
  const pids = [a!.pid, b!.pid, ...(jvm ? [jvm.pid] : [])];
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    const c = await new Collector().listen();
    try {
      const r = await perfmem(['otlp', '--once', '--json', '--endpoint', c.url().href, '--protocol', protocol, '--compression', 'gzip', '--pid', pids.join(','), '--resource', 'deployment.environment.name=ci']);
      assert.equal(r.code, 0, r.stderr);
      const line = JSON.parse(r.stdout) as { processes: number; bytes: number; endpoint: string };
      assert.equal(line.processes, pids.length);
      assert.equal(line.endpoint, c.url().href);
      assert.equal(line.bytes, c.received[0]!.body.length, 'bytes before compression');
      assert.equal(c.received.length, 1);
      assert.equal(c.received[0]!.headers['content-encoding'], 'gzip');
      const d: Decoded = protocol === 'http/json' ? decodeJson(c.received[0]!.body) : decodeProtobuf(c.received[0]!.body);
      const resources = new Map(d.resourceMetrics.map((rm) => [Number(attrs(rm.resource.attributes)['process.pid']), attrs(rm.resource.attributes)]));
      assert.deepEqual([...resources.keys()].sort((x, y) => x - y), [...pids].sort((x, y) => x - y), protocol);
      for (const node of [a!, b!]) {
        const res = resources.get(node.pid)!;
        assert.equal(res['process.runtime.name'], 'nodejs');
        assert.equal(res['process.runtime.version'], process.version);
        assert.equal(res['process.parent_pid'], String(process.pid));
        assert.equal(res['deployment.environment.name'], 'ci');
        assert.ok(String(res['service.name']).length > 0);
        const m = metricsOf(d, node.pid);
        for (const name of ['process.cpu.time', 'process.memory.usage', 'v8js.memory.heap.used', 'v8js.gc.duration', 'nodejs.eventloop.time', 'nodejs.eventloop.utilization', 'nodejs.eventloop.delay.p99']) {
          assert.ok(m.has(name), `${name} for a Node process (${protocol})`);
        }
        const start = BigInt(m.get('process.cpu.time')!.sum!.dataPoints[0]!.startTimeUnixNano);
        assert.ok(start < BigInt(Date.now()) * 1_000_000n && start > BigInt(Date.now() - 120_000) * 1_000_000n, 'starts at the process start');
      }
      assert.notEqual(resources.get(a!.pid)!['service.instance.id'], resources.get(b!.pid)!['service.instance.id']);
      if (jvm !== undefined) {
        const res = resources.get(jvm.pid)!;
        assert.match(String(res['process.runtime.name']), /OpenJDK|HotSpot/);
        assert.match(String(res['process.runtime.version']), /^17\./);
        assert.equal(res['service.name'], 'PerfmemSubject');
        const m = metricsOf(d, jvm.pid);
        const pools = m.get('jvm.memory.used')!.sum!.dataPoints.map((p) => attrs(p.attributes)['jvm.memory.pool.name']);
        assert.ok(pools.includes('G1 Eden Space') && pools.includes('G1 Old Gen'), pools.join());
        const young = m.get('jvm.gc.duration')!.histogram!.dataPoints.find((p) => attrs(p.attributes)['jvm.gc.name'] === 'G1 Young Generation');
        assert.ok(young !== undefined);
        for (const name of ['jvm.thread.count', 'jvm.class.loaded', 'jvm.class.count', 'jvm.cpu.time']) assert.ok(m.has(name), name);
        assert.ok(!m.has('process.cpu.time'));
      }
    } finally {
      await c.close();
    }
  }
});

test('perfmem otlp: user errors are one line; a refusing collector fails --once with its reason', async (t) => {
  let r = await perfmem(['otlp', '--protocol', 'grpc']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'perfmem: otlp: --protocol: grpc is not supported; use http/protobuf (the default) or http/json\n');
  r = await perfmem(['otlp', '--once'], { env: { ...process.env, OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^perfmem: otlp: OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' is not a positive number of milliseconds\n$/);
  const c = await new Collector().listen();
  try {
    r = await perfmem(['otlp', '--once', '--endpoint', c.url().href, '--pid', String(process.pid)]);
    // The test process has no region: nothing to send is not an error.
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no running process to export/);
    assert.equal(c.received.length, 0);

    const node = await startNode(t, NODE_SUBJECT);
    c.replies.push({ status: 401, body: 'no key', headers: { 'content-type': 'text/plain' } });
    r = await perfmem(['otlp', '--once', '--endpoint', c.url().href, '--pid', String(node.pid)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^perfmem otlp: sending to .* once\nperfmem: otlp: could not export to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics: HTTP 401 Unauthorized: no key\n$/);
  } finally {
    await c.close();
  }
});

test('perfmem serve --otlp pushes on its interval beside the HTTP server, which keeps answering', async (t) => {
  const node = await startNode(t, NODE_SUBJECT);
  const c = await new Collector().listen();
  const serve = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--interval', '200ms', '--otlp', '--json'], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${c.port}`, OTEL_METRIC_EXPORT_INTERVAL: '500', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let err = '';
      serve.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /"port":(\d+)/.exec(err);
        if (m !== null) resolve(Number(m[1]));
      });
      serve.once('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
    await c.waitFor(2);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.ok(metrics.length > 0);
    const d = decodeJson(c.received.at(-1)!.body);
    assert.ok(metricsOf(d, node.pid).has('process.cpu.time'));
    assert.equal(c.received[0]!.headers['content-type'], 'application/json');
  } finally {
    serve.kill('SIGTERM');
    await once(serve, 'exit');
    await c.close();
  }
});

test('perfmem otlp keeps sending every interval until SIGTERM, then exits 0', async (t) => {
  const node = await startNode(t, NODE_SUBJECT);
  const c = await new Collector().listen();
  const child = spawn(process.execPath, [BIN, 'otlp', '--interval', '300ms', '--pid', String(node.pid)], {
    env: { ...process.env, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: c.url().href },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  try {
    await c.waitFor(3);
    for (const r of c.received.slice(0, 3)) assert.ok(metricsOf(decodeProtobuf(r.body), node.pid).has('process.cpu.time'));
  } finally {
    const exited = child.exitCode !== null ? Promise.resolve([child.exitCode]) : once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited as [number | null];
    await c.close();
    assert.equal(code, 0, stderr);
  }
  assert.match(stderr, /^perfmem otlp: sending to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics \(http\/protobuf\) every 0\.3 s\n$/);
});
