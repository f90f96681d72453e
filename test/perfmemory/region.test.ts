import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { parsePerfData } from '../../src/perfdata/index.js';
import { attach, attachFile, createRegion, currentRegion, type PerfmemWarning } from '../../src/index.js';
import { resolveOptions, parseSize, DEFAULT_SIZE, MAX_SIZE } from '../../src/perfmemory/options.js';
import fc from 'fast-check';
import { pageSize } from '../../src/sys/index.js';
import { STALE_SWEEP_DELAY_MS } from '../../src/perfmemory/cleanup.js';
import { deadPid, FIXTURES, sleeper, stop, tempBase } from './helpers.js';

const me = String(process.pid);

function collect(): { warnings: PerfmemWarning[]; onWarning: (w: PerfmemWarning) => void } {
  const warnings: PerfmemWarning[] = [];
  return { warnings, onWarning: (w) => warnings.push(w) };
}

test('createRegion makes <dir>/hsperfdata_<user>/<pid> (0755 dir, 0600 file), once per process', (t) => {
  const { base, remove } = tempBase('create');
  t.after(remove);
  const region = createRegion({ dir: base, size: 5000 });
  t.after(() => region.close());
  const dir = `${base}/hsperfdata_root`;
  assert.equal(region.path, `${dir}/${me}`);
  assert.equal(region.shared, true);
  assert.equal(region.size, Math.ceil(5000 / pageSize) * pageSize);
  assert.equal(statSync(dir).mode & 0o777, 0o755);
  const st = statSync(region.path!);
  assert.equal(st.mode & 0o777, 0o600);
  assert.equal(st.size, region.size);
  assert.equal(createRegion({ dir: '/elsewhere' }), region, 'a second call returns the same region');
  assert.equal(currentRegion(), region);

  const c = region.long('test.count', { units: 'events', variability: 'monotonic' });
  c.add(5);
  const s = region.string('test.state', 'one', { variability: 'variable', maxLength: 16 });
  s.set('two');
  // Another reader sees the file's bytes (a saved copy of the live file, read with pread).
  const parsed = parsePerfData(readFileSync(region.path!));
  const byName = new Map(parsed.counters.map((x) => [x.name, x]));
  assert.equal(byName.get('test.count')?.value, 5);
  assert.equal(byName.get('test.state')?.value, 'two');
  assert.equal(byName.get('java.property.java.vm.name')?.value, 'Node.js');
  assert.equal(byName.get('java.property.java.vm.version')?.value, process.versions.node);
  assert.equal(byName.get('java.rt.vmArgs')?.value, process.execArgv.join(' '));
  assert.equal(byName.get('sun.rt.javaCommand')?.value, process.argv.slice(1).join(' '));
  assert.equal(byName.get('sun.os.hrt.frequency')?.value, 1_000_000_000);
  assert.equal(byName.get('perfmem.kind')?.value, 'node');
  assert.equal(byName.has('sun.rt.jvmCapabilities'), false, 'never: jcmd would SIGQUIT Node');
  const begin = byName.get('sun.rt.createVmBeginTime')?.value as number;
  assert.ok(Math.abs(begin - (Date.now() - process.uptime() * 1000)) < 2000, `createVmBeginTime ${begin}`);
  assert.equal(parsed.header.accessible, true);

  // attach(own pid) is a view of this very region.
  const own = attach(process.pid);
  assert.equal(own.get('test.count')?.value, 5);
  c.inc();
  assert.equal(own.get('test.count')?.value, 6);
  own.detach();
});

test('close() saves, removes the file, and handles keep working in private memory', (t) => {
  const { base, remove } = tempBase('close');
  t.after(remove);
  const saveFile = `${base}/saved-%p`;
  const region = createRegion({ dir: base, saveFile });
  const path = region.path!;
  const c = region.long('test.closing', { value: 1 });
  const own = attach(process.pid);
  t.after(() => own.detach());
  region.close();
  assert.equal(own.get('test.closing')?.value, 1, 'a view of our own region still reads its final bytes');
  assert.equal(existsSync(path), false);
  assert.equal(region.closed, true);
  assert.equal(region.shared, false);
  c.add(10);
  assert.equal(c.get(), 11);
  const saved = attachFile(`${base}/saved-${me}`);
  t.after(() => saved.detach());
  assert.equal(saved.get('test.closing')?.value, 1);
  assert.equal(statSync(`${base}/saved-${me}`).mode & 0o777, 0o600);
  region.close(); // again: nothing
  assert.equal(currentRegion(), undefined);
  const next = createRegion({ dir: base });
  t.after(() => next.close());
  assert.notEqual(next, region);
  assert.equal(existsSync(path), true);
});

