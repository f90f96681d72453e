/**
 * `perfmem shm dump` against od and hexdump on the same 64 MiB object of random bytes in
 * /dev/shm (nothing repeats, so every line is formatted): whole command runs, output to
 * /dev/null, median wall time. `cat` is the floor (reading the bytes, formatting nothing).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, median } from './harness.js';
import { shmUnlink } from '../src/shm/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/perfmem.js');
const NAME = `/perfmem-bench-dump-${process.pid}`;
const FILE = `/dev/shm${NAME}`;
const SIZE = 64 << 20;
const RUNS = 3;

function makeObject(): void {
  const fd = openSync(FILE, 'w', 0o600);
  for (let at = 0; at < SIZE; at += 1 << 20) writeSync(fd, randomBytes(1 << 20));
  closeSync(fd);
}
process.on('exit', () => { try { shmUnlink(NAME); } catch { /* gone */ } });

/** Median wall time (ms) of a command with stdout to /dev/null. */
function commandMs(cmd: string, args: string[]): number {
  makeObject();
  const null_ = openSync('/dev/null', 'w');
  try {
    execFileSync(cmd, args, { stdio: ['ignore', null_, 'ignore'] }); // warm
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = process.hrtime.bigint();
      execFileSync(cmd, args, { stdio: ['ignore', null_, 'ignore'] });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    return median(times);
  } finally {
    closeSync(null_);
  }
}

await benchMain([
  {
    name: 'hex dump of a 64 MiB object',
    unit: 'ms/run',
    description: 'A 64 MiB POSIX shared memory object of random bytes, dumped to /dev/null: a whole command run, start-up included.',
    variants: {
      'od': { baseline: true, note: 'od FILE (octal words: the issue\'s reference)', run: () => commandMs('od', [FILE]) },
      'od -A x -t x1z': { note: 'hex bytes with ASCII, the closest od format', run: () => commandMs('od', ['-A', 'x', '-t', 'x1z', FILE]) },
      'hexdump -C': { note: 'util-linux, the same text as perfmem shm dump', run: () => commandMs('hexdump', ['-C', FILE]) },
      'perfmem shm dump': { run: () => commandMs(process.execPath, [BIN, 'shm', 'dump', NAME]) },
      'cat (the floor)': { note: 'reads the bytes, formats nothing', run: () => commandMs('cat', [FILE]) },
    },
  },
]);
