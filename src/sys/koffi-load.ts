/**
 * Loads koffi for sys/index.ts, the cheap way first.
 *
 * `require('koffi')` costs about 7 ms and 1.6 MB of a process's start (issue 10, measured on
 * `--import perfmem/register`), and nearly all of that is not the native code: it is Node's
 * package resolution of `koffi` and of its prebuilt package (package.json reads, "exports"
 * maps: ~2 ms per resolve), koffi's JavaScript loaders, and their ELF probe. The native
 * addon itself (`dlopen` of koffi.node) takes about 1 ms.
 *
 * So the fast path finds koffi's prebuilt addon the way its own loader does
 * (`@koromix/koffi-<platform>-<arch>/<libc>_<arch>/koffi.node`, next to or inside the `koffi`
 * package found in the node_modules directories above this file), checks that the addon's
 * version is the installed koffi package's (koffi's own check), and opens it with
 * process.dlopen. Anything unexpected (another layout, Yarn PnP, a static Node without an ELF
 * interpreter, a version mismatch, a failed dlopen) falls back to `require('koffi')`, which
 * is always correct. The addon exports the same functions as the package (the package only
 * adds deprecated aliases perfmem does not use).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHead } from './read-head.js';

export type Koffi = typeof import('koffi');

let loader: 'prebuilt' | 'package' | undefined;

/** How koffi was loaded in this process: 'prebuilt' (the fast path), 'package' (require), or undefined (not yet). */
export function koffiLoader(): 'prebuilt' | 'package' | undefined {
  return loader;
}

/**
 * glibc or musl: the ELF interpreter Node itself runs under (koffi's rule: an `ld-musl-*`
 * interpreter is musl). Read with a DataView: Buffer's read methods, run once each at start,
 * cost 0.2 ms of interpreted code here.
 */
function libcOfNode(): 'linux' | 'musl' | undefined {
  const head = new Uint8Array(4096);
  const n = readHead(process.execPath, head);
  const v = new DataView(head.buffer);
  // A little-endian 64-bit ELF (the only kind perfmem runs on) with its program headers in the first page.
  if (n < 64 || v.getUint32(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
  const phoff = Number(v.getBigUint64(32, true));
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 56 > n) return undefined;
    if (v.getUint32(at, true) !== 3) continue; // PT_INTERP
    const offset = Number(v.getBigUint64(at + 8, true));
    const size = Number(v.getBigUint64(at + 32, true));
    if (offset + size > n || size < 2) return undefined;
    const interp = String.fromCharCode(...head.subarray(offset, offset + size - 1));
    return interp.slice(interp.lastIndexOf('/') + 1).startsWith('ld-musl-') ? 'musl' : 'linux';
  }
  return undefined;
}

function readVersion(packageDir: string): string | undefined {
  // A missing package is the usual case on the way up (checked first: a failed read costs an
  // exception with a stack, a failed existsSync nothing).
  const file = join(packageDir, 'package.json');
  if (!existsSync(file)) return undefined;
  try {
    const v = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The koffi package directory and its version, from the node_modules directories above `from`. */
function findKoffi(from: string): { dir: string; version: string } | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (!dir.endsWith('/node_modules')) {
      const candidate = join(dir, 'node_modules', 'koffi');
      const version = readVersion(candidate);
      if (version !== undefined) return { dir: candidate, version };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function loadPrebuilt(): Koffi | undefined {
  // From two levels up (dist/ for dist/src/sys/koffi-load.js, the package for src/sys): no
  // node_modules lives in dist/src, and each directory looked in costs a lookup at every start.
  const koffi = findKoffi(join(dirname(fileURLToPath(import.meta.url)), '../..'));
  if (koffi === undefined) return undefined;
  const libc = libcOfNode();
  if (libc === undefined) return undefined;
  const prebuilt = `@koromix/koffi-${process.platform}-${process.arch}`;
  // npm hoists the prebuilt package next to koffi; it may also be nested inside it.
  for (const dir of [join(dirname(koffi.dir), prebuilt), join(koffi.dir, 'node_modules', prebuilt)]) {
    if (readVersion(dir) !== koffi.version) continue;
    const module = { exports: {} as { version?: unknown } };
    process.dlopen(module, join(dir, `${libc}_${process.arch}`, 'koffi.node'));
    if (module.exports.version !== koffi.version) return undefined;
    return module.exports as unknown as Koffi;
  }
  return undefined;
}

export function loadKoffi(): Koffi {
  let koffi: Koffi | undefined;
  try {
    koffi = loadPrebuilt();
  } catch {
    koffi = undefined;
  }
  if (koffi !== undefined) {
    loader = 'prebuilt';
    return koffi;
  }
  loader = 'package';
  return createRequire(import.meta.url)('koffi') as Koffi;
}
