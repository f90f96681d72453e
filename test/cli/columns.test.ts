/** jstat's column model: evaluation rules, alignment and widths, and the flag parser. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type Sample, align, column, columnWidth, div, evaluate, formatCell, headerLine, lit, mul, ref, rowLine, sub, delta, K } from '../../src/cli/columns.js';
import { jvmOptions, timestampColumn } from '../../src/cli/jvm-options.js';
import { nodeOptions, handlesColumns } from '../../src/cli/node-options.js';
import { parseFlags } from '../../src/cli/flags.js';
import { UsageError } from '../../src/cli/errors.js';

const sample = (o: Record<string, number | bigint | string>): Sample => new Map(Object.entries(o));

test('evaluation follows jstat: missing is NaN ("-"), required is 0, x/0 is NaN, a lone string prints as text', () => {
  const s = sample({ a: 6, b: 3, z: 0, name: 'G1 Young', big: 2n ** 60n });
  assert.equal(evaluate(div('a', 'b'), { current: s }), 2);
  assert.ok(Number.isNaN(evaluate(div('a', 'z'), { current: s }) as number));
  assert.ok(Number.isNaN(evaluate(sub('a', 'missing'), { current: s }) as number));
  assert.equal(evaluate(sub('a', 'missing'), { current: s, required: true }), 6);
  assert.equal(evaluate(ref('name'), { current: s }), 'G1 Young');
  assert.ok(Number.isNaN(evaluate(mul('name', lit(2)), { current: s }) as number), 'a string in arithmetic is NaN');
  assert.equal(evaluate(ref('big'), { current: s }), 2 ** 60);
  assert.equal(evaluate(delta('a'), { current: s, previous: sample({ a: 2 }) }), 4);
  assert.equal(evaluate(delta('a'), { current: s }), 6, 'the first row counts from zero');
  const kib = column('X', 'a', 'x', { width: 5, scale: K, format: '0.0' });
  assert.equal(formatCell(kib, { current: sample({ a: 1536 }) }), '  1.5');
  assert.equal(formatCell(kib, { current: sample({}) }), '    -');
  const req = column('T', sub('a', 'missing'), 't', { width: 3, required: true });
  assert.equal(formatCell(req, { current: s }), '  6');
});

test('alignment: jstat\'s centring puts the odd space after the text; nothing is ever cut', () => {
  assert.equal(align('ab', 5, 'center'), ' ab  ');
  assert.equal(align('ab', 3, 'center'), 'ab ');
  assert.equal(align('abc', 2, 'right'), 'abc');
  fc.assert(fc.property(fc.string({ maxLength: 20 }), fc.nat({ max: 30 }), fc.constantFrom('left', 'right', 'center' as const), (s, w, how) => {
    const out = align(s, w, how);
    assert.equal(out.length, Math.max(w, s.length));
    assert.ok(out.includes(s));
  }));
});

test('every option: rows are as wide as the header, whatever the values', () => {
  const all = [...jvmOptions, ...nodeOptions].map((o) => [timestampColumn, ...o.columns]);
  all.push(handlesColumns(['node.resources.total', 'node.resources.Timeout', 'node.resources.TCPWRAP']));
  const names = [...new Set(all.flat().flatMap((c) => JSON.stringify(c.data).match(/"name":"[^"]+"/g) ?? []).map((m) => m.slice(8, -1)))];
  fc.assert(fc.property(fc.array(fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }), { minLength: names.length, maxLength: names.length }), (values) => {
    const current = new Map<string, number>();
    names.forEach((n, i) => { if (values[i] !== undefined) current.set(n, values[i]!); });
    current.set('sun.os.hrt.frequency', 1e9);
    for (const columns of all) {
      const header = headerLine(columns);
      const row = rowLine(columns, { current });
      // A value wider than its column pushes the row out, exactly as in jstat; otherwise equal widths.
      const fits = columns.every((c) => formatCell(c, { current }).length === columnWidth(c));
      if (fits) assert.equal(row.length, header.length);
    }
  }), { numRuns: 50 });
});

test('the JVM -gcutil header is jstat\'s, character for character', () => {
  const gcutil = jvmOptions.find((o) => o.name === 'gcutil')!;
  assert.equal(headerLine(gcutil.columns), '  S0     S1     E      O      M     CCS    YGC     YGCT     FGC    FGCT     CGC    CGCT       GCT   ');
  assert.equal(headerLine([timestampColumn]), 'Timestamp      ');
});

test('flags: booleans, values, bundles like -lmv; anything else is a UsageError', () => {
  const spec = { usage: 'usage: x', booleans: ['-l', '-m', '-v', '--json'], values: ['--filter'] };
  const r = parseFlags(['-lmv', '--filter=a=b', '12', '--json', '--', '-q'], spec);
  assert.deepEqual([...r.flags].sort(), ['--json', '-l', '-m', '-v']);
  assert.equal(r.values.get('--filter'), 'a=b');
  assert.deepEqual(r.positionals, ['12', '-q']);
  assert.throws(() => parseFlags(['-lx'], spec), UsageError);
  assert.throws(() => parseFlags(['--filter'], spec), UsageError);
  fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('-l', '-lm', '--json', '--filter', '-h', '--'))), (argv) => {
    try {
      parseFlags(argv, spec);
    } catch (err) {
      assert.ok(err instanceof UsageError);
    }
  }));
});
