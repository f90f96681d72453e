import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { readProcStat, readProcText, signalsInMask } from '../../src/perfmemory/proc.js';

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

test('signalsInMask reads a /proc signal mask of any width as its bits say (signal n at bit n-1)', () => {
  assert.deepEqual([...signalsInMask('0000000001001000')], [13, 25]); // SIGPIPE, SIGXFSZ: what Node ignores
  assert.deepEqual([...signalsInMask('0')], []);
  fc.assert(fc.property(fc.stringMatching(/^[0-9a-f]{1,16}$/), (hex) => {
    const mask = BigInt(`0x${hex}`);
    const expected = [];
    for (let sig = 1; sig <= 64; sig++) if ((mask >> BigInt(sig - 1)) & 1n) expected.push(sig);
    assert.deepEqual([...signalsInMask(hex)], expected);
  }));
});
