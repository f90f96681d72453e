import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readProcStat, readProcText } from '../../src/perfmemory/proc.js';

test('readProcText reads a /proc file whole, as readFileSync does, and a file larger than its buffer too', (t) => {
  const status = readProcText('/proc/self/status');
  assert.match(status, /^Name:/);
  assert.match(status, /\nPid:\s+\d+\n/);
  assert.equal(status.split('\n').at(-1), '', 'ends at the file\'s end');
  const stat = readProcText(`/proc/${process.pid}/stat`);
  assert.ok(stat.startsWith(`${process.pid} (`));
  assert.equal(readProcStat(process.pid)?.startTicks, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]));

  const dir = mkdtempSync(join(tmpdir(), 'perfmem-proc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const size of [0, 4095, 4096, 4097, 20_000]) {
    const file = join(dir, `f${size}`);
    writeFileSync(file, Buffer.alloc(size, 0xe9));
    assert.equal(readProcText(file), readFileSync(file, 'latin1'), `${size} bytes`);
  }
  assert.throws(() => readProcText(join(dir, 'missing')), { code: 'ENOENT' });
});
