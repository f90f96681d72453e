import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { resolveConfig, DEFAULT_PERIOD_MS, MIN_PERIOD_MS, MAX_PERIOD_MS } from '../../src/runtime/config.js';
import { MAX_SIZE } from '../../src/perfmemory/index.js';

test('defaults with an empty environment: enabled, 1 s, no warnings', () => {
  assert.deepEqual(resolveConfig({}), {
    config: { disabled: false, periodMs: 1000, debug: false, watchdog: false, delayResolutionMs: 100, stackAfterMs: 1000, region: {} },
    warnings: [],
  });
});

test('the runtime variables are read; the region ones are left to createRegion', () => {
  const { config, warnings } = resolveConfig({
    PERFMEM_DISABLE: 'yes', PERFMEM_PERIOD_MS: '250', PERFMEM_DEBUG: '1', PERFMEM_WATCHDOG: 'On',
    PERFMEM_DELAY_RESOLUTION_MS: '20', PERFMEM_STACK_AFTER_MS: '0', PERFMEM_DIR: 'relative', PERFMEM_SIZE: 'huge',
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, { disabled: true, periodMs: 250, debug: true, watchdog: true, delayResolutionMs: 20, stackAfterMs: 0, region: {} });
});

test('options win over variables; valid region options pass through', () => {
  const { config, warnings } = resolveConfig({ PERFMEM_PERIOD_MS: '250', PERFMEM_DEBUG: '1' },
    { periodMs: 50, debug: false, dir: '/var/tmp', size: 65536, saveFile: 'out-%p.hsperf', shm: true, exitSignals: false });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, {
    disabled: false, periodMs: 50, debug: false, watchdog: false, delayResolutionMs: 100, stackAfterMs: 1000,
    region: { dir: '/var/tmp', size: 65536, saveFile: 'out-%p.hsperf', shm: true, exitSignals: false },
  });
});

test('a bad value gives one warning naming it, and the default', () => {
  const { config, warnings } = resolveConfig({ PERFMEM_PERIOD_MS: 'fast', PERFMEM_WATCHDOG: 'maybe' });
  assert.equal(config.periodMs, DEFAULT_PERIOD_MS);
  assert.equal(config.watchdog, false);
  assert.deepEqual(warnings, [
    'perfmem: PERFMEM_PERIOD_MS="fast" is not a whole number of milliseconds from 10 to 3600000; using 1000',
    'perfmem: PERFMEM_WATCHDOG="maybe" is not one of 1/0, true/false, yes/no, on/off; using false',
  ]);
  const bad = resolveConfig({}, {
    periodMs: 1.5, debug: 'yes' as unknown as boolean, dir: 'rel', size: -1, saveFile: '', shm: 1 as unknown as boolean,
    exitSignals: 'no' as unknown as boolean,
  });
  assert.deepEqual(bad.config.region, {});
  assert.deepEqual(bad.warnings, [
    'perfmem: option periodMs=1.5 is not a whole number of milliseconds from 10 to 3600000; using 1000',
    'perfmem: option dir="rel" is not an absolute path; using the default directory',
    `perfmem: option size=-1 is not a size in bytes from 1 to ${MAX_SIZE}; using the default size`,
    'perfmem: option saveFile="" is not a file path; using no save file',
    'perfmem: option shm=1 is not a boolean; using the default location',
    'perfmem: option exitSignals="no" is not a boolean; using listening for exit signals',
    'perfmem: option debug="yes" is not a boolean; using false',
  ]);
});

test('property: any environment resolves without throwing, in range, one warning at most per variable', () => {
  const names = ['PERFMEM_DISABLE', 'PERFMEM_PERIOD_MS', 'PERFMEM_DEBUG', 'PERFMEM_WATCHDOG', 'PERFMEM_DELAY_RESOLUTION_MS', 'PERFMEM_DIR', 'PERFMEM_SIZE'];
  const value = fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('1', '0', 'true', 'no', '64k', '', ' 10 '));
  fc.assert(fc.property(fc.dictionary(fc.constantFrom(...names), value), (env) => {
    const { config, warnings } = resolveConfig(env);
    assert.ok(Number.isInteger(config.periodMs) && config.periodMs >= MIN_PERIOD_MS && config.periodMs <= MAX_PERIOD_MS);
    assert.ok(Number.isInteger(config.delayResolutionMs) && config.delayResolutionMs >= 1 && config.delayResolutionMs <= 10_000);
    assert.ok(warnings.length <= Object.keys(env).length);
    for (const w of warnings) assert.match(w, /^perfmem: PERFMEM_[A-Z_]+=.* using /);
  }), { numRuns: 2000 });
});

test('property: any options object resolves without throwing; kept region options are valid', () => {
  const anything = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant('/abs/dir'));
  fc.assert(fc.property(fc.record({ periodMs: anything, dir: anything, size: anything, saveFile: anything, shm: anything, exitSignals: anything, debug: anything },
    { requiredKeys: [] }), (options) => {
    const { config } = resolveConfig({}, options as never);
    const r = config.region;
    assert.ok(r.dir === undefined || r.dir.startsWith('/'));
    assert.ok(r.size === undefined || (Number.isSafeInteger(r.size) && r.size > 0 && r.size <= MAX_SIZE));
    assert.ok(r.shm === undefined || typeof r.shm === 'boolean');
    assert.ok(r.exitSignals === undefined || typeof r.exitSignals === 'boolean');
    assert.ok(r.saveFile === undefined || (typeof r.saveFile === 'string' && r.saveFile !== ''));
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
