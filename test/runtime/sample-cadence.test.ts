import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { RecordingRegistry } from './recording-registry.js';
import { startSampler } from '../../src/runtime/sampler.js';
import { startRuntimeCounters } from '../../src/runtime/runtime.js';
import { LongRow, SLOW_EVERY, type LongHandle } from '../../src/runtime/counters.js';
import { BUCKET_GROUP, DelayHistogramWriter, eventLoopCollector } from '../../src/runtime/collectors/event-loop.js';
import { processUsageCollector } from '../../src/runtime/collectors/process-usage.js';
import { workersCollector } from '../../src/runtime/collectors/workers.js';
import { BUCKET_COUNT, bucketCounterName, bucketIndex } from '../../src/runtime/loop-histogram.js';

function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* the loop is busy on purpose */ }
}

test('scheduled samples read the slow figures on the first and every SLOW_EVERY-th; sampleNow() always', () => {
  const r = new RecordingRegistry();
  let fast = 0, slow = 0, closed = 0;
  const s = startSampler(r, [
    { sample() { fast++; }, slowSample() { slow++; }, close() { closed++; } },
    { close() { closed++; } }, // nothing per period: never called, still closed
  ], { periodMs: 60_000 });
  try {
    assert.deepEqual([fast, slow], [1, 1], 'the first sample reads everything');
    for (let i = 0; i < 2 * SLOW_EVERY; i++) s.tick();
    assert.deepEqual([fast, slow], [1 + 2 * SLOW_EVERY, 3]);
    s.sampleNow();
    assert.deepEqual([fast, slow], [2 + 2 * SLOW_EVERY, 4]);
    assert.equal(r.num('node.sample.count'), 2 + 2 * SLOW_EVERY);
  } finally {
    s.stop();
  }
  assert.equal(closed, 2);
});

test('the heartbeat is CLOCK_MONOTONIC at the sample, as process.hrtime.bigint() reads it', () => {
  const r = new RecordingRegistry();
  const s = startSampler(r, [], { periodMs: 60_000 });
  try {
    for (let i = 0; i < 5; i++) {
      const before = process.hrtime.bigint();
      s.tick();
      const after = process.hrtime.bigint();
      const beat = BigInt(r.counters.get('node.heartbeat')!.value);
      // The offset to performance.now() is read once, between two clock reads: within a µs.
      assert.ok(beat >= before - 1000n && beat <= after + 1000n, `${before} <= ${beat} <= ${after}`);
    }
  } finally {
    s.stop();
  }
});

test('a busy loop has the heap read at its next sample, out of the slow cadence', async () => {
  await sleep(20); // the loop has started (before, its active time reads 0)
  const r = new RecordingRegistry();
  const s = startRuntimeCounters(r, { periodMs: 60_000 });
  try {
    s.tick(); // the first scheduled sample: slow
    const before = r.num('node.heap.usedHeapSize');
    const held: number[][] = [];
    for (let i = 0; i < 2000; i++) held.push(new Array(1000).fill(i));
    busy(20);
    s.tick(); // not a slow one: read because the loop was busy
    assert.ok(r.num('node.heap.usedHeapSize') > before + 8e6, `${before} -> ${r.num('node.heap.usedHeapSize')}`);
    // The heap moved by more than a MiB: the spaces and the JVM mirrors were read with it.
    assert.equal(r.num('sun.gc.generation.1.space.0.used'), r.num('node.heap.space.old.used') + r.num('node.heap.space.largeObject.used'));
    assert.ok(r.num('sun.gc.generation.0.space.0.used') + r.num('sun.gc.generation.1.space.0.used') > before + 8e6);
    assert.equal(held.length, 2000);
  } finally {
    s.stop();
  }
});

test('a LongRow stores a value only when it changed', () => {
  const stored: number[] = [];
  const handle: LongHandle = { inc() {}, add() {}, set: (v) => { stored.push(Number(v)); }, get: () => 0 };
  const row = new LongRow([handle, handle]);
  row.put(0, 5);
  row.put(0, 5);
  row.put(1, 5);
  row.put(0, 0);
  row.put(0, 0);
  assert.deepEqual(stored, [5, 5, 0]);
});

