/**
 * jstat formats every number with Java's DecimalFormat; perfmem's formatDecimal must print
 * the same digits. Checked against a real JVM's DecimalFormat on generated doubles, and
 * against the cases where JavaScript's own toFixed would differ (ties, negative zero).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { formatDecimal, fractionDigitsOf } from '../../src/cli/decimal.js';
import { haveJdk } from './helpers.js';

const JAVA = `
import java.text.*; import java.io.*;
public class DecimalOracle { public static void main(String[] a) throws Exception {
  BufferedReader r = new BufferedReader(new InputStreamReader(System.in)); String l; StringBuilder sb = new StringBuilder();
  String[] patterns = { "0", "0.0", "0.00", "0.000" };
  DecimalFormat[] f = new DecimalFormat[patterns.length];
  for (int i = 0; i < f.length; i++) { f[i] = new DecimalFormat(patterns[i]); DecimalFormatSymbols s = f[i].getDecimalFormatSymbols(); s.setNaN("-"); f[i].setDecimalFormatSymbols(s); }
  while ((l = r.readLine()) != null) { double x = Double.longBitsToDouble(Long.parseUnsignedLong(l, 16)); for (DecimalFormat d : f) sb.append(d.format(x)).append(' '); sb.append('\\n'); }
  System.out.print(sb); } }
`;

const ours = (x: number) => [0, 1, 2, 3].map((n) => formatDecimal(x, n)).join(' ') + ' ';

test('formatDecimal: ties go to even on the exact value, NaN is "-", negative zero keeps its sign', () => {
  assert.equal(formatDecimal(0.125, 2), '0.12'); // exact tie: to even (toFixed says 0.13)
  assert.equal(formatDecimal(2.5, 0), '2');
  assert.equal(formatDecimal(3.5, 0), '4');
  assert.equal(formatDecimal(0.05, 1), '0.1'); // the double 0.05 lies just above the tie
  assert.equal(formatDecimal(1.005, 2), '1.00'); // and 1.005 just below
  assert.equal(formatDecimal(-0.001, 2), '-0.00');
  assert.equal(formatDecimal(-0, 1), '-0.0');
  assert.equal(formatDecimal(NaN, 3), '-');
  assert.equal(formatDecimal(60, 2), '60.00');
  assert.equal(formatDecimal(368640, 1), '368640.0');
  assert.equal(fractionDigitsOf('0'), 0);
  assert.equal(fractionDigitsOf('0.000'), 3);
  assert.throws(() => fractionDigitsOf('#,##0'));
});

test('formatDecimal prints what java.text.DecimalFormat prints', { timeout: 60_000 }, (t) => {
  if (!haveJdk()) return t.skip('java not found');
  const values: number[] = [0.125, 2.5, -2.5, 0.05, 1.005, 99.995, 123456.785, -0.001, -0, 0, NaN, 5e-324, 4503599627370497.5];
  // Sizes in bytes over 1024, ratios as jstat computes percentages, and doubles of every magnitude.
  values.push(...fc.sample(fc.integer({ min: 0, max: 2 ** 40 }).map((b) => b / 1024), 3000));
  values.push(...fc.sample(fc.tuple(fc.integer({ min: 1, max: 1 << 30 }), fc.integer({ min: 0, max: 1 << 30 }))
    .map(([c, u]) => (1 - (c - u) / c) * 100), 3000));
  values.push(...fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true, min: -(2 ** 53), max: 2 ** 53 }), 3000));
  values.push(...fc.sample(fc.integer({ min: 0, max: 1e9 }).map((n) => n / 1000), 3000));
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-decimal-'));
  try {
    writeFileSync(join(dir, 'DecimalOracle.java'), JAVA);
    const view = new DataView(new ArrayBuffer(8));
    const input = values.map((x) => { view.setFloat64(0, x); return view.getBigUint64(0).toString(16); }).join('\n') + '\n';
    const lines = execFileSync('java', [join(dir, 'DecimalOracle.java')], { input, maxBuffer: 64 << 20 }).toString().split('\n');
    values.forEach((x, i) => assert.equal(ours(x), lines[i], `value ${x}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
