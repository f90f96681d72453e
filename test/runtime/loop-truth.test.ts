/**
 * The cumulative event-loop data on a real process, read as a tool would: readers at 250 ms,
 * 1 s and 4 s (shorter than, equal to and longer than the default 1 s period) take the
 * difference of two reads of the histogram and of the loop's active/idle ticks. A loop
 * blocked 2.5 s once shows in exactly one row of each reader, with a delay max >= 2000 ms, its
 * busy time in that row or the one before; rows that end before the block began or begin after it was recorded
 * do not show it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppProcess, tempBase } from './app-process.js';
import { attach, type RegionView } from '../../src/perfmemory/index.js';
import { histogramDelta, histogramPercentile, readLoopHistogram, type LoopHistogram } from '../../src/runtime/loop-histogram.js';

interface Read { at: bigint; hist: LoopHistogram; active: number; idle: number }
interface Row { from: bigint; to: bigint; count: number; maxMs: number; p99Ms: number; elu: number | undefined; activeMs: number }

function read(view: RegionView): Read {
  const byName = new Map(view.counters().map((c) => [c.name, c.value]));
  const hist = readLoopHistogram((name) => byName.get(name));
  assert.ok(hist !== undefined, 'no loop histogram');
  return { at: process.hrtime.bigint(), hist, active: Number(byName.get('node.eventLoop.active')), idle: Number(byName.get('node.eventLoop.idle')) };
}

function row(a: Read, b: Read): Row {
  const d = histogramDelta(b.hist, a.hist);
  const dActive = b.active - a.active, dIdle = b.idle - a.idle;
  return {
    from: a.at, to: b.at, count: d.count, maxMs: d.maxNs / 1e6, p99Ms: histogramPercentile(d, 99) / 1e6,
    elu: dActive + dIdle > 0 ? dActive / (dActive + dIdle) : undefined,
    activeMs: dActive / 1e6,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a 2.5 s block shows once, in full, at reader intervals of 250 ms, 1 s and 4 s', async () => {
  const base = tempBase();
  const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir } });
  const view = attach(app.pid, { dir: base.dir });
  try {
    await sleep(1500); // past start-up
    const intervals = [250, 1000, 4000];
    const rows: Row[][] = intervals.map(() => []);
    let stop = false;
    const readers = intervals.map(async (ms, i) => {
      let last = read(view);
      while (!stop) {
        await sleep(ms);
        const now = read(view);
        rows[i]!.push(row(last, now));
        last = now;
      }
      // One more row so the row holding the end of the block is complete.
      await sleep(ms);
      rows[i]!.push(row(last, read(view)));
    });
    await sleep(2200);
    const [, startNs] = await app.request('block 2500', /^blocking (\d+)$/);
    const [, endNs] = await app.line(/^block-done (\d+)$/);
    await sleep(4500);
    stop = true;
    await Promise.all(readers);

    for (const [i, ms] of intervals.entries()) {
      const showing = rows[i]!.filter((r) => r.maxMs >= 2000);
      assert.equal(showing.length, 1, `${ms} ms reader: rows ${JSON.stringify(rows[i]!.map((r) => r.maxMs))}`);
      const r = showing[0]!;
      assert.ok(r.maxMs >= 2000 && r.maxMs <= 2500 * 1.1 + 100, `${ms} ms reader: max ${r.maxMs}`);
      assert.ok(r.p99Ms >= 2500 * 0.9 - 100, `${ms} ms reader: p99 ${r.p99Ms} (${r.count} delays)`);
      // The row holds the end of the block (the delay is recorded when the loop turns again).
      assert.ok(r.to > BigInt(endNs!), `${ms} ms reader: the row ends before the block ended`);
      // The block's busy time is in this row or the one before: ELU ticks move at the sample
      // that ends the block, its delay one fast-probe interval later, when the loop is seen
      // idle again. (No sample runs during a block, so a row's ELU spans sample to sample.)
      const at = rows[i]!.indexOf(r);
      const busyRows = rows[i]!.filter((x) => x.activeMs >= 2400);
      assert.equal(busyRows.length, 1, `${ms} ms reader: active ${JSON.stringify(rows[i]!.map((x) => Math.round(x.activeMs)))}`);
      assert.ok([at, at - 1].includes(rows[i]!.indexOf(busyRows[0]!)), `${ms} ms reader: the busy time is not next to the delay`);
      assert.ok(busyRows[0]!.elu !== undefined && busyRows[0]!.elu >= 0.3, `${ms} ms reader: elu ${busyRows[0]!.elu}`);
      // Rows wholly before the block, or wholly after the row that recorded it, show none of it.
      for (const other of rows[i]!) {
        if (other === r) continue;
        assert.ok(other.maxMs < 2000, `${ms} ms reader: a second row shows the block`);
        if (other.to < BigInt(startNs!)) assert.ok(other.maxMs < 500, `${ms} ms reader: max ${other.maxMs} before the block`);
      }
    }
  } finally {
    view.detach();
    app.kill();
    base.remove();
  }
});
