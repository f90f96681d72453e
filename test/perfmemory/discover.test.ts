import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { attachListed, KIND_COUNTER, listProcesses } from '../../src/perfmemory/index.js';
import { PerfDataWriter } from '../../src/perfdata/index.js';
import { FIXTURE_DIR } from '../perfdata/jdk.js';
import { deadPid, runFixture, sleeper, stop, tempBase } from './helpers.js';

test('listProcesses reports kind, command and state, and tells a reused pid by its start time', async (t) => {
  const { base, remove } = tempBase('list');
  const child = sleeper();
  t.after(async () => { await stop(child); remove(); });
  const dir = `${base}/hsperfdata_alice`;
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  const dead = deadPid();
  // A 2018 Tomcat's file named after a live pid: that pid now belongs to a later process.
  copyFileSync(FIXTURE_DIR + 'cetra3_example', `${dir}/${child.pid}`);
  copyFileSync(FIXTURE_DIR + 'xin_2036', `${dir}/${dead}`);
  writeFileSync(`${dir}/not-a-pid`, 'ignored');
  writeFileSync(`${dir}/123456789`, Buffer.alloc(0)); // empty: ignored
  // An unsafe directory is not listed at all.
  mkdirSync(`${base}/hsperfdata_mallory`);
  chmodSync(`${base}/hsperfdata_mallory`, 0o777);
  copyFileSync(FIXTURE_DIR + 'xin_2036', `${base}/hsperfdata_mallory/${child.pid}`);

  const list = listProcesses({ dirs: [base], containers: false });
  assert.deepEqual(list.map((p) => [p.pid, p.user, p.kind, p.state]).sort(), [
    [child.pid, 'alice', 'jvm', 'stale'],
    [dead, 'alice', 'jvm', 'stale'],
  ].sort());
  const tomcat = list.find((p) => p.pid === child.pid)!;
  assert.equal(tomcat.command, 'org.apache.catalina.startup.Bootstrap start');
  assert.equal(tomcat.vmName, 'Java HotSpot(TM) 64-Bit Server VM');
  assert.equal(tomcat.startTime, 1522741576712);
  assert.equal(tomcat.path, `${dir}/${child.pid}`);
  assert.match(tomcat.vmArgs, /-Djava.util.logging.config.file=/);
});

test('a Node region named after a pid now held by an older process is stale (exact start ticks)', async (t) => {
  const { base, remove } = tempBase('reuse');
  const older = sleeper(); // started before the region's writer: a wall-clock rule would call it alive
  t.after(async () => { await stop(older); remove(); });
  await new Promise((r) => setTimeout(r, 50));
  const saved = await runFixture('region-child.js', ['drain'], { env: { PERFMEM_DIR: base, PERFMEM_SAVE_FILE: `${base}/saved` } });
  assert.equal(saved.code, 0, saved.stderr);
  const dir = `${base}/hsperfdata_bob`;
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  copyFileSync(`${base}/saved`, `${dir}/${older.pid}`);
  const [entry] = listProcesses({ dirs: [base], containers: false }).filter((p) => p.user === 'bob');
  assert.deepEqual([entry?.pid, entry?.kind, entry?.state], [older.pid, 'node', 'stale']);
});

test('a listing reads each file once and only its first part: identity and loop counters, bounded', (t) => {
  const { base, remove } = tempBase('list-bounded');
  t.after(remove);
  const dir = `${base}/hsperfdata_carol`;
  mkdirSync(dir, { mode: 0o755 });
  const buf = new ArrayBuffer(512 * 1024);
  const w = new PerfDataWriter(buf);
  w.string('sun.rt.javaCommand', 'app.js --port 1');
  w.string('java.property.java.vm.name', 'Node.js');
  w.string(KIND_COUNTER, 'node');
  w.long('node.sample.period', { value: 1_000_000_000 });
  w.long('node.heartbeat', { value: 42n });
  // A 200 KiB string runs past what a listing reads (128 KiB): the look ends there, no error.
  w.string('app.big', 'x'.repeat(200_000), { variability: 'variable', maxLength: 200_001 });
  w.long('node.watchdog.heartbeat', { value: 7 });
  writeFileSync(`${dir}/${process.pid}`, new Uint8Array(buf));
  const [p] = listProcesses({ dirs: [base], containers: false });
  assert.equal(p?.command, 'app.js --port 1');
  assert.equal(p?.kind, 'node');
  assert.equal(p?.error, undefined);
  assert.deepEqual(p?.loopCounters, { 'node.heartbeat': 42, 'node.sample.period': 1_000_000_000 });
  assert.deepEqual(Object.keys(p?.file ?? {}), ['dev', 'ino']);
  // attachListed opens exactly that file again and reads all of it.
  const view = attachListed(p!);
  assert.equal(view.get('node.watchdog.heartbeat')?.value, 7);
  view.detach();
});
