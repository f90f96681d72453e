import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { RecordingRegistry } from './recording-registry.js';
import { startSampler } from '../../src/runtime/sampler.js';
import { startRuntimeCounters } from '../../src/runtime/runtime.js';
import { LongRow, SLOW_EVERY, type LongHandle } from '../../src/runtime/counters.js';
import { BUCKET_GROUP, DelayHistogramWriter } from '../../src/runtime/collectors/event-loop.js';
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
