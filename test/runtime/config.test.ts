import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveConfig, DEFAULT_PERIOD_MS, MIN_PERIOD_MS, MAX_PERIOD_MS, MAX_SIZE } from '../../src/runtime/config.js';

test('defaults with an empty environment: enabled, 1 s, no warnings', () => {
  assert.deepEqual(resolveConfig({}), {
    config: { disabled: false, dir: undefined, periodMs: 1000, size: undefined, saveFile: undefined, shm: false, debug: false, watchdog: false },
    warnings: [],
  });
});

test('every PERFMEM_* variable is read', () => {
  const { config, warnings } = resolveConfig({
    PERFMEM_DISABLE: 'yes', PERFMEM_DIR: '/var/run/x', PERFMEM_PERIOD_MS: '250', PERFMEM_SIZE: '64k',
    PERFMEM_SAVE_FILE: 'final.hsperf', PERFMEM_SHM: 'TRUE', PERFMEM_DEBUG: '1', PERFMEM_WATCHDOG: 'on',
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, {
    disabled: true, dir: '/var/run/x', periodMs: 250, size: 65536, saveFile: 'final.hsperf', shm: true, debug: true, watchdog: true,
  });
  assert.equal(resolveConfig({ PERFMEM_SIZE: '2M' }).config.size, 2 * 1024 * 1024);
});

test('an option wins over its variable', () => {
  const { config, warnings } = resolveConfig({ PERFMEM_PERIOD_MS: '250', PERFMEM_SHM: '1' }, { periodMs: 50, shm: false });
  assert.deepEqual(warnings, []);
  assert.equal(config.periodMs, 50);
  assert.equal(config.shm, false);
});

test('a bad value gives one warning naming it, and the default', () => {
  const { config, warnings } = resolveConfig({ PERFMEM_PERIOD_MS: 'fast', PERFMEM_SHM: 'maybe', PERFMEM_DIR: 'relative/dir', PERFMEM_SIZE: '-5' });
  assert.equal(config.periodMs, DEFAULT_PERIOD_MS);
  assert.equal(config.shm, false);
  assert.equal(config.dir, undefined);
  assert.equal(config.size, undefined);
  assert.deepEqual([...warnings].sort(), [
    'perfmem: PERFMEM_DIR="relative/dir" is not an absolute path; using the default',
    'perfmem: PERFMEM_PERIOD_MS="fast" is not a whole number of milliseconds from 10 to 3600000; using 1000',
    'perfmem: PERFMEM_SHM="maybe" is not one of 1/0, true/false, yes/no, on/off; using false',
    'perfmem: PERFMEM_SIZE="-5" is not a size in bytes from 1 to 1073741824 (suffix k or m allowed); using the default size',
  ]);
  const bad = resolveConfig({}, { periodMs: 1.5, shm: 'yes' as unknown as boolean });
  assert.deepEqual(bad.warnings, [
    'perfmem: option periodMs=1.5 is not a whole number of milliseconds from 10 to 3600000; using 1000',
    'perfmem: option shm="yes" is not a boolean; using false',
  ]);
});

test('property: any environment resolves without throwing, to values in range, one warning at most per variable', () => {
  const names = ['PERFMEM_DISABLE', 'PERFMEM_DIR', 'PERFMEM_PERIOD_MS', 'PERFMEM_SIZE', 'PERFMEM_SAVE_FILE', 'PERFMEM_SHM', 'PERFMEM_DEBUG', 'PERFMEM_WATCHDOG'];
  const value = fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('1', '0', 'true', 'no', '64k', '3m', '/abs', ''));
  fc.assert(fc.property(fc.dictionary(fc.constantFrom(...names), value), (env) => {
    const { config, warnings } = resolveConfig(env);
    assert.ok(Number.isInteger(config.periodMs) && config.periodMs >= MIN_PERIOD_MS && config.periodMs <= MAX_PERIOD_MS);
    assert.ok(config.size === undefined || (Number.isInteger(config.size) && config.size > 0 && config.size <= MAX_SIZE));
    assert.ok(config.dir === undefined || config.dir.startsWith('/'));
    assert.ok(warnings.length <= Object.keys(env).length);
    for (const w of warnings) assert.match(w, /^perfmem: PERFMEM_[A-Z_]+=.* using /);
  }), { numRuns: 2000 });
});

test('property: every period in range is taken as is, every integer outside is refused', () => {
  fc.assert(fc.property(fc.integer({ min: -1e7, max: 1e7 }), (n) => {
    const { config, warnings } = resolveConfig({ PERFMEM_PERIOD_MS: String(n) });
    const ok = n >= MIN_PERIOD_MS && n <= MAX_PERIOD_MS;
    assert.equal(config.periodMs, ok ? n : DEFAULT_PERIOD_MS);
    assert.equal(warnings.length, ok ? 0 : 1);
  }), { numRuns: 2000 });
});
