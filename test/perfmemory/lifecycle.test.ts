import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync } from 'node:fs';
import { attachFile } from '../../src/index.js';
import { FIXTURES, runFixture, stop, tempBase } from './helpers.js';

const READY = /^ready (\S+)$/m;

/** Runs region-child in `mode` with its region under `base`; returns how it ended and its region path. */
async function lifecycle(base: string, mode: string, options: { signal?: NodeJS.Signals; env?: NodeJS.ProcessEnv } = {}) {
  const r = await runFixture('region-child.js', [mode], {
    env: { PERFMEM_DIR: base, ...options.env }, signal: options.signal, signalAfter: options.signal && 'ready',
  });
  const path = READY.exec(r.stdout)?.[1];
  assert.ok(path !== undefined && path.startsWith(`${base}/hsperfdata_`), `no ready line: ${r.stdout} ${r.stderr}`);
  return { ...r, path };
}

test('the region file is removed at exit on every path, and the process ends as it would have', async (t) => {
  const { base, remove } = tempBase('lifecycle');
  t.after(remove);
  const expectations: Array<[string, NodeJS.Signals | undefined, number | null, NodeJS.Signals | null, RegExp?]> = [
    ['drain', undefined, 0, null],
    ['exit3', undefined, 3, null],
    ['throw', undefined, 1, null, /Error: boom from region-child/],
    ['reject', undefined, 1, null, /rejected in region-child/],
    ['wait', 'SIGTERM', null, 'SIGTERM'],
    ['wait', 'SIGINT', null, 'SIGINT'],
    ['wait', 'SIGHUP', null, 'SIGHUP'],
    ['own-term', 'SIGTERM', 7, null],
    ['late-exit', undefined, 0, null],
  ];
  for (const [mode, signal, code, killedBy, stderr] of expectations) {
    const r = await lifecycle(base, mode, { signal });
    const label = `${mode}${signal ? ` + ${signal}` : ''}`;
    assert.equal(r.code, code, `${label}: exit code (stderr: ${r.stderr})`);
    assert.equal(r.signal, killedBy, `${label}: signal`);
    assert.equal(existsSync(r.path), false, `${label}: ${r.path} removed`);
    if (stderr !== undefined) assert.match(r.stderr, stderr, label);
    if (mode === 'own-term') assert.match(r.stdout, /app got SIGTERM/);
    // The region ended at exit: counters still work for listeners that run after it.
    if (mode === 'late-exit') assert.match(r.stdout, /^late 43 late$/m);
  }
  assert.deepEqual(readdirSync(`${base}/hsperfdata_root`), []);
});

test('with exitSignals off (PERFMEM_EXIT_SIGNALS=0) a signal ends the process at once, even with its loop blocked; the file is left for the stale-file cleanup', async (t) => {
  const { base, remove } = tempBase('exit-signals');
  t.after(remove);
  const env = { PERFMEM_EXIT_SIGNALS: '0' };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    // 'spin' blocks its loop for 60 s after "ready": a listener could not run before that.
    const r = await lifecycle(base, 'spin', { signal, env });
    assert.equal(r.code, null, `${signal}: ${r.stderr}`);
    assert.equal(r.signal, signal);
    assert.ok(existsSync(r.path), `${signal}: the file is left, as a SIGKILLed process's`);
  }
  // And an idle process too: no listener of perfmem's, so the signal's default action.
  const idle = await lifecycle(base, 'wait', { signal: 'SIGTERM', env });
  assert.deepEqual([idle.code, idle.signal], [null, 'SIGTERM']);
  assert.ok(existsSync(idle.path));
});

