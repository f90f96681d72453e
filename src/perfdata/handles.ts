/**
 * Counter handles: the hot path. A long handle is a few indices into typed arrays over the
 * region (or over 8 private bytes once the region is closed or full), so an update is a
 * plain typed-array store: no allocation, no syscall, no throw.
 */
import type { LongValue } from './types.js';

/** True on little-endian hosts: which 32-bit word of a 64-bit value is the low one. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = HOST_LITTLE_ENDIAN ? 0 : 1;
const HI = HOST_LITTLE_ENDIAN ? 1 : 0;
export const TWO_32 = 4294967296;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

/** A 64-bit value as perfmem hands it out: a number while it is a safe integer, else the bigint. */
export function longValueOf(v: bigint): LongValue {
  return v >= -0x1fffffffffffffn && v <= 0x1fffffffffffffn ? Number(v) : v;
}

/** A number as a signed 64-bit bigint: truncated toward zero, NaN as 0, clamped to the range. */
export function int64FromNumber(n: number): bigint {
  if (n !== n) return 0n;
  if (n >= 9223372036854775807) return INT64_MAX;
  if (n <= -9223372036854775808) return INT64_MIN;
  return BigInt(Math.trunc(n));
}

/** Any accepted value as a signed 64-bit bigint (bigints wrap like Java's long). */
export function toInt64(v: LongValue): bigint {
  return typeof v === 'bigint' ? BigInt.asIntN(64, v) : int64FromNumber(Number(v));
}

/**
 * A 64-bit counter. inc/set are single-writer; add() is atomic across threads.
 *
 * Why each handle has a view of its own 8 bytes (not a view of the whole region plus word
 * indices): an update through a handle that the optimiser cannot treat as a constant (a
 * parameter, a field of another object) then loads one field and uses a constant index,
 * where the indices cost another load and an address computation: 1.09 ns against 1.36 ns
 * per inc() in a loop on this machine, equal to prom-client's unlabelled inc(). The low-word
 * view is the first field. The 64-bit view, for carries and values past 32 bits only, is made
 * on first use: a process declares some 200 counters at start-up, and each view made is an
 * object and a native call (start-up cost, issue 10).
 */
export class LongCounter {
  // Views of the value's 8 bytes, in the region or (once detached) in private memory.
  private i32: Int32Array;
  private b64: BigInt64Array | undefined;
  readonly name: string;

  /** @internal Use PerfDataWriter.long() or attachLongCounter(). */
  constructor(name: string, buffer: ArrayBufferLike, byteOffset: number) {
    this.i32 = new Int32Array(buffer, byteOffset, 2);
    this.b64 = undefined;
    this.name = name;
  }

  /** The value's 64-bit view (made on first use). */
  private wide(): BigInt64Array {
    return (this.b64 ??= new BigInt64Array(this.i32.buffer, this.i32.byteOffset, 1));
  }

  /**
   * Adds one: a 32-bit store to the low word, or one 64-bit atomic add when it carries.
   * Why Int32Array: the low word as int32 keeps the add in 32-bit integer arithmetic (lo + 1
   * of 0x7fffffff stores 0x80000000, the right bits), where a Uint32Array load above 2^31
   * would turn it into a double; the carry lives in its own method so inc() stays small
   * enough to inline at every call site.
   */
  inc(): void {
    const i32 = this.i32;
    const lo = i32[LO] as number;
    if (lo !== -1) i32[LO] = lo + 1;
    else this.carry();
  }

  private carry(): void {
    Atomics.add(this.wide(), 0, 1n);
  }

  /**
   * Adds n atomically (safe from workers mapping the same memory). A small non-negative
   * number is a compare-and-swap on the low word while it does not carry; anything else is
   * a single 64-bit atomic add, so no reader sees a torn value.
   */
  add(n: LongValue): void {
    if (typeof n === 'number' && n >= 0 && n <= 0xffffffff && n === (n >>> 0)) {
      const i32 = this.i32;
      for (;;) {
        // A plain read is enough: compareExchange checks it, and a stale one just retries.
        // The low word is unsigned: read as int32, compared and swapped as the same bits.
        const bits = i32[LO] as number;
        const next = (bits >>> 0) + n;
        if (next > 0xffffffff) break;
        if (Atomics.compareExchange(i32, LO, bits, next | 0) === bits) return;
      }
    }
    Atomics.add(this.wide(), 0, toInt64(n));
  }

