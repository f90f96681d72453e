/**
 * A worker thread that loads perfmem/register itself gets its collections counted by the main
 * thread (node.worker.<id>.gc.*), next to its cumulative event-loop time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { closeWorkerGcMailbox, openWorkerGcMailbox, workerGcSlot } from '../../src/runtime/worker-gc.js';
import { AppProcess, REGISTER, tempBase } from './app-process.js';
import { attach } from '../../src/perfmemory/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('a worker that imports perfmem/register has its GCs and loop time published', async () => {
  const base = tempBase();
  const app = await AppProcess.start({ env: { PERFMEM_DIR: base.dir, PERFMEM_PERIOD_MS: '200' } });
  try {
    const [, id] = await app.request(`gcworker 800 ${pathToFileURL(REGISTER).href}`, /^worker (\d+)$/);
    await app.line(/^worker-exit$/);
    await sleep(300);
    const view = attach(app.pid, { dir: base.dir });
    try {
      const num = (name: string): number => Number(view.get(name)?.value ?? NaN);
      assert.ok(num(`node.worker.${id}.gc.count`) > 0, `gc count ${num(`node.worker.${id}.gc.count`)}`);
      assert.ok(num(`node.worker.${id}.gc.time`) > 0);
      assert.ok(num(`node.worker.${id}.eventLoop.active`) + num(`node.worker.${id}.eventLoop.idle`) > 0);
      assert.equal(num(`node.worker.${id}.exited`), 1);
    } finally {
      view.detach();
    }
  } finally {
    app.kill();
    base.remove();
  }
});

test('the mailbox: each worker that installs the hook claims its own slot and counts there; none after the mailbox is closed', async () => {
  const hook = new URL('../../src/runtime/worker-gc.js', import.meta.url).href;
  // A worker that installs the hook (twice: once per thread), collects a few times, then exits.
  const base = tempBase();
  const script = join(base.dir, 'gc-worker.mjs');
  writeFileSync(script, `
    import { startWorkerGcHook } from ${JSON.stringify(hook)};
    startWorkerGcHook();
    startWorkerGcHook();
    let keep;
    for (let r = 0; r < 30; r++) { keep = []; for (let i = 0; i < 50000; i++) keep.push([i]); }
    setTimeout(() => {}, 100);
  `);
  const run = async (): Promise<number> => {
    const worker = new Worker(script);
    const id = worker.threadId;
    await once(worker, 'exit');
    return id;
  };
  const mailbox = openWorkerGcMailbox();
  try {
    const [a, b] = [await run(), await run()];
    const slotA = workerGcSlot(mailbox, a!);
    const slotB = workerGcSlot(mailbox, b!);
    assert.ok(slotA >= 0 && slotB >= 0 && slotA !== slotB, `slots ${slotA} ${slotB}`);
    for (const at of [slotA, slotB]) {
      assert.ok(mailbox[at]! > 0n, 'collections');
      assert.ok(mailbox[at + 1]! > 0n, 'pause time');
    }
    assert.equal(workerGcSlot(mailbox, 99_999), -1);
  } finally {
    closeWorkerGcMailbox();
  }
  const c = await run();
  assert.equal(workerGcSlot(mailbox, c), -1, 'a worker created after close() has no mailbox');
  base.remove();
});