test('an app that handles SIGTERM itself keeps running, and keeps its region', async (t) => {
  const { base, remove } = tempBase('keep');
  t.after(remove);
  const child = spawn(process.execPath, [FIXTURES + 'region-child.js', 'keep-term'], {
    env: { ...process.env, PERFMEM_DIR: base }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => stop(child));
  child.stdout.setEncoding('utf8');
  const [line] = (await once(child.stdout, 'data')) as [string];
  const path = READY.exec(line)![1]!;
  child.kill('SIGTERM');
  const [ack] = (await once(child.stdout, 'data')) as [string];
  assert.match(ack, /app ignores SIGTERM/);
  assert.equal(child.exitCode, null);
  assert.ok(existsSync(path));
  await stop(child);
});

test('under nohup (SIGHUP ignored by the parent) the process ends as plain Node would', async (t) => {
  // Node resets inherited dispositions to the default at startup, so plain Node dies of SIGHUP
  // even under nohup; a process with a region must do exactly the same, and clean up.
  const { base, remove } = tempBase('nohup');
  t.after(remove);
  const ending = async (script: string, args: string[]) => {
    const child = spawn('sh', ['-c', `trap '' HUP; exec "${process.execPath}" "$@"`, 'sh', script, ...args], {
      env: { ...process.env, PERFMEM_DIR: base }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => stop(child));
    const [line] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
    const exited = once(child, 'exit');
    child.kill('SIGHUP');
    const [code, signal] = await exited;
    return { line, code, signal };
  };
  const plain = await ending('-e', ['console.log("ready"); setInterval(() => {}, 1 << 30)']);
  const withRegion = await ending(FIXTURES + 'region-child.js', ['wait']);
  assert.deepEqual([withRegion.code, withRegion.signal], [plain.code, plain.signal]);
  assert.equal(existsSync(READY.exec(withRegion.line)![1]!), false);
});

test('saveFile is written at exit, with the final values', async (t) => {
  const { base, remove } = tempBase('save');
  t.after(remove);
  const r = await lifecycle(base, 'drain', { env: { PERFMEM_SAVE_FILE: `${base}/saved.%p` } });
  assert.equal(r.code, 0);
  const saved = readdirSync(base).filter((n) => n.startsWith('saved.'));
  assert.equal(saved.length, 1);
  const view = attachFile(`${base}/${saved[0]}`);
  t.after(() => view.detach());
  const get = (name: string): unknown => view.get(name)?.value;
  assert.equal(get('app.requests'), 42);
  assert.equal(get('app.bytes'), 2n ** 62n - 1n);
  assert.equal(get('app.status'), 'done');
  assert.equal(get('perfmem.kind'), 'node');
});

test('a region grows to its 8 MiB cap, then counts overflow as the JDK does and warns exactly once', async (t) => {
  const { base, remove } = tempBase('overflow');
  t.after(remove);
  const r = await lifecycle(base, 'overflow', { env: { PERFMEM_SAVE_FILE: `${base}/saved`, PERFMEM_SIZE: '8k' } });
  assert.equal(r.code, 0, r.stderr);
  const overflow = Number(/^overflow (\d+)$/m.exec(r.stdout)?.[1]);
  assert.ok(overflow > 0);
  const warnings = JSON.parse(/^warnings (.*)$/m.exec(r.stdout)![1]!) as string[];
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0]!, /^PERFMEM_REGION_OVERFLOW: .* is full \(8388608 bytes; a shared region grows up to 8388608 bytes\)/);
  const view = attachFile(`${base}/saved`);
  t.after(() => view.detach());
  assert.equal(view.header.overflow, overflow);
  assert.equal(view.header.size, 8 * 1024 * 1024, 'grown from 8 KiB to the cap');
  assert.equal(view.get('app.requests')?.value, 142, 'a handle made before the growth writes into the grown file');
  assert.equal(view.get('app.filler.counter0')?.value, 1);
});

test('a SIGKILLed writer\'s file is removed by the next process\'s cleanup; a live one survives', async (t) => {
  const { base, remove } = tempBase('sigkill');
  t.after(remove);
  const start = async () => {
    const child = spawn(process.execPath, [FIXTURES + 'region-child.js', 'wait'], {
      env: { ...process.env, PERFMEM_DIR: base }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => stop(child));
    const [line] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
    return { child, path: READY.exec(line)![1]! };
  };
  const killed = await start();
  const live = await start();
  await stop(killed.child); // SIGKILL: no cleanup can run
  assert.ok(existsSync(killed.path), 'a killed process leaves its file');
  const next = await start();
  // The next process sweeps the directory shortly after its start (off its start-up path).
  for (const end = Date.now() + 20_000; existsSync(killed.path) && Date.now() < end;) await new Promise((r) => setTimeout(r, 25));
  assert.equal(existsSync(killed.path), false, 'the next process removed the stale file');
  assert.ok(existsSync(live.path), 'a live process keeps its file');
  assert.ok(existsSync(next.path));
});
