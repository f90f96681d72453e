/**
 * bundle-load.cts: a CommonJS bundle file loaded with its V8 code cache, and every way the
 * cache can be unusable (missing, older than its file, made for another source, turned off)
 * falling back to compiling from source with the same result. Then the real thing: the
 * runtime's core, as `--import perfmem/register` loads it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { cacheUse, codeCacheOf, loadBundle, MODULE_WRAPPER_HEAD, MODULE_WRAPPER_TAIL, requireBundle } from '../src/bundle-load.cjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** CommonJS code as scripts/bundle.mjs writes it: inside the module wrapper. */
const wrapped = (code: string): string => MODULE_WRAPPER_HEAD + code + MODULE_WRAPPER_TAIL;

/**
 * A cache made as scripts/bundle.mjs makes it (of the file's text, under its name), in
 * another process: in this one V8 would find the compiled script in its own compilation cache
 * and never look at the code cache.
 */
function cacheFor(file: string, source: string): Buffer {
  const make = `const { Script } = require('node:vm');
    const [file, source] = process.argv.slice(1);
    process.stdout.write(new Script(source, { filename: file }).createCachedData().toString('base64'));`;
  const r = spawnSync(process.execPath, ['-e', make, file, source], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Buffer.from(r.stdout, 'base64');
}

function fixture(t: { after(fn: () => void): void }): { dir: string; file: string; source: string } {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-bundle-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'lib.cjs');
  // What Node's require hands a module: its own require, module object, file and directory names.
  const source = wrapped(`module.exports = { sum: (a, b) => a + b, file: __filename, dir: __dirname, own: module.exports === exports, os: require('node:os').EOL };`);
  writeFileSync(file, source);
  return { dir, file, source };
}

function loaded(file: string): { sum(a: number, b: number): number; file: string; dir: string; own: boolean; os: string } {
  return loadBundle(file) as ReturnType<typeof loaded>;
}

function check(file: string, dir: string): void {
  const m = loaded(file);
  assert.equal(m.sum(2, 3), 5);
  assert.equal(m.file, file);
  assert.equal(m.dir, dir);
  assert.equal(m.own, true);
  assert.equal(m.os, '\n');
}

test('without a cache the file is compiled from source and runs as under require()', (t) => {
  const { dir, file } = fixture(t);
  check(file, dir);
  assert.equal(cacheUse.get(file), 'none');
});

test('a cache made for the file is handed to V8 and accepted', (t) => {
  const { dir, file, source } = fixture(t);
  writeFileSync(`${file}.cache`, cacheFor(file, source));
  check(file, dir);
  assert.equal(cacheUse.get(file), 'accepted');
});

test('a cache older than its file is not used; the file still runs', (t) => {
  const { dir, file, source } = fixture(t);
  writeFileSync(`${file}.cache`, cacheFor(file, source));
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(`${file}.cache`, old, old);
  assert.equal(codeCacheOf(file), undefined);
  check(file, dir);
  assert.equal(cacheUse.get(file), 'none');
});

test('a cache of another source is refused by V8; the file is compiled from source with the same result', (t) => {
  const { dir, file } = fixture(t);
  writeFileSync(`${file}.cache`, cacheFor(file, wrapped('module.exports = 1;')));
  check(file, dir);
  assert.equal(cacheUse.get(file), 'rejected');
});

test('a file that is not in the module wrapper (not written by the build) is refused with its name', (t) => {
  const { dir } = fixture(t);
  const plain = join(dir, 'plain.cjs');
  writeFileSync(plain, 'module.exports = 1;');
  assert.throws(() => loadBundle(plain), (e: Error) => e.message.includes(plain) && e.message.includes('module wrapper'));
});

test('PERFMEM_CODE_CACHE=0 turns the cache off', (t) => {
  const { dir, file, source } = fixture(t);
  writeFileSync(`${file}.cache`, cacheFor(file, source));
  const before = process.env.PERFMEM_CODE_CACHE;
  process.env.PERFMEM_CODE_CACHE = '0';
  try {
    check(file, dir);
    assert.equal(cacheUse.get(file), 'none');
  } finally {
    if (before === undefined) delete process.env.PERFMEM_CODE_CACHE;
    else process.env.PERFMEM_CODE_CACHE = before;
  }
});