test('shared: false keeps the region private; shm: true puts it under /dev/shm', (t) => {
  const priv = createRegion({ shared: false });
  assert.equal(priv.path, undefined);
  assert.equal(priv.shared, false);
  priv.long('test.private').inc();
  assert.equal(attach(process.pid).get('test.private')?.value, 1);
  priv.close();

  const shm = createRegion({ shm: true });
  t.after(() => shm.close());
  assert.equal(shm.path, `/dev/shm/hsperfdata_root/${me}`);
  assert.ok(existsSync(shm.path!));
  shm.close();
  assert.equal(existsSync(`/dev/shm/hsperfdata_root/${me}`), false);
});

test('an unsafe directory means private memory and exactly one warning', (t) => {
  const { base, remove } = tempBase('fallback');
  t.after(remove);
  const cases: Array<[string, () => void, RegExp]> = [
    ['open', () => { mkdirSync(`${base}/open/hsperfdata_root`, { recursive: true }); chmodSync(`${base}/open/hsperfdata_root`, 0o777); }, /writable by group or others/],
    ['link', () => { mkdirSync(`${base}/link/target`, { recursive: true }); symlinkSync(`${base}/link/target`, `${base}/link/hsperfdata_root`); }, /symbolic link/],
    ['file', () => { mkdirSync(`${base}/file`); writeFileSync(`${base}/file/hsperfdata_root`, ''); }, /not a directory/],
    ['missing', () => {}, /ENOENT/],
  ];
  for (const [name, setup, why] of cases) {
    setup();
    const { warnings, onWarning } = collect();
    const region = createRegion({ dir: `${base}/${name}`, onWarning });
    try {
      assert.equal(region.path, undefined, name);
      assert.equal(region.shared, false);
      assert.equal(warnings.length, 1, name);
      assert.equal(warnings[0]!.code, 'PERFMEM_PRIVATE_FALLBACK');
      assert.match(warnings[0]!.message, why);
      region.long('still.works').inc();
    } finally {
      region.close();
    }
  }
  assert.equal(existsSync(`${base}/link/target/${me}`), false, 'nothing created through the symlink');
});

test('a symlink planted at our file name is removed, never followed', (t) => {
  const { base, remove } = tempBase('plant');
  t.after(remove);
  const dir = `${base}/hsperfdata_root`;
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  writeFileSync(`${base}/victim`, 'precious');
  symlinkSync(`${base}/victim`, `${dir}/${me}`);
  const region = createRegion({ dir: base });
  t.after(() => region.close());
  assert.equal(region.shared, true);
  assert.equal(readFileSync(`${base}/victim`, 'utf8'), 'precious');
  assert.equal(statSync(region.path!).size, region.size);
});

