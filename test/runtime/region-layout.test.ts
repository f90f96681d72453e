import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerfDataWriter, parsePerfData } from '../../src/perfdata/index.js';
import { startRuntimeCounters } from '../../src/runtime/runtime.js';

test('the runtime counters fit a default 32 KiB region with room to spare, and read back', () => {
  const writer = new PerfDataWriter(new ArrayBuffer(32 * 1024));
  const s = startRuntimeCounters(writer, { periodMs: 60_000 });
  try {
    s.sampleNow();
    const { header, counters } = parsePerfData(writer.buffer as ArrayBuffer);
    assert.equal(header.overflow, 0);
    // Half the region stays free for the region's identity counters and the app's own.
    assert.ok(header.used < 16 * 1024, `runtime counters use ${header.used} bytes`);
    const byName = new Map(counters.map((c) => [c.name, c] as const));
    assert.equal(byName.get('node.pid')?.value, process.pid);
    assert.equal(byName.get('node.version')?.value, process.version);
    assert.equal(byName.get('node.cpu.user')?.units, 'ticks');
    assert.equal(byName.get('node.cpu.user')?.variability, 'monotonic');
    assert.equal(byName.get('node.memory.rss')?.units, 'bytes');
    assert.equal(byName.get('sun.gc.collector.0.name')?.value, 'V8 scavenger (minor)');
    assert.ok(Number(byName.get('node.memory.rss')?.value) > 0);
    assert.equal(byName.get('node.sample.count')?.value, 2);
  } finally {
    s.stop();
  }
});

test('a counter the region already has (sun.os.hrt.ticks) is reused, not declared twice', () => {
  const writer = new PerfDataWriter(new ArrayBuffer(32 * 1024));
  const existing = writer.long('sun.os.hrt.ticks', { units: 'ticks', variability: 'monotonic' });
  const errors: unknown[] = [];
  const s = startRuntimeCounters(writer, { periodMs: 60_000, onError: (e) => errors.push(e) });
  try {
    assert.deepEqual(errors, []);
    assert.ok(Number(existing.get()) > 0, 'the sampler updates the existing counter');
    assert.equal(parsePerfData(writer.buffer as ArrayBuffer).counters.filter((c) => c.name === 'sun.os.hrt.ticks').length, 1);
  } finally {
    s.stop();
  }
});

test('a collector whose names clash with the app\'s counters is left out; the others run', () => {
  const writer = new PerfDataWriter(new ArrayBuffer(32 * 1024));
  writer.long('node.gc.count', { units: 'events', variability: 'monotonic', value: 42 });
  const errors: unknown[] = [];
  const s = startRuntimeCounters(writer, { periodMs: 60_000, onError: (e) => errors.push(e) });
  try {
    assert.equal(errors.length, 1);
    const names = new Set(parsePerfData(writer.buffer as ArrayBuffer).counters.map((c) => c.name));
    assert.ok(names.has('node.memory.rss') && names.has('node.heartbeat') && names.has('node.eventLoop.delay.total.count'));
    assert.equal(writer.counter('node.gc.count')?.get(), 42);
  } finally {
    s.stop();
  }
});
