import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { RecordingRegistry } from './recording-registry.js';
import { startRuntimeCounters } from '../../src/runtime/runtime.js';
import { startSampler } from '../../src/runtime/sampler.js';
import { gcCollector } from '../../src/runtime/collectors/gc.js';
import { eventLoopCollector } from '../../src/runtime/collectors/event-loop.js';
import { resourcesCollector, resourceSegment } from '../../src/runtime/collectors/resources.js';
import { camelCase, spaceSegment } from '../../src/runtime/collectors/heap.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* the loop is blocked on purpose */ }
}

test('every counter is declared once, with a valid name, and identity matches this process', async () => {
  const r = new RecordingRegistry();
  const s = startRuntimeCounters(r, { periodMs: 60_000 });
  try {
    assert.equal(r.num('node.pid'), process.pid);
    assert.equal(r.num('node.ppid'), process.ppid);
    assert.equal(r.str('node.version'), process.version);
    assert.equal(r.str('node.argv'), process.argv.join(' '));
    assert.equal(r.str('node.v8Version'), process.versions.v8);
    assert.ok(Math.abs(r.num('node.startTime') - (Date.now() - process.uptime() * 1000)) < 2000);
    for (const [name, c] of r.counters) {
      assert.ok(name.startsWith('node.') || name.startsWith('sun.'), name);
      if (c.type === 'long') assert.ok(typeof c.value === 'bigint' || Number.isInteger(c.value), `${name}=${c.value}`);
    }
    // Sampled once at start: memory and CPU are real figures.
    assert.ok(r.num('node.memory.rss') > 10e6);
    assert.ok(r.num('node.memory.heapUsed') > 1e6);
    assert.ok(r.num('node.cpu.user') > 0);
    assert.equal(r.num('sun.gc.generation.1.maxCapacity'), v8.getHeapStatistics().heap_size_limit);
    assert.equal(r.num('node.sample.period'), 60_000 * 1e6);
    assert.equal(r.num('node.sample.count'), 1);
  } finally {
    s.stop();
  }
});

test('GC counts and times rise after gc(), mirrored in sun.gc.collector.1', () => {
  const r = new RecordingRegistry();
  const c = gcCollector(r);
  try {
    return (async () => {
      gc();
      gc();
      await sleep(50); // gc entries are delivered asynchronously
      assert.ok(r.num('node.gc.major.count') >= 2, `major=${r.num('node.gc.major.count')}`);
      assert.ok(r.num('node.gc.major.time') > 0);
      assert.equal(r.num('sun.gc.collector.1.invocations'), r.num('node.gc.major.count'));
      assert.equal(r.num('sun.gc.collector.1.time'), r.num('node.gc.major.time'));
      assert.ok(r.num('sun.gc.collector.1.lastExitTime') > r.num('sun.gc.collector.1.lastEntryTime'));
      assert.ok(r.num('node.gc.count') >= r.num('node.gc.major.count'));
      assert.ok(r.num('node.gc.last.duration') > 0);
      // Unless a scavenge slipped in since, the last collection is the forced one.
      if (r.str('node.gc.last.kind') === 'major') assert.equal(r.str('sun.gc.lastCause'), 'System.gc()');
      assert.equal(r.str('sun.gc.cause'), 'No GC');
      // Young collections: allocate short-lived garbage.
      let keep = 0;
      for (let i = 0; i < 2e6; i++) keep += [i, i + 1].length;
      assert.ok(keep > 0);
      await sleep(50);
      assert.ok(r.num('node.gc.minor.count') > 0);
      assert.equal(r.num('sun.gc.collector.0.invocations'), r.num('node.gc.minor.count'));
    })();
  } finally {
    setTimeout(() => c.close(), 200);
  }
});

test('event-loop delay sees a blocked loop, and utilization rises under load', async () => {
  const r = new RecordingRegistry();
  const c = eventLoopCollector(r, 10);
  try {
    await sleep(100);
    c.sample();
    const idleUtilization = r.num('node.eventLoop.utilization');
    assert.ok(r.num('node.eventLoop.delay.count') > 0);
    assert.ok(r.num('node.eventLoop.delay.max') < 150e6, `idle max ${r.num('node.eventLoop.delay.max')}`);

    busy(300);
    await sleep(30);
    c.sample();
    assert.ok(r.num('node.eventLoop.delay.max') >= 200e6, `max ${r.num('node.eventLoop.delay.max')}`);
    assert.ok(r.num('node.eventLoop.delay.p99') >= r.num('node.eventLoop.delay.p50'));
    assert.ok(r.num('node.eventLoop.utilization') > 700_000, `busy ELU ${r.num('node.eventLoop.utilization')}`);
    assert.ok(r.num('node.eventLoop.utilization') > idleUtilization);
    assert.ok(r.num('node.eventLoop.active') > 250e6);

    // The window resets: an idle window after the block no longer shows it.
    await sleep(100);
    c.sample();
    assert.ok(r.num('node.eventLoop.delay.max') < 150e6);
  } finally {
    c.close();
  }
});

