/** `perfmem ps` against real processes and the JDK's jps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fixtureFiles } from '../perfdata/jdk.js';
import { BIN, haveJdk, perfmem, startJvm, startNode, tool } from './helpers.js';
import { formatTable, shortName, type PsRow } from '../../src/cli/ps.js';

interface JsonRow { pid: number; kind: string; state: string; command: string; vmArgs: string; uptimeMs?: number; blockedForMs: number }

async function psJson(): Promise<JsonRow[]> {
  const r = await perfmem(['ps', '--json']);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonRow[];
}

test('ps lists a live JVM as running, with the main class, args and VM args jps shows', { timeout: 60_000 }, async (t) => {
  if (!haveJdk()) return t.skip('java/jps not found');
  const jvm = await startJvm(t, ['-Xmx64m']);
  const row = (await psJson()).find((r) => r.pid === jvm.pid);
  assert.ok(row, 'listed');
  assert.equal(row.kind, 'jvm');
  assert.equal(row.state, 'running');
  assert.ok(row.uptimeMs !== undefined && row.uptimeMs >= 0 && row.uptimeMs < 60_000, String(row.uptimeMs));

  const jps = await tool('jps', ['-lmv']);
  const theirs = jps.stdout.split('\n').find((l) => l.startsWith(`${jvm.pid} `))!;
  const ours = (await perfmem(['ps', '-lmv'])).stdout.split('\n').find((l) => l.trimStart().startsWith(`${jvm.pid} `))!;
  assert.ok(ours.endsWith(theirs.slice(String(jvm.pid).length + 1)), `${ours}\nvs jps: ${theirs}`);
  assert.match(ours, / jvm +running +\S+ +\S+ +PerfmemSubject arg1 .*-Xmx64m/);

  const short = (await perfmem(['ps'])).stdout.split('\n').find((l) => l.trimStart().startsWith(`${jvm.pid} `))!;
  assert.match(short, /PerfmemSubject$/);
  const quiet = (await perfmem(['ps', '-q'])).stdout.split('\n');
  assert.ok(quiet.includes(String(jvm.pid)));
});

test('ps shows the file of a process that is gone as stale', async (t) => {
  // A dead process's region in a directory of perfmem's own (JVMs starting elsewhere on this
  // machine clean stale files out of /tmp/hsperfdata_*, so /tmp would race with them).
  const base = mkdtempSync(join(tmpdir(), 'perfmem-ps-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const dir = join(base, `hsperfdata_${userInfo().username}`);
  mkdirSync(dir, { mode: 0o755 });
  const dead = spawnSync('true').pid!;
  const file = join(dir, String(dead));
  copyFileSync(fixtureFiles()[0]!, file);
  chmodSync(file, 0o600);
  const env = { ...process.env, PERFMEM_DIR: base };
  const rows = JSON.parse((await perfmem(['ps', '--json'], { env })).stdout) as JsonRow[];
  const row = rows.find((r) => r.pid === dead);
  assert.ok(row, 'listed');
  assert.equal(row.state, 'stale');
  assert.equal(row.kind, 'jvm');
  assert.equal(row.uptimeMs, undefined);
  const text = (await perfmem(['ps'], { env })).stdout.split('\n').find((l) => l.trimStart().startsWith(`${dead} `))!;
  assert.match(text, / jvm +stale +- /);
});

test('ps: jps\'s naming rules, the table layout, and bad options', async () => {
  assert.equal(shortName('jvm', 'org.example.Main a b', false), 'Main');
  assert.equal(shortName('jvm', '/opt/app/server.jar --port 1', false), 'server.jar');
  assert.equal(shortName('jvm', 'jdk.compiler/com.sun.tools.javac.launcher.Main x', false), 'Main');
  assert.equal(shortName('jvm', 'org.example.Main a', true), 'org.example.Main');
  assert.equal(shortName('node', '/srv/app/index.js --x', false), 'index.js');
  const rows: PsRow[] = [
    { pid: 7, user: 'u', kind: 'node', readable: true, state: 'blocked', blockedForMs: 4200, uptimeMs: 192_000, command: '/a/app.js x', vmArgs: '--inspect', vmName: 'Node.js', path: '/tmp/hsperfdata_u/7' },
    { pid: 12345, user: 'u', kind: 'jvm', readable: true, state: 'stale', blockedForMs: 0, uptimeMs: undefined, command: 'Main', vmArgs: '', vmName: '', path: '/tmp/hsperfdata_u/12345' },
  ];
  assert.equal(formatTable(rows, { long: false, args: true, vmArgs: true }),
    '  PID  KIND  STATE         UPTIME  USER  COMMAND\n' +
    '    7  node  blocked 4.2s  3m12s   u     app.js x --inspect\n' +
    '12345  jvm   stale         -       u     Main\n');
  const bad = await perfmem(['ps', '-x']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "perfmem: ps: unknown option '-x'\nusage: perfmem ps [-q] [-l] [-m] [-v] [-a] [--json]\n");
});

test('ps names where a blocked loop is stuck: "blocked 3.2s in handleRequest (subject.mjs:18)", from the watchdog stack counters', { timeout: 60_000 }, async (t) => {
  // The subject publishes a stack taken "now" under the names of runtime/stack-format, then blocks
  // in a function of that name (a watchdog capturing the real stack would name the same frame).
  const app = `
import { currentRegion } from ${JSON.stringify(new URL('../../src/perfmemory/index.js', import.meta.url).href)};
const r = currentRegion();
const text = r.counter('node.watchdog.stack') ?? r.string('node.watchdog.stack', '', { variability: 'variable', maxLength: 1024 });
const time = r.counter('node.watchdog.stack.time') ?? r.long('node.watchdog.stack.time', { units: 'ticks', variability: 'variable' });
function handleRequest(ms) { const end = Date.now() + ms; while (Date.now() < end); }
process.on('SIGUSR2', () => {
  text.set('handleRequest (file:///srv/app/subject.mjs:18:5)\\nmain (file:///srv/app/subject.mjs:30:1)');
  time.set(process.hrtime.bigint());
  handleRequest(6000);
});
setInterval(() => {}, 1000);
console.log('ready');
`;
  const node = await startNode(t, app, { PERFMEM_PERIOD_MS: '200' });
  const row = async () => (JSON.parse((await perfmem(['ps', '--json'])).stdout) as PsRow[]).find((r) => r.pid === node.pid)!;
  assert.equal((await row()).blockedIn, undefined, 'not blocked: no frame');
  node.child.kill('SIGUSR2');
  const end = Date.now() + 5000;
  let during = await row();
  while (during.state !== 'blocked') {
    assert.ok(Date.now() < end, 'blocked within 5 s');
    await new Promise((r) => setTimeout(r, 100));
    during = await row();
  }
  assert.equal(during.blockedIn, 'handleRequest (subject.mjs:18)');
  const line = (await perfmem(['ps'])).stdout.split('\n').find((l) => l.trimStart().startsWith(`${node.pid} `))!;
  assert.match(line, / node +blocked \d+(\.\d)?(s|ms) in handleRequest \(subject\.mjs:18\) /);
});

test('ps as a user who cannot read some regions: left out with a count, or with -a listed as "not readable", no uptime', { timeout: 60_000 }, async (t) => {
  if (process.geteuid?.() !== 0) return t.skip('needs root, to run perfmem as another user');
  try {
    execFileSync('setpriv', ['--version'], { stdio: 'ignore' });
  } catch {
    return t.skip('setpriv not found');
  }
  const node = await startNode(t, "setInterval(() => {}, 1000); console.log('ready');");
  const asNobody = (args: string[]) => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'ps', ...args],
    { encoding: 'utf8', cwd: '/' });
  const plain = asNobody([]);
  assert.equal(plain.status, 0, plain.stderr);
  assert.ok(!plain.stdout.split('\n').some((l) => l.trimStart().startsWith(`${node.pid} `)), 'left out by default');
  assert.match(plain.stderr, /^perfmem: \d+ regions? of other users not readable \(perfmem ps -a lists them\)\n$/);
  const all = asNobody(['-a']);
  const line = all.stdout.split('\n').find((l) => l.trimStart().startsWith(`${node.pid} `))!;
  assert.match(line, new RegExp(`^ *${node.pid} +- +running +- +root +-- not readable \\(user root\\)$`));
  const json = JSON.parse(asNobody(['-a', '--json']).stdout) as PsRow[];
  const row = json.find((r) => r.pid === node.pid)!;
  assert.deepEqual({ readable: row.readable, kind: row.kind, uptimeMs: row.uptimeMs }, { readable: false, kind: 'unknown', uptimeMs: undefined });
});
