/**
 * `npm run fuzz [-- <iterations> <seed>]`: the reader against mutated real regions, by the
 * million (not part of npm test). Each iteration copies one of the real JVM files or a region
 * perfmem wrote (both byte orders), damages it in 1 to 8 ways (bytes overwritten, prologue and
 * entry-header fields set to hostile integers, 0xff runs as invalid UTF-8, truncation, a chunk
 * copied over another) and reads it as every reader does: a full walk, the cached reader on a
 * reused buffer, a view's copy of the allocated bytes, and a listing's bounded look. Every
 * outcome must be a result or a PerfDataError with a reader code; anything else is saved to
 * bench/results/fuzz-failure-<n>.bin and makes the run fail. A signal or a V8 fatal error
 * kills this process, so a clean exit also says none happened.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  allocatedLength, findEntries, PerfDataError, PerfDataReader, PerfDataWriter, readHeader, toByteOrder,
} from '../../src/perfdata/index.js';
import { parseWithoutCache } from '../../src/perfdata/reader.js';
import { fixtureFiles } from '../perfdata/jdk.js';

const READER_CODES = new Set(['ERR_PERFDATA_MAGIC', 'ERR_PERFDATA_VERSION', 'ERR_PERFDATA_CORRUPT', 'ERR_PERFDATA_UNSUPPORTED', 'ERR_PERFDATA_LIMIT']);
const iterations = Number(process.argv[2] ?? 1_000_000);
const seed0 = Number(process.argv[3] ?? 0x5eed);

/** xorshift32: fast, seeded, reproducible. */
let state = seed0 >>> 0 || 1;
function rand(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 0x100000000;
}
const below = (n: number): number => Math.floor(rand() * n);

function perfmemRegion(): Uint8Array {
  const buf = new ArrayBuffer(32768);
  const w = new PerfDataWriter(buf);
  w.string('sun.rt.javaCommand', 'app.js --port 8080');
  w.string('java.property.java.vm.name', 'Node.js');
  for (let i = 0; i < 60; i++) w.long(`node.fuzz.counter${i}`, { value: i * 1000 });
  w.string('app.status', 'ready', { variability: 'variable', maxLength: 64 });
  return new Uint8Array(buf.slice(0, w.used + 64));
}

const originals: Uint8Array[] = fixtureFiles().map((f) => new Uint8Array(readFileSync(f)));
const own = perfmemRegion();
originals.push(own, toByteOrder(own, 'big'));

const entryStarts = originals.map((b) => {
  const starts: number[] = [];
  const h = readHeader(b);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let at = h.entryOffset; at + 4 <= b.length;) {
    const len = v.getInt32(at, h.byteOrder === 'little');
    if (len <= 0) break;
    starts.push(at);
    at += len;
  }
  return starts;
});

const scratch = originals.map((b) => new Uint8Array(b.length));
const readers = originals.map(() => new PerfDataReader());
const WANTED = new Set(['sun.rt.javaCommand', 'java.rt.vmArgs', 'java.property.java.vm.name', 'sun.rt.createVmBeginTime', 'node.heartbeat']);
const HOSTILE = [0, -1, 1, 3, 4, 19, 20, 21, 0x7fffffff, -0x80000000, 0x10000, 32768, 32769, 65536];

function mutate(bytes: Uint8Array, k: number): Uint8Array {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts = entryStarts[k]!;
  let out = bytes;
  const n = 1 + below(8);
  for (let m = 0; m < n; m++) {
    switch (below(7)) {
      case 0: bytes[below(bytes.length)] = below(256); break;
      case 1: { // an entry-header field
        const at = starts.length > 0 ? starts[below(starts.length)]! : 32;
        const field = [0, 4, 8, 16][below(4)]!;
        if (at + field + 4 <= bytes.length) v.setInt32(at + field, rand() < 0.7 ? HOSTILE[below(HOSTILE.length)]! : (rand() * 0x100000000) | 0, rand() < 0.5);
        break;
      }
      case 2: { // a type, flags, units or variability byte
        const at = starts.length > 0 ? starts[below(starts.length)]! : 32;
        if (at + 16 <= bytes.length) bytes[at + 12 + below(4)] = below(256);
        break;
      }
      case 3: { // a prologue field
        const field = [4, 5, 6, 7, 8, 12, 24, 28][below(8)]!;
        if (field < 8) bytes[field] = below(256);
        else v.setInt32(field, HOSTILE[below(HOSTILE.length)]!, rand() < 0.5);
        break;
      }
      case 4: { // a run of invalid UTF-8 (or of NULs) over names and strings
        const at = below(bytes.length);
        bytes.fill(rand() < 0.8 ? 0xff : 0, at, Math.min(bytes.length, at + 1 + below(512)));
        break;
      }
      case 5: { // one region's chunk copied over another place
        const from = below(bytes.length);
        const len = 1 + below(256);
        bytes.copyWithin(below(bytes.length), from, Math.min(bytes.length, from + len));
        break;
      }
      default: out = out.subarray(0, below(out.length + 1)); // truncated
    }
  }
  return out;
}

function check(err: unknown, what: string): void {
  if (err instanceof PerfDataError && READER_CODES.has(err.code)) return;
  throw Object.assign(new Error(`${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`), { cause: err });
}

const outcomes = new Map<string, number>();
let failures = 0;
const started = process.hrtime.bigint();
const resultsDir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
for (let i = 0; i < iterations; i++) {
  const k = below(originals.length);
  const buf = scratch[k]!;
  buf.set(originals[k]!);
  const bytes = mutate(buf, k);
  let outcome = 'ok';
  try {
    try {
      parseWithoutCache(bytes);
    } catch (err) {
      check(err, 'full walk');
      outcome = (err as PerfDataError).code;
    }
    try {
      readers[k]!.read(bytes);
    } catch (err) {
      check(err, 'cached reader');
    }
    try { // as a view copies it: the allocated bytes only, the region's size reported
      readers[k]!.read(bytes.subarray(0, allocatedLength(bytes, bytes.length)), { regionSize: bytes.length });
    } catch (err) {
      check(err, 'view copy');
    }
    try { // as a listing looks at it
      findEntries(bytes, WANTED, readHeader(bytes), { maxEntries: 4096 });
    } catch (err) {
      check(err, 'listing');
    }
  } catch (err) {
    failures++;
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(`${resultsDir}fuzz-failure-${failures}.bin`, bytes);
    process.stderr.write(`iteration ${i} (seed ${seed0}): ${(err as Error).message}\n`);
    outcome = 'FAILURE';
    if (failures >= 20) break;
  }
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const summary = {
  iterations, seed: seed0, failures, seconds: Math.round(seconds * 10) / 10,
  outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
process.exitCode = failures === 0 ? 0 : 1;
