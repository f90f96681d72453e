// The physical limits every other benchmark is read against: a plain typed-array store and a memcpy.
import { benchMain, nsPerOp, sink } from './harness.js';

const u32 = new Uint32Array(1024);
const f64 = new Float64Array(1024);
const src = new Uint8Array(32 * 1024).fill(7);
const dst = new Uint8Array(32 * 1024);

await benchMain([
  {
    name: 'store',
    unit: 'ns/op',
    description: 'One store into a plain typed array (the floor for a counter update).',
    variants: {
      'Uint32Array store': { baseline: true, run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) u32[i & 1023] = i; sink.value = u32[5]; }) },
      'Float64Array store': { run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) f64[i & 1023] = i; sink.value = f64[5]; }) },
    },
  },
  {
    name: 'memcpy 32 KiB',
    unit: 'µs/op',
    description: 'Copying a default-sized (32 KiB) region: the floor for a full snapshot.',
    variants: {
      'Uint8Array.set': { baseline: true, run: () => nsPerOp((n) => { for (let i = 0; i < n; i++) dst.set(src); sink.value = dst[9]; }) / 1000 },
    },
  },
]);