  /**
   * Sets the value: one 32-bit store when the high word is 0 and stays 0 (the common case,
   * 0 <= v < 2^32), else one 64-bit store. Anything else is out of line to keep set() inlinable.
   */
  set(v: LongValue): void {
    const i32 = this.i32;
    if (i32[HI] === 0 && typeof v === 'number' && v === v >>> 0) {
      i32[LO] = v;
      return;
    }
    this.setSlow(v);
  }

  private setSlow(v: LongValue): void {
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      const hi = Math.floor(v / TWO_32);
      if (this.i32[HI] === hi) {
        this.i32[LO] = (v - hi * TWO_32) | 0;
        return;
      }
    }
    Atomics.store(this.wide(), 0, toInt64(v));
  }

  /** The value: a number while it is a safe integer, else a bigint. */
  get(): LongValue {
    const i32 = this.i32;
    const hi = i32[HI] as number;
    const lo = (i32[LO] as number) >>> 0;
    // Re-reading the high word catches a carry by another thread between the two reads.
    if (hi === i32[HI] && hi < 0x200000 && (hi > -0x200000 || (hi === -0x200000 && lo !== 0))) return hi * TWO_32 + lo;
    return this.getSlow();
  }

  private getSlow(): LongValue {
    return longValueOf(Atomics.load(this.wide(), 0));
  }

  /** The value as a bigint, always. */
  getBigInt(): bigint {
    return Atomics.load(this.wide(), 0);
  }

  /** @internal Moves the value to private memory: the handle keeps working, the region is no longer touched. */
  detach(): void {
    const value = Atomics.load(this.wide(), 0);
    const buffer = new ArrayBuffer(8);
    this.i32 = new Int32Array(buffer);
    this.b64 = new BigInt64Array(buffer);
    this.b64[0] = value;
  }
}

// Made on the first value that is not ASCII (see StringCounter.set).
let encoder: InstanceType<typeof TextEncoder> | undefined;

/** The part of s a C string can hold: up to its first NUL, as strlen/strncpy see it. */
export function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

// ignoreBOM: a leading U+FEFF is part of the value, not a byte-order mark to drop. Made on the
// first get(): a writer only sets, and making one costs about 0.1 ms of a process's start.
let decoder: InstanceType<typeof TextDecoder> | undefined;

/** A string counter: maxLength bytes reserved, including the terminating NUL. */
export class StringCounter {
  readonly name: string;
  readonly maxLength: number;
  private field: Uint8Array;
  private room: Uint8Array;

  /** @internal Use PerfDataWriter.string(). */
  constructor(name: string, buffer: ArrayBufferLike, byteOffset: number, maxLength: number) {
    this.name = name;
    this.maxLength = maxLength;
    this.field = new Uint8Array(buffer, byteOffset, maxLength);
    this.room = this.field.subarray(0, maxLength - 1);
  }

  /**
   * Stores s as UTF-8, cut to maxLength - 1 bytes at a character boundary, then NULs to the
   * end of the field (PerfString::set_string_value's strncpy, without splitting a character).
   * A NUL in s ends the value there, as it would in C.
   */
  set(s: string): void {
    const text = cString(String(s));
    const room = this.room;
    // ASCII, byte for byte: almost every value (names, versions, command lines) is, and a
    // process's first TextEncoder and encodeInto() cost its start about 0.1 ms.
    const ascii = Math.min(text.length, room.length);
    let written = 0;
    while (written < ascii) {
      const c = text.charCodeAt(written);
      if (c >= 0x80) break;
      room[written++] = c;
    }
    if (written < ascii) {
      encoder ??= new TextEncoder();
      written += encoder.encodeInto(text.slice(written), room.subarray(written)).written;
    }
    this.field.fill(0, written);
  }

  /** The value up to its first NUL. */
  get(): string {
    const end = this.field.indexOf(0);
    decoder ??= new TextDecoder('utf-8', { ignoreBOM: true });
    return decoder.decode(end === -1 ? this.field : this.field.subarray(0, end));
  }

  /** @internal Moves the value to private memory. */
  detach(): void {
    const field = new Uint8Array(this.maxLength);
    field.set(this.field);
    this.field = field;
    this.room = field.subarray(0, this.maxLength - 1);
  }
}
