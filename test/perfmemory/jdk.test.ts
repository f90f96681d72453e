/**
 * Interop with the real JDK 17 tools (skipped visibly without them): jps and jstat read a Node
 * process's region; perfmem reads a live JVM's region exactly as jstat does; jcmd cannot kill Node.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { formatSnapLines } from '../../src/cli/snap-format.js';
import { attach, listProcesses } from '../../src/index.js';
import { haveJdk, jstatSnap } from '../perfdata/jdk.js';
import { FIXTURES, stop } from './helpers.js';

const run = promisify(execFile);

/** A region-child with its region in the JDK's own place, /tmp/hsperfdata_<user>. */
async function nodeChild(t: { after: (fn: () => unknown) => void }, args: string[], nodeArgs: string[]) {
  const env = { ...process.env };
  delete env.PERFMEM_DIR;
  delete env.PERFMEM_SHM;
  const child = spawn(process.execPath, [...nodeArgs, FIXTURES + 'region-child.js', 'wait', ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => stop(child));
  const [line] = (await once(child.stdout.setEncoding('utf8'), 'data')) as [string];
  assert.match(line, new RegExp(`^ready /tmp/hsperfdata_[^/]+/${child.pid}\\n`));
  return child as typeof child & { pid: number };
}

test('jps -l -m -v lists a Node process as <pid> <script> <args> <execArgv>', async (t) => {
  if (!haveJdk()) return t.skip('jps not found');
  const child = await nodeChild(t, ['alpha', 'beta'], ['--no-warnings', '--max-old-space-size=100']);
  const { stdout } = await run('jps', ['-l', '-m', '-v']);
  const line = stdout.split('\n').find((l) => l.startsWith(`${child.pid} `));
  assert.equal(line, `${child.pid} ${FIXTURES}region-child.js wait alpha beta --no-warnings --max-old-space-size=100`);
});

test('jstat -snap prints exactly the counters and values perfmem publishes', async (t) => {
  if (!haveJdk()) return t.skip('jstat not found');
  const child = await nodeChild(t, [], []);
  const view = attach(child.pid);
  t.after(() => view.detach());
  const counters = view.counters();
  for (const verbose of [false, true]) {
    const expected = await jstatSnap(String(child.pid), verbose);
    assert.equal(formatSnapLines(counters, { verbose }).join('\n') + '\n', expected);
  }
  const names = counters.map((c) => c.name);
  for (const name of ['app.requests', 'app.bytes', 'app.name', 'app.status', 'sun.rt.javaCommand', 'java.rt.vmFlags']) {
    assert.ok(names.includes(name), name);
  }
});

test('jcmd is refused without harming the Node process (no sun.rt.jvmCapabilities)', async (t) => {
  if (!haveJdk()) return t.skip('jcmd not found');
  const child = await nodeChild(t, [], []);
  const r = await run('jcmd', [String(child.pid), 'VM.version']).catch((err: { stdout: string; stderr: string }) => err);
  assert.match(`${r.stdout}${r.stderr}`, /does not support the attach mechanism|AttachNotSupported/);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(child.exitCode, null);
  assert.equal(child.signalCode, null);
});

test('attach on a live JDK 17 JVM returns the names, types, units, variability and constants jstat -snap -v prints', async (t) => {
  if (!haveJdk()) return t.skip('java not found');
  const dir = mkdtempSync('/tmp/perfmem-jvm-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(`${dir}/Idle.java`, 'public class Idle { public static void main(String[] a) throws Exception { Thread.sleep(60000); } }\n');
  const jvm = spawn('java', ['-Xmx32m', '-XX:TieredStopAtLevel=1', `${dir}/Idle.java`], { stdio: 'ignore' });
  t.after(() => stop(jvm));
  const pid = jvm.pid!;
  // Wait until the JVM has published its region and is running main (a string jstat reads).
  const deadline = Date.now() + 30_000;
  let view: ReturnType<typeof attach> | undefined;
  while (Date.now() < deadline) {
    try {
      view = attach(pid);
      if (view.header.accessible && view.get('sun.rt.javaCommand')?.value !== '') break;
      view.detach();
      view = undefined;
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_PROCESS_NOT_FOUND') throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(view !== undefined, 'the JVM published its region');
  t.after(() => view!.detach());
  const jstat = (await jstatSnap(String(pid), true)).trimEnd().split('\n');
  const ours = formatSnapLines(view.counters(), { verbose: true });
  const shape = (line: string): string => `${line.slice(0, line.indexOf('='))} ${line.split(' ').slice(-3).join(' ')}`;
  assert.deepEqual(ours.map(shape), jstat.map(shape), 'names, units, variability and support');
  const constants = (lines: string[]) => lines.filter((l) => / Constant (Supported|Unsupported)$/.test(l));
  assert.deepEqual(constants(ours), constants(jstat), 'constant values');
  assert.ok(constants(ours).length > 50);

  const listed = listProcesses().find((p) => p.pid === pid);
  assert.equal(listed?.kind, 'jvm');
  assert.equal(listed?.state, 'alive');
  assert.match(listed?.command ?? '', /Idle/);
});

test('listProcesses shows a live Node process as node/alive with its command line', async (t) => {
  const child = await nodeChild(t, ['gamma'], ['--no-warnings']);
  const found = listProcesses().find((p) => p.pid === child.pid);
  assert.ok(found !== undefined);
  assert.deepEqual([found.kind, found.state, found.command, found.vmArgs, found.vmName],
    ['node', 'alive', `${FIXTURES}region-child.js wait gamma`, '--no-warnings', 'Node.js']);
  assert.ok(Math.abs(found.startTime! - Date.now()) < 60_000);
  assert.ok(existsSync(found.path));
});

test('a starting JVM\'s stale cleanup removes a SIGKILLed Node process\'s region and keeps a live one', async (t) => {
  if (!haveJdk()) return t.skip('java not found');
  const killed = await nodeChild(t, [], []);
  const live = await nodeChild(t, [], []);
  const user = (await run('id', ['-un'])).stdout.trim();
  const killedPath = `/tmp/hsperfdata_${user}/${killed.pid}`;
  const livePath = `/tmp/hsperfdata_${user}/${live.pid}`;
  await stop(killed); // SIGKILL: the file stays behind
  assert.ok(existsSync(killedPath));
  await run('java', ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-version']);
  assert.equal(existsSync(killedPath), false, 'the JVM removed the dead process\'s file');
  assert.ok(existsSync(livePath), 'the JVM left the live process\'s file alone');
});
