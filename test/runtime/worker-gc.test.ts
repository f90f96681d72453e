/**
 * A worker thread that loads perfmem/register itself gets its collections counted by the main
 * thread (node.worker.<id>.gc.*), next to its cumulative event-loop time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
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
