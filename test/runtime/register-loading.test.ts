/**
 * How perfmem/register is loaded (issue 10, start-up): the package exports are one bundle with
 * shared chunks; perfmem/register is one small CommonJS file for `--import` and `--require`,
 * which runs register-start.cjs, which loads the bundled core; a disabled process loads
 * nothing but the first file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const REGISTER_HOOK = join(REPO, 'dist/src/runtime/register-require.cjs');

function scratch(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-register-loading-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `code` (an ES module) in a process with perfmem/register preloaded; its JSON output. */
function runWithPreload<T>(preload: '--import' | '--require', code: string, dir: string): { out: T; pid: number } {
  const r = spawnSync(process.execPath, [preload, 'perfmem/register', '--input-type=module', '-e', code], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, PERFMEM_DIR: dir, PERFMEM_DISABLE: '' },
  });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
  return { out: JSON.parse(r.stdout) as T, pid: r.pid! };
}

test('every package export is its bundle (the build refuses any other), but perfmem/register: one CommonJS file for every condition', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string> | string> };
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (key === './package.json') continue;
    if (key === './register') {
      assert.deepEqual(Object.keys(target), ['types', 'default']);
      assert.equal((target as Record<string, string>).default, './dist/src/runtime/register-require.cjs');
      continue;
    }
    const name = key === '.' ? 'index' : key.slice(2).replaceAll('/', '-');
    assert.equal(typeof target === 'object' ? target.default : target, `./dist/src/bundle/${name}.js`, key);
  }
});

test('the hook file that Node lexes at every --import is small and has no ES module mark', () => {
  // Node 20's CommonJS export lexer reads it whole at every start, enabled or not: its 2.4 KB
  // as one file cost each disabled process 0.65 ms, and an `Object.defineProperty(exports,
  // "__esModule", ...)` mark alone 0.5 ms. The runtime starts from register-start.cjs.
  const hook = readFileSync(REGISTER_HOOK, 'utf8');
  assert.ok(!hook.includes('__esModule'), hook);
  assert.ok(hook.includes('/register-start.cjs'), hook);
  assert.ok(hook.length < 1024, `${hook.length} bytes`);
});

test('with PERFMEM_DISABLE=1 the register hook loads nothing: it runs alone, without the rest of perfmem, from --import and --require', () => {
  const s = scratch();
  try {
    // The hook copied where no other perfmem file exists: any load it made would fail (and PERFMEM_DEBUG would say so).
    const lone = join(s.dir, 'alone', 'runtime', 'register.cjs');
    // The control: the hook with the file it starts the runtime from, still without the core.
    const paired = join(s.dir, 'paired', 'runtime', 'register.cjs');
    for (const file of [lone, paired]) mkdirSync(dirname(file), { recursive: true });
    copyFileSync(REGISTER_HOOK, lone);
    copyFileSync(REGISTER_HOOK, paired);
    copyFileSync(join(dirname(REGISTER_HOOK), 'register-start.cjs'), join(dirname(paired), 'register-start.cjs'));
    for (const preload of ['--import', '--require']) {
      const run = (hook: string, disable: string) => spawnSync(process.execPath, [preload, hook, '-e', '0'], {
        encoding: 'utf8',
        env: { ...process.env, PERFMEM_DIR: s.dir, PERFMEM_DISABLE: disable, PERFMEM_DEBUG: '1' },
      });
      const disabled = run(lone, ' Yes ');
      assert.equal(disabled.status, 0);
      assert.equal(disabled.stderr, `perfmem[${disabled.pid}]: disabled by PERFMEM_DISABLE\n`, preload);
      // Enabled, the same lone file does try to start the runtime, and says why it could not...
      const alone = run(lone, '0');
      assert.equal(alone.status, 0);
      assert.match(alone.stderr, /not started: .*ENOENT.*register-start\.cjs/s, preload);
      // ...and with the file that starts it, gets as far as the core.
      const enabled = run(paired, '0');
      assert.equal(enabled.status, 0);
      assert.match(enabled.stderr, /not started: .*ENOENT.*bundle\/core\.cjs/s, preload);
    }
  } finally {
    s.remove();
  }
});

test('`--import perfmem/register` and `import "perfmem/runtime"` in one process share one runtime (one copy of each module)', () => {
  const s = scratch();
  try {
    const code = `
      import { start } from 'perfmem/runtime';
      import { attach } from 'perfmem';
      const handle = start(); // register started it already: the same handle, not a second region
      const view = attach(process.pid, { dir: process.env.PERFMEM_DIR });
      process.stdout.write(JSON.stringify({ path: handle?.region.path, counters: view.counters().length > 0 }));
      view.detach();`;
    const { out, pid } = runWithPreload<{ path: string; counters: boolean }>('--import', code, s.dir);
    assert.match(out.path, new RegExp(`/hsperfdata_[^/]+/${pid}$`));
    assert.ok(out.path.startsWith(s.dir));
    assert.equal(out.counters, true);
  } finally {
    s.remove();
  }
});

