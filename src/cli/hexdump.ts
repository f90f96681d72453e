/**
 * `hexdump -C` output, fast: each 16-byte row is formatted straight into an output byte buffer
 * from lookup tables (no per-row strings), rows equal to the previous one collapse into one
 * `*` line as hexdump and od do, and long runs of zeros that the caller knows of (the holes of a
 * sparse object) are skipped without being formatted or even read.
 *
 * Line layout (79 bytes for a full row, exactly as util-linux hexdump -C prints it):
 *   oooooooo  xx xx xx xx xx xx xx xx  xx xx xx xx xx xx xx xx  |cccccccccccccccc|\n
 */

const HEX = new TextEncoder().encode('0123456789abcdef');
const SPACE = 0x20, BAR = 0x7c, NL = 0x0a, STAR = 0x2a, DOT = 0x2e;
/** Longest line: offset (up to 16 hex digits for offsets past 4 GiB) + the rest. */
const MAX_LINE = 16 + 2 + 16 * 3 + 1 + 2 + 16 + 2;

export class HexDumper {
  readonly #out: Uint8Array;
  #used = 0;
  readonly #previous = new Uint8Array(16);
  #hasPrevious = false;
  #starred = false;

  /** `flush` receives full output buffers (it must consume them before returning). */
  constructor(private readonly flush: (bytes: Uint8Array) => void, bufferSize = 1 << 16) {
    this.#out = new Uint8Array(Math.max(bufferSize, MAX_LINE * 2));
  }

  /** Formats `bytes`, which start at `offset` (a multiple of 16 except possibly for the last call). */
  push(bytes: Uint8Array, offset: number): void {
    const n = bytes.length;
    let i = 0;
    for (; i + 16 <= n; i += 16) {
      if (this.#hasPrevious && this.#sameAsPrevious(bytes, i)) {
        this.#star();
        continue;
      }
      this.#row(bytes, i, 16, offset + i);
    }
    if (i < n) this.#row(bytes, i, n - i, offset + i);
  }

  /**
   * Rows of zeros from `from` to `to` (both multiples of 16) without reading them: the first is
   * printed unless it repeats the previous row, the rest collapse into `*`.
   */
  zeros(from: number, to: number): void {
    if (to <= from) return;
    const zero = new Uint8Array(16);
    this.push(zero, from);
    if (to - from > 16) this.#star();
  }

  /** The final line (the total length), then everything is flushed. */
  end(total: number): void {
    if (total > 0) {
      this.#ensure(MAX_LINE);
      this.#offset(total);
      this.#out[this.#used++] = NL;
    }
    this.drain();
  }

  drain(): void {
    if (this.#used > 0) this.flush(this.#out.subarray(0, this.#used));
    this.#used = 0;
  }

  #sameAsPrevious(bytes: Uint8Array, at: number): boolean {
    const p = this.#previous;
    for (let j = 0; j < 16; j++) if (bytes[at + j] !== p[j]) return false;
    return true;
  }

  #star(): void {
    if (this.#starred) return;
    this.#starred = true;
    this.#ensure(2);
    this.#out[this.#used++] = STAR;
    this.#out[this.#used++] = NL;
  }

  #ensure(n: number): void {
    if (this.#used + n > this.#out.length) this.drain();
  }

  #offset(value: number): void {
    const out = this.#out;
    // At least 8 digits, more for offsets of 4 GiB and beyond (as hexdump does).
    let digits = 8;
    while (digits < 16 && value >= 16 ** digits) digits++;
    for (let d = digits - 1; d >= 0; d--) {
      out[this.#used + d] = HEX[value % 16]!;
      value = Math.floor(value / 16);
    }
    this.#used += digits;
  }

  #row(bytes: Uint8Array, at: number, length: number, offset: number): void {
    this.#ensure(MAX_LINE);
    const out = this.#out;
    this.#offset(offset);
    let u = this.#used;
    out[u++] = SPACE;
    out[u++] = SPACE;
    for (let j = 0; j < 16; j++) {
      if (j < length) {
        const b = bytes[at + j]!;
        out[u++] = HEX[b >> 4]!;
        out[u++] = HEX[b & 15]!;
      } else {
        out[u++] = SPACE;
        out[u++] = SPACE;
      }
      out[u++] = SPACE;
      if (j === 7) out[u++] = SPACE;
    }
    out[u++] = SPACE;
    out[u++] = BAR;
    for (let j = 0; j < length; j++) {
      const b = bytes[at + j]!;
      out[u++] = b >= 0x20 && b < 0x7f ? b : DOT;
    }
    out[u++] = BAR;
    out[u++] = NL;
    this.#used = u;
    if (length === 16) {
      this.#previous.set(bytes.subarray(at, at + 16));
      this.#hasPrevious = true;
    }
    this.#starred = false;
  }
}
