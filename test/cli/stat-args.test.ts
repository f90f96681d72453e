/** The stat argument grammar (jstat's), with property tests over generated command lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseInterval, parseStatArgs } from '../../src/cli/stat-args.js';
import { UsageError } from '../../src/cli/errors.js';

test('stat arguments: jstat\'s forms', () => {
  assert.deepEqual(parseStatArgs(['-gcutil', '123']),
    { kind: 'sample', option: 'gcutil', headerEvery: 0, timestamp: false, json: false, target: '123', intervalMs: 0, count: 1 });
  assert.deepEqual(parseStatArgs(['-gc', '-t', '-h10', '42', '2s', '5']),
    { kind: 'sample', option: 'gc', headerEvery: 10, timestamp: true, json: false, target: '42', intervalMs: 2000, count: 5 });
  assert.deepEqual(parseStatArgs(['-class', '-h', '3', '7', '250ms']),
    { kind: 'sample', option: 'class', headerEvery: 3, timestamp: false, json: false, target: '7', intervalMs: 250, count: 0 });
  assert.deepEqual(parseStatArgs(['-heap', '-h5', '9']),
    { kind: 'sample', option: 'heap', headerEvery: 5, timestamp: false, json: false, target: '9', intervalMs: 0, count: 1 });
  assert.deepEqual(parseStatArgs(['-h5', '-handles', '9']),
    { kind: 'sample', option: 'handles', headerEvery: 5, timestamp: false, json: false, target: '9', intervalMs: 0, count: 1 });
  assert.deepEqual(parseStatArgs(['-options']), { kind: 'options', verbose: false });
  assert.deepEqual(parseStatArgs(['--help']), { kind: 'help' });
  assert.equal(parseInterval('100'), 100);
  assert.equal(parseInterval('3s'), 3000);
  assert.equal(parseInterval('15ms'), 15);
});

test('stat arguments: mistakes are usage errors that show the usage line', () => {
  for (const argv of [[], ['123'], ['-gcutil'], ['-gcutil', '1', 'x'], ['-gcutil', '1', '10', 'y'], ['-gcutil', '1', '2', '3', '4'],
    ['-gcutil', '-hx', '1'], ['-gcutil', '-h'], ['-gcutil', '-h-1', '1'], ['-gcutil', '-gc', '1'], ['-gcutil', '1', '-5']]) {
    assert.throws(() => parseStatArgs(argv), (err: unknown) => err instanceof UsageError && /usage: perfmem stat/.test(err.message), argv.join(' '));
  }
});

test('stat arguments: every well-formed command line parses back to its parts', () => {
  fc.assert(fc.property(
    fc.stringMatching(/^[a-su-z][a-z]{0,14}$/).filter((o) => o !== 'options' && o !== 'h'), fc.nat({ max: 1000 }), fc.boolean(), fc.integer({ min: 1, max: 4194304 }),
    fc.option(fc.tuple(fc.nat({ max: 100000 }), fc.constantFrom('', 'ms', 's'))), fc.option(fc.nat({ max: 1000 })),
    (option, h, ts, pid, interval, count) => {
      const argv = [`-${option}`, ...(ts ? ['-t'] : []), `-h${h}`, String(pid)];
      if (interval !== null) argv.push(`${interval[0]}${interval[1]}`);
      if (interval !== null && count !== null) argv.push(String(count));
      const parsed = parseStatArgs(argv);
      assert.equal(parsed.kind, 'sample');
      if (parsed.kind !== 'sample') return;
      assert.equal(parsed.option, option);
      assert.equal(parsed.headerEvery, h);
      assert.equal(parsed.timestamp, ts);
      assert.equal(parsed.target, String(pid));
      const ms = interval === null ? 0 : interval[1] === 's' ? interval[0] * 1000 : interval[0];
      assert.equal(parsed.intervalMs, ms);
      assert.equal(parsed.count, interval === null ? 1 : count ?? 0);
    }));
});

test('stat arguments: any input either parses or is a UsageError, never another exception', () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('-gc', '-t', '-h', '-h5', '1', '10ms', '-options', '--help'))), (argv) => {
    try {
      parseStatArgs(argv);
    } catch (err) {
      assert.ok(err instanceof UsageError, String(err));
    }
  }));
});

test('stat arguments: -t, -h<n> and --json after the pid are accepted (as jstat takes -t); other options there are named', () => {
  assert.deepEqual(parseStatArgs(['-gcutil', '123', '1s', '1', '-t']),
    { kind: 'sample', option: 'gcutil', headerEvery: 0, timestamp: true, json: false, target: '123', intervalMs: 1000, count: 1 });
  assert.deepEqual(parseStatArgs(['-cpu', '7', '--json', '-h3', '250ms']),
    { kind: 'sample', option: 'cpu', headerEvery: 3, timestamp: false, json: true, target: '7', intervalMs: 250, count: 0 });
  assert.deepEqual(parseStatArgs(['--json', '-eventloop', '7']),
    { kind: 'sample', option: 'eventloop', headerEvery: 0, timestamp: false, json: true, target: '7', intervalMs: 0, count: 1 });
  assert.throws(() => parseStatArgs(['-gcutil', '123', '1s', '-x']), { message: /^stat: option -x must come before the pid or file\nusage: perfmem stat/ });
  assert.throws(() => parseStatArgs(['-gcutil', '123', '1s', '--frob']), /option --frob must come before/);
  // A negative count is still a bad count, not a misplaced option.
  assert.throws(() => parseStatArgs(['-gcutil', '123', '1s', '-1']), /illegal count value: -1/);
});

test('parseInterval names the command that asked', () => {
  assert.throws(() => parseInterval('1x', (m) => new UsageError(`watch: ${m}`)), { message: /^watch: bad interval '1x'/ });
  assert.throws(() => parseInterval('-1'), { message: /^stat: bad interval '-1'/ });
});
