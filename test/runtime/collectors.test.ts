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
import { eventLoopCollector, probeDelayMs, JITTER_MS } from '../../src/runtime/collectors/event-loop.js';
import { histogramDelta, histogramPercentile, readLoopHistogram } from '../../src/runtime/loop-histogram.js';
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

test('a probe records a block\'s length from the active time, whatever its interval', () => {
  // Slow probe (idle loop): 1.8 s late on a 1 s interval, 2.5 s active since the last probe.
  assert.equal(probeDelayMs(1800, 1000, 2500, JITTER_MS), 2500);
  // Never more than the whole interval, never less than the lateness.
  assert.equal(probeDelayMs(1800, 1000, 9000, JITTER_MS), 2800);
  assert.equal(probeDelayMs(1800, 1000, 100, JITTER_MS), 1800);
  // On time, or timer jitter: recorded as is.
  assert.equal(probeDelayMs(-3, 1000, 50, JITTER_MS), 0);
  assert.equal(probeDelayMs(1.5, 1000, 50, JITTER_MS), 1.5);
  // Fast probe (busy loop): busy time is not delay unless the firing is a whole interval late.
  assert.equal(probeDelayMs(40, 100, 95, 100), 40);
  assert.equal(probeDelayMs(250, 100, 330, 100), 330);
});

/**
 * While the fast probe is on, samples after another quiet period of `ms`: five at most.
 * On a loaded machine a callback descheduled mid-run counts as active time, so a period meant
 * to be quiet can pass 1% busy: a few more are allowed, but one must be quiet.
 */
async function untilQuiet(c: { fastProbe: boolean; sample(scheduled?: boolean): void }, ms: number): Promise<void> {
  for (let i = 0; i < 5 && c.fastProbe; i++) {
    await sleep(ms);
    c.sample(true);
  }
}

test('event-loop delay: the cumulative histogram holds a block in full; the fast probe runs only while busy', async () => {
  const r = new RecordingRegistry();
  const c = eventLoopCollector(r, 50, 100);
  const histogram = () => readLoopHistogram((name) => r.counters.get(name)?.value)!;
  try {
    assert.equal(r.num('node.eventLoop.delay.histogram.version'), 1);
    // Two quiet periods: whatever ran at start is past, the fast probe is off.
    await sleep(120);
    c.sample(true);
    await sleep(150);
    c.sample(true);
    await untilQuiet(c, 150);
    const idle = histogram();
    assert.ok(idle.count >= 2);
    assert.ok(idle.maxNs < 100e6, `idle max ${idle.maxNs}`);
    assert.equal(c.fastProbe, false);

    busy(300);
    c.sample(true);
    assert.equal(c.fastProbe, true, 'a busy period starts the fast probe');
    assert.ok(r.num('node.eventLoop.active') > 250e6);
    // The next period is quiet: the block was one block, recorded in full.
    await sleep(300);
    const fast = histogramDelta(histogram(), idle);
    assert.ok(fast.count > 3, `fast probe firings ${fast.count}`);
    c.sample(true);
    await untilQuiet(c, 300);
    assert.equal(c.fastProbe, false, 'a quiet period stops it');
    const after = histogramDelta(histogram(), idle);
    // 300 ms busy on a 100 ms probe: the probe was ~200 ms late, the block was 300 ms.
    assert.ok(after.maxNs >= 290e6 && after.maxNs < 400e6, `max ${after.maxNs}`);
    assert.ok(histogramPercentile(after, 100) >= 290e6 * 0.9);

    // An idle loop becoming busy with many short callbacks is not a block.
    const before5 = histogram();
    let running = true;
    const chain = (): void => { busy(5); if (running) setTimeout(chain, 1); };
    chain();
    // The sampler's timer, every period (100 ms), while the callbacks run.
    for (let i = 0; i < 4; i++) { await sleep(100); c.sample(true); }
    running = false;
    const callbacks = histogramDelta(histogram(), before5);
    assert.ok(callbacks.count > 0);
    assert.ok(callbacks.maxNs < 150e6, `short callbacks read as a ${callbacks.maxNs / 1e6} ms delay`);
    await sleep(100);
    c.sample(true);
    await sleep(100);
    c.sample(true);

    // A call out of schedule is not a probe firing.
    const before = histogram().count;
    c.sample();
    assert.equal(histogram().count, before);
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
    c.slowSample();
    assert.ok(r.num('node.resources.Timeout') >= 3);
    assert.ok(r.num('node.resources.total') >= 3);
    for (const t of timers) clearTimeout(t);
    c.slowSample();
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
