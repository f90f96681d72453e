/**
 * UTF-8 decoding with Java's replacement rules. jvmstat turns entry names and string values
 * into Java Strings with the platform charset (UTF-8); for malformed input Java's decoder
 * substitutes U+FFFD for different byte runs than the WHATWG decoder Node uses (e.g. one
 * U+FFFD for an encoded surrogate `ED A0 80`, where WHATWG gives three). Valid UTF-8 decodes
 * the same either way, so this is only the slow path for malformed bytes.
 */

const REPL = 0xfffd;

function isContinuation(b: number): boolean {
  return (b & 0xc0) === 0x80;
}

/** A three-byte lead and its second byte that can never start a valid sequence (overlong E0 or no continuation). */
function badSecondOf3(b1: number, b2: number): boolean {
  return (b1 === 0xe0 && (b2 & 0xe0) === 0x80) || !isContinuation(b2);
}

/** A four-byte lead and its second byte that can never start a valid sequence (overlong, beyond U+10FFFF, or no continuation). */
function badSecondOf4(b1: number, b2: number): boolean {
  return (b1 === 0xf0 && (b2 < 0x90 || b2 > 0xbf)) || (b1 === 0xf4 && (b2 & 0xf0) !== 0x80) || !isContinuation(b2);
}

/** UTF-16LE code units written into a preallocated byte buffer, decoded natively at the end. */
class Units {
  private readonly buf: Buffer;
  private n = 0;
  constructor(maxUnits: number) {
    this.buf = Buffer.allocUnsafe(maxUnits * 2);
  }
  push(a: number, b?: number): void {
    this.buf[this.n++] = a & 0xff;
    this.buf[this.n++] = a >>> 8;
    if (b !== undefined) {
      this.buf[this.n++] = b & 0xff;
      this.buf[this.n++] = b >>> 8;
    }
  }
  text(): string {
    return this.buf.toString('utf16le', 0, this.n);
  }
}

/**
 * Decodes bytes [start, end) as Java's String(byte[], UTF_8) does: each malformed run becomes
 * one U+FFFD, where a run is the lead byte plus those following bytes that could still have
 * belonged to it; a sequence cut short by the end of input becomes one U+FFFD and ends it.
 */
export function decodeUtf8AsJava(bytes: Uint8Array, start: number, end: number): string {
  // Each input byte yields at most one UTF-16 unit (a 4-byte sequence yields two), so the
  // output fits in a typed array of the input's length: no JS array, no spread arguments,
  // whatever the input (a JS array once grew past V8's limit and killed the process).
  const units = new Units(end - start);
  let i = start;
  while (i < end) {
    const b1 = bytes[i++] as number;
    if (b1 < 0x80) {
      units.push(b1);
    } else if (b1 >= 0xc2 && b1 <= 0xdf) {
      if (i >= end) {
        units.push(REPL);
        break;
      }
      const b2 = bytes[i] as number;
      if (isContinuation(b2)) {
        units.push(((b1 & 0x1f) << 6) | (b2 & 0x3f));
        i++;
      } else {
        units.push(REPL);
      }
    } else if (b1 >= 0xe0 && b1 <= 0xef) {
      if (i + 1 < end) {
        const b2 = bytes[i] as number;
        const b3 = bytes[i + 1] as number;
        if (badSecondOf3(b1, b2)) {
          units.push(REPL);
        } else if (!isContinuation(b3)) {
          units.push(REPL);
          i++;
        } else {
          const c = ((b1 & 0x0f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
          units.push(c >= 0xd800 && c <= 0xdfff ? REPL : c);
          i += 2;
        }
      } else {
        units.push(REPL);
        if (!(i < end && badSecondOf3(b1, bytes[i] as number))) break;
      }
    } else if (b1 >= 0xf0 && b1 <= 0xf7) {
      if (i + 2 < end) {
        const b2 = bytes[i] as number;
        const b3 = bytes[i + 1] as number;
        const b4 = bytes[i + 2] as number;
        const cp = ((b1 & 0x07) << 18) | ((b2 & 0x3f) << 12) | ((b3 & 0x3f) << 6) | (b4 & 0x3f);
        if (isContinuation(b2) && isContinuation(b3) && isContinuation(b4) && cp >= 0x10000 && cp <= 0x10ffff) {
          units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
          i += 3;
        } else {
          units.push(REPL);
          if (b1 > 0xf4 || badSecondOf4(b1, b2)) continue;
          i += isContinuation(b3) ? 2 : 1;
        }
      } else {
        units.push(REPL);
        if (b1 > 0xf4 || (i < end && badSecondOf4(b1, bytes[i] as number))) continue;
        i++;
        if (!(i < end && !isContinuation(bytes[i] as number))) break;
      }
    } else {
      units.push(REPL);
    }
  }
  return units.text();
}
