// Every write through a mapping is visible at once to mappings of the object in other processes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { constants as c } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { shmOpen } from '../../src/shm/index.js';
import { pageSize } from '../../src/sys/index.js';
import { uniqueName, cleanup } from './helpers.js';

after(cleanup);

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(1);
  }
}

test('parent and child see each other\'s writes through their own mappings, both ways', async () => {
  const name = uniqueName('xproc');
  const o = shmOpen(name, c.O_RDWR | c.O_CREAT | c.O_EXCL);
  o.truncate(pageSize);
  const m = o.map();
  const v = new Int32Array(m.buffer);
  const script = fileURLToPath(new URL('../fixtures/shm-peer.js', import.meta.url));
  const child = spawn(process.execPath, [script, name], { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    Atomics.store(v, 0, 1); // parent -> child
    await until(() => Atomics.load(v, 1) === 2, 'the child\'s write'); // child -> parent
    Atomics.store(v, 2, 3);
    await until(() => Atomics.load(v, 3) === 4, 'the child\'s answer');
    assert.equal(await exited, 0, stderr);
  } finally {
    child.kill();
    m.unmap();
    o.close();
  }
});