test('requireBundle: a bundle loaded for its loader module is what require() of that module returns, and the loader is never run', (t) => {
  const { dir, file } = fixture(t);
  // The loader module would load the bundle again, a second copy: it must not run.
  const loaderFile = join(dir, 'lib-load.cjs');
  writeFileSync(loaderFile, `throw new Error('the loader module ran');`);
  const require = createRequire(import.meta.url);
  const first = requireBundle(loaderFile, file) as ReturnType<typeof loaded>;
  t.after(() => delete require.cache[loaderFile]);
  assert.equal(first.sum(2, 3), 5);
  assert.equal(require(loaderFile), first);
  assert.equal(requireBundle(loaderFile, file), first);
  assert.equal(require.cache[loaderFile]?.loaded, true);
});

test('requireBundle: a loader module required already gives its exports; a bundle that fails leaves nothing cached', (t) => {
  const { dir, file } = fixture(t);
  const require = createRequire(import.meta.url);
  const loaderFile = join(dir, 'lib-load.cjs');
  writeFileSync(loaderFile, `module.exports = { mine: true };`);
  const own = require(loaderFile) as unknown;
  t.after(() => delete require.cache[loaderFile]);
  assert.equal(requireBundle(loaderFile, file), own);

  const broken = join(dir, 'broken.cjs');
  writeFileSync(broken, wrapped(`throw new Error('broken bundle');`));
  const brokenLoader = join(dir, 'broken-load.cjs');
  assert.throws(() => requireBundle(brokenLoader, broken), /broken bundle/);
  assert.equal(require.cache[brokenLoader], undefined);
});

test('`--import perfmem/register` loads the runtime core once, with the cache the build wrote', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-bundle-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const code = `
    import { createRequire } from 'node:module';
    import { attach } from 'perfmem';
    const { cacheUse } = createRequire(import.meta.url)('./dist/src/bundle-load.cjs');
    process.stdout.write(JSON.stringify([...cacheUse].map(([f, use]) => [f.slice(process.cwd().length), use])));`;
  const run = (env: NodeJS.ProcessEnv) => spawnSync(process.execPath, ['--import', 'perfmem/register', '--input-type=module', '-e', code], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, PERFMEM_DIR: dir, PERFMEM_DISABLE: '', ...env },
  });
  const on = run({});
  assert.equal(on.stderr, '');
  assert.deepEqual(JSON.parse(on.stdout), [['/dist/src/bundle/core.cjs', 'accepted']]);
  const off = run({ PERFMEM_CODE_CACHE: '0' });
  assert.equal(off.stderr, '');
  assert.deepEqual(JSON.parse(off.stdout), [['/dist/src/bundle/core.cjs', 'none']]);
});

test('the build made the core\'s cache after a start (scripts/core-cache.mjs), not its fallback of every function', () => {
  // A cache holds the functions compiled when it was made: after a start and a sample, those a
  // start runs, well under every function's; over half of them, since a start runs most of the core.
  const core = join(REPO, 'dist/src/bundle/core.cjs');
  const everyFunction = spawnSync(process.execPath, ['-e', `
    require('node:v8').setFlagsFromString('--no-lazy');
    const script = new (require('node:vm').Script)(require('node:fs').readFileSync(${JSON.stringify(core)}, 'utf8'), { filename: ${JSON.stringify(core)} });
    process.stdout.write(String(script.createCachedData().length));`], { encoding: 'utf8' });
  assert.equal(everyFunction.stderr, '');
  const built = statSync(`${core}.cache`).size;
  const ratio = built / Number(everyFunction.stdout);
  assert.ok(ratio > 0.4 && ratio < 0.9, `the built cache is ${built} bytes, ${ratio.toFixed(2)} of a cache of every function`);
});

test('the core\'s source is one large object, out of the young generation (scripts/bundle.mjs pads it)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-bundle-load-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const core = join(REPO, 'dist/src/bundle/core.cjs');
  // V8 puts one object over 128 KiB (kMaxRegularHeapObjectSize) in a large-object space.
  assert.ok(statSync(core).size > 128 * 1024, `core.cjs is ${statSync(core).size} bytes`);
  const largeObjects = `const spaces = require('node:v8').getHeapSpaceStatistics();
    process.stdout.write(String(spaces.filter((s) => /large_object/.test(s.space_name)).reduce((n, s) => n + s.space_used_size, 0)));`;
  const run = (preload: string): number => {
    const r = spawnSync(process.execPath, ['--import', preload, '-e', largeObjects], { cwd: REPO, encoding: 'utf8', env: { ...process.env, PERFMEM_DIR: dir, PERFMEM_DISABLE: '' } });
    assert.equal(r.stderr, '');
    return Number(r.stdout);
  };
  const empty = join(dir, 'empty.cjs');
  writeFileSync(empty, '');
  // The source string (one byte per character: the file is ASCII) is among the large objects.
  assert.ok(run('perfmem/register') - run(empty) >= statSync(core).size, 'the large-object spaces hold the core\'s text');
});
