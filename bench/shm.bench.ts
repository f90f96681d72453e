// Stores and Atomics.add through a Mapping of a shm object against a plain ArrayBuffer, and the
// cost of an object's whole life (shmOpen + truncate + map + unmap + close).
import { closeSync, constants as c, ftruncateSync, openSync, unlinkSync } from 'node:fs';
import { benchMain, nsPerOp, usPerCall, sink } from './harness.js';
import { shmOpen, shmUnlink, SHM_ANON } from '../src/shm/index.js';

const BYTES = 8192;
const name = `/perfmem-bench-${process.pid}`;

/** A fresh buffer of BYTES bytes: plain, or a readwrite Mapping of a named or anonymous object. */
function buffer(kind: 'plain' | 'named' | 'anon'): ArrayBuffer {
  if (kind === 'plain') return new ArrayBuffer(BYTES);
  const o = shmOpen(kind === 'named' ? name : SHM_ANON, c.O_RDWR | c.O_CREAT | c.O_EXCL);
  if (kind === 'named') shmUnlink(name);
  o.truncate(BYTES);
  const m = o.map();
  o.close();
  keep.push(m);
  return m.buffer;
}
const keep: unknown[] = [];

function u32Store(kind: 'plain' | 'named' | 'anon'): number {
  const a = new Uint32Array(buffer(kind));
  return nsPerOp((n) => { for (let i = 0; i < n; i++) a[i & 1023] = i; sink.value = a[5]; });
}

const bigints = Array.from({ length: 1024 }, (_, i) => BigInt(i) << 33n);
function u64Store(kind: 'plain' | 'named' | 'anon'): number {
  const a = new BigInt64Array(buffer(kind));
  return nsPerOp((n) => { for (let i = 0; i < n; i++) a[i & 1023] = bigints[i & 1023]!; sink.value = a[5]; });
}

function f64Store(kind: 'plain' | 'named' | 'anon'): number {
  const a = new Float64Array(buffer(kind));
  return nsPerOp((n) => { for (let i = 0; i < n; i++) a[i & 1023] = i; sink.value = a[5]; });
}

function atomicsAdd(kind: 'plain' | 'named' | 'anon'): number {
  const a = new Int32Array(buffer(kind));
  return nsPerOp((n) => { for (let i = 0; i < n; i++) Atomics.add(a, i & 1023, 1); sink.value = a[5]; });
}

let serial = 0;
await benchMain([
  {
    name: 'Uint32Array store',
    unit: 'ns/op',
    description: 'One 32-bit store into a typed array over the memory (a counter update).',
    variants: {
      'plain ArrayBuffer': { baseline: true, run: () => u32Store('plain') },
      'Mapping of a named object': { run: () => u32Store('named') },
      'Mapping of SHM_ANON': { run: () => u32Store('anon') },
    },
  },
  {
    name: 'BigInt64Array store',
    unit: 'ns/op',
    description: 'One 64-bit store (a bigint from a table) into a typed array over the memory (an hsperfdata long).',
    variants: {
      'plain ArrayBuffer': { baseline: true, run: () => u64Store('plain') },
      'Mapping of a named object': { run: () => u64Store('named') },
    },
  },
  {
    name: 'Float64Array store',
    unit: 'ns/op',
    description: 'One 64-bit float store into a typed array over the memory.',
    variants: {
      'plain ArrayBuffer': { baseline: true, run: () => f64Store('plain') },
      'Mapping of a named object': { run: () => f64Store('named') },
    },
  },
  {
    name: 'Atomics.add',
    unit: 'ns/op',
    description: 'Atomics.add on an Int32Array over the memory (a counter shared by writers).',
    variants: {
      'plain ArrayBuffer': { baseline: true, run: () => atomicsAdd('plain') },
      'Mapping of a named object': { run: () => atomicsAdd('named') },
    },
  },
  {
    name: 'object life',
    unit: 'µs/op',
    description: 'Open (create), truncate to 64 KiB, map, unmap, close and unlink a named object. Baseline: the same file work with Node\'s fs alone (no mapping).',
    variants: {
      'fs open + ftruncate + close + unlink': {
        baseline: true,
        run: () => usPerCall(() => {
          const path = `/dev/shm${name}-${serial++}`;
          const fd = openSync(path, c.O_RDWR | c.O_CREAT | c.O_EXCL, 0o600);
          ftruncateSync(fd, 65536);
          closeSync(fd);
          unlinkSync(path);
        }),
      },
      'shmOpen + truncate + map + unmap + close + shmUnlink': {
        run: () => usPerCall(() => {
          const path = `${name}-${serial++}`;
          const o = shmOpen(path, c.O_RDWR | c.O_CREAT | c.O_EXCL);
          o.truncate(65536);
          const m = o.map();
          new Uint8Array(m.buffer)[0] = 1;
          m.unmap();
          o.close();
          shmUnlink(path);
        }),
      },
      'SHM_ANON + truncate + map + unmap + close': {
        run: () => usPerCall(() => {
          const o = shmOpen(SHM_ANON, c.O_RDWR);
          o.truncate(65536);
          const m = o.map();
          new Uint8Array(m.buffer)[0] = 1;
          m.unmap();
          o.close();
        }),
      },
    },
  },
]);