test('heap figures change under allocation', async () => {
  const r = new RecordingRegistry();
  const s = startRuntimeCounters(r, { periodMs: 60_000 });
  try {
    const before = r.num('node.heap.usedHeapSize');
    const held: number[][] = [];
    for (let i = 0; i < 2000; i++) held.push(new Array(1000).fill(i));
    s.sampleNow();
    assert.ok(r.num('node.heap.usedHeapSize') > before + 8e6, `${before} -> ${r.num('node.heap.usedHeapSize')}`);
    const old = r.num('sun.gc.generation.1.space.0.used'), eden = r.num('sun.gc.generation.0.space.0.used');
    assert.equal(old, r.num('node.heap.space.old.used') + r.num('node.heap.space.largeObject.used'));
    assert.equal(eden, r.num('node.heap.space.new.used') + r.num('node.heap.space.newLargeObject.used'));
    assert.ok(r.num('sun.gc.generation.1.space.0.capacity') >= old);
    assert.equal(held.length, 2000);
  } finally {
    s.stop();
  }
});

test('active resources are counted by type', async () => {
  const r = new RecordingRegistry();
  const c = resourcesCollector(r);
  const timers = [setInterval(() => {}, 1000), setInterval(() => {}, 1000), setTimeout(() => {}, 1000)];
  try {
    c.sample();
    assert.ok(r.num('node.resources.Timeout') >= 3);
    assert.ok(r.num('node.resources.total') >= 3);
    for (const t of timers) clearTimeout(t);
    c.sample();
    assert.equal(r.num('node.resources.Timeout'), 0);
  } finally {
    for (const t of timers) clearTimeout(t);
    c.close();
  }
});

test('a worker thread gets node.worker.<threadId>.* counters and is marked exited', async () => {
  const r = new RecordingRegistry();
  const s = startRuntimeCounters(r, { periodMs: 60_000 });
  try {
    const w = new Worker('const end = Date.now() + 300; while (Date.now() < end);', { eval: true });
    const base = `node.worker.${w.threadId}`;
    await once(w, 'online'); // process emits 'worker' soon after the constructor returns
    assert.equal(r.num('node.workers.live'), 1);
    await sleep(150);
    s.sampleNow();
    await sleep(100);
    s.sampleNow();
    assert.ok(r.num(`${base}.eventLoop.active`) > 0);
    await once(w, 'exit');
    assert.equal(r.num(`${base}.exited`), 1);
    assert.equal(r.num('node.workers.live'), 0);
    assert.equal(r.num('node.workers.created'), 1);
  } finally {
    s.stop();
  }
});

test('the sampler beats, counts, survives a failing collector, and stops', async () => {
  const r = new RecordingRegistry();
  const errors: unknown[] = [];
  let good = 0;
  const s = startSampler(r, [
    { sample() { throw new Error('boom'); }, close() {} },
    { sample() { good++; }, close() {} },
  ], { periodMs: 20, onError: (e) => errors.push(e) });
  const first = BigInt(r.counters.get('node.heartbeat')!.value);
  await sleep(120);
  s.stop();
  const count = r.num('node.sample.count');
  assert.ok(count >= 3, `count ${count}`);
  assert.equal(good, count);
  assert.equal(errors.length, 1);
  assert.ok(BigInt(r.counters.get('node.heartbeat')!.value) > first);
  assert.ok(r.num('node.sample.time') > 0);
  await sleep(60);
  assert.equal(r.num('node.sample.count'), count, 'no sample after stop');
});

test('name helpers make valid segments', () => {
  assert.equal(camelCase('total_heap_size'), 'totalHeapSize');
  assert.equal(spaceSegment('new_large_object_space'), 'newLargeObject');
  assert.equal(spaceSegment('old_space'), 'old');
  assert.equal(resourceSegment('FSReqCallback'), 'FSReqCallback');
  assert.equal(resourceSegment('a-b c'), 'abc');
  assert.equal(resourceSegment('9x'), 't9x');
  assert.equal(resourceSegment('!!'), 'unknown');
});