test('a delay declares its bucket with its aligned group, and only that group', () => {
  const r = new RecordingRegistry();
  const h = new DelayHistogramWriter(r);
  const i = bucketIndex(1.3e6);
  h.record(1.3e6);
  const declared = [...r.counters.keys()].filter((n) => n.startsWith('node.eventLoop.delay.bucket.'));
  const first = i - (i % BUCKET_GROUP);
  assert.deepEqual(declared.sort(), Array.from({ length: BUCKET_GROUP }, (_, k) => bucketCounterName(first + k)).sort());
  assert.equal(r.num(bucketCounterName(i)), 1);
  for (const name of declared) if (name !== bucketCounterName(i)) assert.equal(r.num(name), 0);
  // The last group may be short.
  h.record(1e15);
  assert.equal(r.num(bucketCounterName(BUCKET_COUNT - 1)), 1);
  assert.ok(!r.counters.has(bucketCounterName(BUCKET_COUNT)));
});

test('page-fault and file-system counts are stored on slow samples and while busy; CPU time and context switches every sample', async () => {
  await sleep(20); // the loop has started
  const r = new RecordingRegistry();
  // Period 60 s: a tick is busy only after 600 ms of active time (BUSY_FRACTION).
  const s = startSampler(r, [eventLoopCollector(r, 100, 60_000), processUsageCollector(r)], { periodMs: 60_000 });
  const name = 'node.rusage.minorPageFaults';
  const vcsw = 'node.rusage.voluntaryContextSwitches';
  const held: Buffer[] = [];
  // New memory touched page by page: minor page faults.
  const fault = (): void => { held.push(Buffer.alloc(4 << 20, 1)); };
  try {
    s.tick(); // the first scheduled sample: slow
    const stored = r.num(name);
    assert.ok(stored > 0);
    fault();
    // Waiting in the loop is a voluntary context switch each time.
    for (let i = 0; i < 3; i++) await sleep(5);
    busy(30); // CPU time moves, the loop stays far under 1% busy
    const cpu = r.num('node.cpu.user');
    const moved = process.resourceUsage();
    assert.ok(moved.minorPageFault > stored, `${stored} -> ${moved.minorPageFault}`);
    s.tick(); // idle, not slow
    assert.equal(r.num(name), stored, 'an idle sample does not store the counts');
    assert.ok(r.num('node.cpu.user') > cpu, 'CPU time is stored every sample');
    assert.ok(r.num(vcsw) >= moved.voluntaryContextSwitches, 'context switches are stored every sample');
    busy(700);
    s.tick(); // busy
    assert.ok(r.num(name) >= moved.minorPageFault, 'a busy sample stores them');
    const busyStored = r.num(name);
    fault();
    s.tick(); // idle again (the 4th scheduled sample)
    assert.equal(r.num(name), busyStored);
    s.tick();
    fault();
    const before = process.resourceUsage().minorPageFault;
    s.tick(); // the 6th: slow
    assert.ok(r.num(name) >= before && r.num(name) > busyStored, 'a slow sample stores them');
  } finally {
    s.stop();
  }
  assert.equal(held.length, 3);
});

test('the peak RSS is stored when it rises, with the RSS read at once', () => {
  const r = new RecordingRegistry();
  const s = startSampler(r, [processUsageCollector(r)], { periodMs: 60_000 });
  try {
    s.tick(); // slow
    s.tick();
    const peak = r.num('node.memory.maxRss');
    assert.ok(peak > 0 && peak <= process.resourceUsage().maxRSS * 1024);
    // Touch 64 MiB of new memory: the peak rises.
    const held = Buffer.alloc(64 << 20, 1);
    s.tick(); // the 3rd: not slow
    assert.ok(r.num('node.memory.maxRss') > peak + 32e6, `${peak} -> ${r.num('node.memory.maxRss')}`);
    assert.ok(r.num('node.memory.rss') > 64e6, 'the RSS was read with it');
    assert.equal(held.length, 64 << 20);
  } finally {
    s.stop();
  }
});

test('the workers collector has no sample() while no worker it tracks is alive', async () => {
  const r = new RecordingRegistry();
  const c = workersCollector(r);
  try {
    assert.ok('sample' in c && c.sample === undefined, 'nothing to call without workers');
    const w = new Worker('setTimeout(() => {}, 100);', { eval: true });
    const exited = `node.worker.${w.threadId}.exited`; // threadId is -1 once it exits
    await once(w, 'online');
    assert.equal(typeof c.sample, 'function');
    c.sample!();
    assert.equal(r.num(exited), 0);
    await once(w, 'exit');
    assert.equal(c.sample, undefined);
    assert.equal(r.num(exited), 1);
  } finally {
    c.close();
  }
});
