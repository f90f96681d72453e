/**
 * The watchdog's stack capture on a real process: `perfmem stack <pid>` answers while the loop
 * is blocked, naming the blocking function with its file and line; the automatic capture is
 * published during the block; an idle loop says so; a process without a watchdog gets one
 * line saying how to enable it; the app runs on and exits with its own status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AppProcess, tempBase } from './app-process.js';
import { attach } from '../../src/perfmemory/index.js';
import { parseStack } from '../../src/runtime/stack-format.js';

const CLI = fileURLToPath(new URL('../../../bin/perfmem.js', import.meta.url));

function perfmem(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('perfmem stack shows a blocked loop\'s function, file and line while it is blocked; the automatic capture lands in the block', async () => {
  const base = tempBase();
  const env = { PERFMEM_DIR: base.dir, PERFMEM_WATCHDOG: '1' };
  const app = await AppProcess.start({ env });
  try {
    // Idle: the watchdog says so without pausing anything.
    const idle = await perfmem(['stack', String(app.pid), '--json'], env);
    assert.equal(idle.code, 0, idle.stderr);
    assert.equal(JSON.parse(idle.stdout).status, 'idle');

    const started = app.request('stackblock 4000', /^blocking (\d+) (\d+)$/);
    const done = app.line(/^block-done (\d+)$/, 20_000);
    const [, startNs, line] = await started;
    const asked = await perfmem(['stack', String(app.pid), '--json'], env);
    // Answered before the block ended: the stack was taken from a blocked loop.
    const endedBeforeAnswer = app.stdout.includes('block-done');
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(endedBeforeAnswer, false, 'the answer came only after the block');
    const answer = JSON.parse(asked.stdout) as { status: string; frames: { functionName: string; url: string; line: number }[] };
    assert.equal(answer.status, 'frames');
    const top = answer.frames[0]!;
    assert.equal(top.functionName, 'perfmemFixtureUniqueBlocker');
    assert.match(top.url, /runtime-app\.js$/);
    assert.equal(top.line, Number(line));

    const text = await perfmem(['stack', String(app.pid)], env);
    assert.match(text.stdout, /at perfmemFixtureUniqueBlocker \(file:\/\/.*runtime-app\.js:\d+:\d+\)/);

    const [, endNs] = await done;
    // The automatic capture (PERFMEM_STACK_AFTER_MS=1000) was taken during the block.
    const view = attach(app.pid, { dir: base.dir });
    try {
      const at = BigInt(view.get('node.watchdog.stack.time')!.value as number);
      const frames = parseStack(String(view.get('node.watchdog.stack')!.value));
      assert.equal(frames[0]?.functionName, 'perfmemFixtureUniqueBlocker');
      assert.ok(at > BigInt(startNs!) && at < BigInt(endNs!), `taken at ${at}, block ${startNs}..${endNs}`);
      assert.ok(Number(view.get('node.watchdog.stack.seq')!.value) >= 3);
    } finally {
      view.detach();
    }

    // A native call (execSync) cannot be paused: said so, once the sample is overdue.
    const native = app.request('sleepsync 6', /^blocking (\d+)$/);
    await native;
    await new Promise((r) => setTimeout(r, 1800));
    const inNative = await perfmem(['stack', String(app.pid), '--json'], env);
    assert.equal(inNative.code, 0, inNative.stderr);
    assert.equal(JSON.parse(inNative.stdout).status, 'native');
    await app.line(/^block-done /, 20_000);

    // The app runs on and exits with its own status.
    await app.request('block 10', /^block-done /);
    app.send('exit 7');
    assert.deepEqual(await app.exited, { code: 7, signal: null });
  } finally {
    app.kill();
    base.remove();
  }
});

test('perfmem stack on a process without a watchdog says how to enable it, in one line', async () => {
  const base = tempBase();
  const env = { PERFMEM_DIR: base.dir };
  const app = await AppProcess.start({ env });
  try {
    const r = await perfmem(['stack', String(app.pid)], env);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^perfmem: process \d+ has no watchdog thread: start it with PERFMEM_WATCHDOG=1[^\n]*\n$/);
  } finally {
    app.kill();
    base.remove();
  }
});

/** A real user for the test (created as root when missing); undefined when not root. */
function testUser(name: string): number | undefined {
  if (process.geteuid?.() !== 0) return undefined;
  const id = (): number => Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim() || NaN);
  if (Number.isNaN(id())) spawnSync('useradd', ['-M', '-s', '/usr/sbin/nologin', name]);
  const uid = id();
  return Number.isNaN(uid) ? undefined : uid;
}

test('root asks another user\'s process for its stack through root\'s own directory', async (t) => {
  const uid = testUser('perfmemstack');
  if (uid === undefined) { t.skip('needs root and useradd to run the app as another user'); return; }
  const base = tempBase();
  chmodSync(base.dir, 0o1777); // like /tmp: every user makes its own hsperfdata_<user> in it
  const env = { PERFMEM_DIR: base.dir, PERFMEM_WATCHDOG: '1' };
  const app = await AppProcess.start({ env, uid });
  try {
    const r = await perfmem(['stack', String(app.pid), '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    // The request was served (the channel is what this test is about): an idle loop says so, a
    // loop caught still starting up gives its frames.
    assert.ok(['idle', 'frames'].includes(JSON.parse(r.stdout).status), r.stdout);
  } finally {
    app.kill();
    base.remove();
  }
});
