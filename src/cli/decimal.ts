/**
 * Numbers formatted the way jstat prints them: Java's DecimalFormat with a pattern such as
 * "0" or "0.00" (at least one integer digit, a fixed number of fraction digits), rounding
 * HALF_EVEN on the double's exact binary value, NaN shown as "-". Matching jstat digit for
 * digit needs all of this: JavaScript's toFixed rounds ties away from zero instead.
 */

/** The number of fraction digits a "0", "0.0", "0.00", ... pattern asks for. */
export function fractionDigitsOf(pattern: string): number {
  const m = /^0+(?:\.(0*))?$/.exec(pattern);
  if (m === null) throw new Error(`unsupported number pattern '${pattern}' (expected 0, 0.0, 0.00, ...)`);
  return m[1]?.length ?? 0;
}

/** Formats `x` with exactly `fractionDigits` digits after the point, as DecimalFormat does. */
export function formatDecimal(x: number, fractionDigits: number): string {
  if (Number.isNaN(x)) return '-';
  // DecimalFormat keeps the sign of a negative number that rounds to zero, and of -0.0.
  const negative = x < 0 || Object.is(x, -0);
  const sign = negative ? '-' : '';
  const a = Math.abs(x);
  if (a === Infinity) return sign + '\u221e';
  const digits = roundedDigits(a, fractionDigits).padStart(fractionDigits + 1, '0');
  if (fractionDigits === 0) return sign + digits;
  const cut = digits.length - fractionDigits;
  return sign + digits.slice(0, cut) + '.' + digits.slice(cut);
}

/**
 * The digits of a * 10^n rounded to an integer. Like Java, the rounding works on the
 * shortest decimal that identifies the double (digits past it count as zeros), HALF_EVEN;
 * a tie in those digits is settled by the exact binary value, which lies above or below it.
 */
function roundedDigits(a: number, n: number): string {
  const [mantissa = '0', exp = '0'] = a.toExponential().split('e');
  const shortest = mantissa.replace('.', '');
  const pointAt = Number(exp) + 1; // digits before the decimal point
  const keep = pointAt + n; // how many leading digits survive the rounding
  if (keep >= shortest.length) return (shortest + '0'.repeat(keep - shortest.length)).replace(/^0+(?=\d)/, '');
  if (keep < 0) return '0';
  const kept = keep === 0 ? 0n : BigInt(shortest.slice(0, keep));
  const first = shortest.charCodeAt(keep) - 48;
  let up: boolean;
  if (first !== 5) up = first > 5;
  else if (keep + 1 < shortest.length) up = true; // more non-zero digits follow the 5
  else {
    const exactVsShortest = compareExact(a, BigInt(shortest), pointAt - shortest.length);
    up = exactVsShortest > 0 || (exactVsShortest === 0 && (kept & 1n) === 1n);
  }
  return (up ? kept + 1n : kept).toString();
}

/** Compares the double `a` with digits * 10^power exactly. */
function compareExact(a: number, digits: bigint, power: number): number {
  const { mantissa, exponent } = decompose(a);
  // mantissa * 2^exponent  vs  digits * 10^power: move every negative power to the other side.
  let left = mantissa;
  let right = digits;
  if (exponent >= 0) left <<= BigInt(exponent);
  else right <<= BigInt(-exponent);
  if (power >= 0) right *= 10n ** BigInt(power);
  else left *= 10n ** BigInt(-power);
  return left === right ? 0 : left > right ? 1 : -1;
}

/** Splits a positive finite double into an integer mantissa and a power-of-two exponent. */
function decompose(a: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, a);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}