/** Resolves once `check()` holds, polling; rejects after `ms` (a generous bound, not a measurement). */
async function eventually(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('the condition did not come true');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('the directory\'s stale files are swept after creation, off the start-up path; a live process\'s file stays', async (t) => {
  const { base, remove } = tempBase('sweep');
  t.after(remove);
  const dir = `${base}/hsperfdata_root`;
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const live = sleeper();
  t.after(() => stop(live));
  const dead = deadPid();
  writeFileSync(`${dir}/${dead}`, 'a SIGKILLed process\'s region');
  writeFileSync(`${dir}/${live.pid}`, 'a live process\'s region');
  const region = createRegion({ dir: base });
  t.after(() => region.close());
  assert.equal(region.shared, true);
  // Creation itself looked at its own name only: the sweep is on a timer, not yet run.
  assert.ok(existsSync(`${dir}/${dead}`), 'the sweep does not run during createRegion()');
  await eventually(() => !existsSync(`${dir}/${dead}`));
  assert.ok(existsSync(`${dir}/${live.pid}`), 'a live process\'s file is never removed');
  assert.ok(existsSync(region.path!));
});

test('a region closed before its sweep cancels it (its directory descriptor is closed)', async (t) => {
  const { base, remove } = tempBase('sweep-cancel');
  t.after(remove);
  const dir = `${base}/hsperfdata_root`;
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const dead = deadPid();
  writeFileSync(`${dir}/${dead}`, 'stale');
  createRegion({ dir: base }).close();
  await new Promise((r) => setTimeout(r, STALE_SWEEP_DELAY_MS * 3));
  assert.ok(existsSync(`${dir}/${dead}`), 'no sweep ran after close()');
});

test('a file locked by a live process is left alone: the region falls back with a warning', async (t) => {
  const { base, remove } = tempBase('inuse');
  t.after(remove);
  const dir = `${base}/hsperfdata_root`;
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  writeFileSync(`${dir}/${me}`, 'held by someone in another pid namespace');
  const holder = spawn(process.execPath, [FIXTURES + 'flock-holder.js', `${dir}/${me}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => stop(holder));
  await once(holder.stdout!, 'data');
  const { warnings, onWarning } = collect();
  const region = createRegion({ dir: base, onWarning });
  t.after(() => region.close());
  assert.equal(region.shared, false);
  assert.match(warnings[0]?.message ?? '', /Region in use/);
  assert.equal(readFileSync(`${dir}/${me}`, 'utf8'), 'held by someone in another pid namespace');
});

test('options are validated; a bad environment variable warns once and uses the default', () => {
  for (const [opts, name] of [[{ size: 0 }, 'size'], [{ size: -1 }, 'size'], [{ size: 1.5 }, 'size'], [{ dir: 'rel' }, 'dir'],
    [{ shm: 'yes' }, 'shm'], [{ shared: 1 }, 'shared'], [{ saveFile: '' }, 'saveFile'], [{ exitSignals: 0 }, 'exitSignals']] as const) {
    assert.throws(() => resolveOptions(opts as never, {}), { code: 'ERR_INVALID_ARG_VALUE', message: new RegExp(`'${name}'`) });
  }
  const { warnings, onWarning } = collect();
  const r = resolveOptions({ onWarning }, { PERFMEM_SIZE: 'lots', PERFMEM_SHM: 'maybe', PERFMEM_DIR: 'relative', PERFMEM_EXIT_SIGNALS: 'sometimes' });
  assert.equal(r.size, DEFAULT_SIZE);
  assert.equal(r.shm, false);
  assert.equal(r.base, undefined);
  assert.equal(r.exitSignals, true);
  assert.deepEqual(warnings.map((w) => w.code), ['PERFMEM_BAD_ENV', 'PERFMEM_BAD_ENV', 'PERFMEM_BAD_ENV', 'PERFMEM_BAD_ENV']);
  assert.match(warnings[3]!.message, /PERFMEM_EXIT_SIGNALS="sometimes"/);
  const ok = resolveOptions({}, { PERFMEM_SIZE: '64k', PERFMEM_SHM: '1', PERFMEM_DIR: '/var/tmp', PERFMEM_SAVE_FILE: '/tmp/x-%p', PERFMEM_EXIT_SIGNALS: 'off' });
  assert.deepEqual([ok.size, ok.shm, ok.base, ok.saveFile, ok.exitSignals], [65536, true, '/var/tmp', `/tmp/x-${me}`, false]);
  assert.equal(resolveOptions({ exitSignals: true }, { PERFMEM_EXIT_SIGNALS: '0' }).exitSignals, true, 'the option beats the variable');
  assert.equal(resolveOptions({ size: 100 }, { PERFMEM_SIZE: '1m' }).size, pageSize, 'options beat the environment');
});

test('a worker thread gets a private region while the main thread holds the process\'s file', async (t) => {
  const { base, remove } = tempBase('worker');
  t.after(remove);
  const region = createRegion({ dir: base });
  t.after(() => region.close());
  const indexUrl = new URL('../../src/index.js', import.meta.url).href;
  const worker = new Worker(`
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(indexUrl)}).then(({ createRegion }) => {
      const warnings = [];
      const r = createRegion({ dir: ${JSON.stringify(base)}, onWarning: (w) => warnings.push(w.code) });
      r.long('worker.count').inc();
      parentPort.postMessage({ path: r.path ?? null, shared: r.shared, warnings });
    });`, { eval: true });
  // once() rejects on the worker's 'error' event, so a failing worker fails the test instead of hanging it.
  const [msg] = (await once(worker, 'message')) as [{ path: string | null; shared: boolean; warnings: string[] }];
  await once(worker, 'exit');
  assert.deepEqual(msg, { path: null, shared: false, warnings: ['PERFMEM_PRIVATE_FALLBACK'] });
  assert.ok(existsSync(region.path!), 'the main thread\'s file survives the worker');
});

test('parseSize and the environment: any value gives a valid size or one warning and the default', () => {
  fc.assert(fc.property(fc.nat({ max: 2 ** 40 }), (n) => parseSize(String(n)) === n && parseSize(`${n}k`) === n * 1024 && parseSize(`${n}M`) === n * 1024 * 1024));
  fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (size, shm, dir) => {
    const warnings: string[] = [];
    const r = resolveOptions({ onWarning: (w) => warnings.push(w.code) }, { PERFMEM_SIZE: size, PERFMEM_SHM: shm, PERFMEM_DIR: dir });
    assert.ok(r.size > 0 && r.size % pageSize === 0 && r.size <= MAX_SIZE + pageSize);
    assert.equal(typeof r.shm, 'boolean');
    assert.ok(r.base === undefined || r.base.startsWith('/'));
    assert.ok(warnings.length <= 3 && warnings.every((c) => c === 'PERFMEM_BAD_ENV'));
  }));
});