test('`--require perfmem/register` (the "require" condition) publishes the region before the main script runs, without the ESM loader', () => {
  const s = scratch();
  try {
    // Checked synchronously, at the main script's first line: the preload has created the region.
    const check = `
      const { existsSync, readdirSync } = require('node:fs');
      const dir = readdirSync(process.env.PERFMEM_DIR).find((n) => n.startsWith('hsperfdata_'));
      const published = dir !== undefined && existsSync(process.env.PERFMEM_DIR + '/' + dir + '/' + process.pid);
      const esmLoader = process.moduleLoadList.some((m) => m.includes('esm/module_job'));
      process.stdout.write(JSON.stringify({ published, esmLoader }));`;
    const run = (disable: string) => spawnSync(process.execPath, ['--require', 'perfmem/register', '-e', check], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, PERFMEM_DIR: s.dir, PERFMEM_DISABLE: disable },
    });
    const enabled = run('');
    assert.equal(enabled.stderr, '');
    assert.deepEqual(JSON.parse(enabled.stdout), { published: true, esmLoader: false });
    const disabled = run('1');
    assert.equal(disabled.stderr, '');
    assert.deepEqual(JSON.parse(disabled.stdout), { published: false, esmLoader: false });
  } finally {
    s.remove();
  }
});

test('`--require perfmem/register` and `import "perfmem"` in one process share one region (the core is loaded once)', () => {
  const s = scratch();
  try {
    const code = `
      import { start } from 'perfmem/runtime';
      import { createRegion } from 'perfmem';
      const handle = start(); // the preload started it: the same handle
      process.stdout.write(JSON.stringify({ same: createRegion() === handle?.region, path: handle?.region.path }));`;
    const { out, pid } = runWithPreload<{ same: boolean; path: string }>('--require', code, s.dir);
    assert.equal(out.same, true);
    assert.match(out.path, new RegExp(`/hsperfdata_[^/]+/${pid}$`));
  } finally {
    s.remove();
  }
});

for (const preload of ['--require', '--import'] as const) {
  // Node 20 runs --require preloads in workers, not --import ones: there the worker's own code imports the hook.
  const how = preload === '--require' ? 'under `--require perfmem/register`' : 'that imports perfmem/register itself (`--import` in the main thread)';
  test(`a worker thread ${how} installs only the GC hook, from its own small file, and its collections are published`, () => {
    const s = scratch();
    try {
      // The worker allocates enough for several collections, waits for the observer's entries,
      // then reports which files its require() loaded. The main thread reads its own region.
      const code = `
        import { Worker } from 'node:worker_threads';
        import { attach } from 'perfmem';
        // (An ES module, as the worker inherits --input-type=module; require.cache is the thread's CommonJS cache.)
        const worker = new Worker(\`
          ${preload === '--import' ? "import 'perfmem/register';" : ''}
          import { createRequire } from 'node:module';
          import { parentPort } from 'node:worker_threads';
          let keep;
          for (let r = 0; r < 30; r++) { keep = []; for (let i = 0; i < 50000; i++) keep.push([i]); }
          setTimeout(() => parentPort.postMessage(Object.keys(createRequire(process.cwd() + '/').cache)), 100);
        \`, { eval: true });
        const id = worker.threadId;
        const loaded = await new Promise((resolve) => worker.once('message', resolve));
        await new Promise((resolve) => worker.once('exit', resolve));
        const view = attach(process.pid, { dir: process.env.PERFMEM_DIR });
        const count = Number(view.get('node.worker.' + id + '.gc.count')?.value ?? -1);
        view.detach();
        process.stdout.write(JSON.stringify({ loaded: loaded.map((f) => f.slice(process.cwd().length)), count }));`;
      const { out } = runWithPreload<{ loaded: string[]; count: number }>(preload, code, s.dir);
      assert.ok(out.loaded.includes('/dist/src/bundle/worker-gc.cjs'), out.loaded.join(' '));
      assert.ok(!out.loaded.some((f) => f.endsWith('core-load.cjs') || f.endsWith('core.cjs')), out.loaded.join(' '));
      assert.ok(out.count > 0, `the worker's collections: ${out.count}`);
    } finally {
      s.remove();
    }
  });
}
