/** /proc/<pid>/stat through a kept descriptor: the same figures as readProcStat, and nothing once the process is gone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ProcStatFile } from '../../src/monitor/proc-stat.js';
import { readProcStat } from '../../src/perfmemory/index.js';

test('a kept /proc stat reads what readProcStat reads, until its process is reaped', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const file = new ProcStatFile(child.pid!);
  try {
    const kept = file.read(), fresh = readProcStat(child.pid!);
    assert.ok(kept !== undefined && fresh !== undefined);
    assert.equal(kept.startTicks, fresh.startTicks);
    assert.equal(kept.ppid, process.pid);
    assert.equal(file.read()?.startTicks, fresh.startTicks, 'read again through the same descriptor');
    child.kill('SIGKILL');
    await once(child, 'exit'); // reaped by Node: its pid may be given to another process from now on
    assert.equal(file.read(), undefined);
    assert.equal(file.read(), undefined, 'and stays so');
  } finally {
    child.kill('SIGKILL');
    file.close();
  }
  assert.equal(new ProcStatFile(2 ** 22 + 1).read(), undefined, 'a pid beyond pid_max');
});
