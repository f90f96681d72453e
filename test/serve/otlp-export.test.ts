import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { HostSample } from '../../src/monitor/types.js';
import { resolveOtlpConfig } from '../../src/serve/otlp-config.js';
import { startOtlpExport, type SampleSource } from '../../src/serve/otlp.js';
import { attrs, Collector, decodeJson, decodeProtobuf, metricsOf, nodeSample } from '../export/otlp-helpers.js';

class FakeMonitor extends EventEmitter implements SampleSource {
  override on(event: 'sample', listener: (s: HostSample) => void): this { return super.on(event, listener); }
  override off(event: 'sample', listener: (s: HostSample) => void): this { return super.off(event, listener); }
  emitSample(atMs: number, seq: number, pids: number[]): void {
    this.emit('sample', { atMs, seq, processes: pids.map((pid) => nodeSample(pid, { sampledAtMs: atMs })) });
  }
}

test('one request per export interval, whatever the monitor\'s own period, one ResourceMetrics per process, both protocols', async () => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    const c = await new Collector().listen();
    const monitor = new FakeMonitor();
    const exports: number[] = [];
    const config = resolveOtlpConfig({ endpoint: c.url().href, protocol, intervalMs: 10_000, resource: ['deployment.environment.name=test'] }, {});
    const exp = startOtlpExport(monitor, { ...config, hostName: 'h', onExport: (i) => exports.push(i.processes), log: () => {} });
    try {
      // Samples every second for 25 s: exports at 0, 10 and 20 s.
      for (let s = 0; s <= 25; s++) monitor.emitSample(1_700_000_000_000 + s * 1000, s, [101, 102]);
      await c.waitFor(3);
      await exp.idle();
      assert.deepEqual(exports, [2, 2, 2], protocol);
      assert.equal(c.received.length, 3);
      const d = protocol === 'http/json' ? decodeJson(c.received[2]!.body) : decodeProtobuf(c.received[2]!.body);
      assert.deepEqual(d.resourceMetrics.map((r) => attrs(r.resource.attributes)['process.pid']), ['101', '102']);
      assert.equal(attrs(d.resourceMetrics[0]!.resource.attributes)['deployment.environment.name'], 'test');
      assert.equal(metricsOf(d, 102).get('process.cpu.time')!.sum!.dataPoints[0]!.timeUnixNano, '1700000020000000000');
      assert.equal(c.received[0]!.headers['content-type'], protocol === 'http/json' ? 'application/json' : 'application/x-protobuf');
    } finally {
      await exp.stop();
      await c.close();
    }
    // Stopped: later samples send nothing.
    monitor.emitSample(1_800_000_000_000, 99, [101]);
    assert.equal(exports.length, 3);
  }
});

test('a monitor sampling at the export interval, with jitter, exports every sample', async () => {
  const c = await new Collector().listen();
  const monitor = new FakeMonitor();
  const exports: number[] = [];
  const exp = startOtlpExport(monitor, { ...resolveOtlpConfig({ endpoint: c.url().href, intervalMs: 10_000 }, {}), hostName: 'h', onExport: (i) => exports.push(i.atMs), log: () => {} });
  try {
    const t0 = 1_700_000_000_000;
    for (const [i, at] of [0, 9_998, 20_001, 29_997, 39_999].entries()) monitor.emitSample(t0 + at, i, [7]);
    assert.deepEqual(exports.map((a) => a - t0), [0, 9_998, 20_001, 29_997, 39_999]);
    await c.waitFor(5);
  } finally {
    await exp.stop();
    await c.close();
  }
});
