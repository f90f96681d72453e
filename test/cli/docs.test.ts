/**
 * The docs stay true: the README's counter figures are counted in a live process, every Node
 * column of `stat` (header and JSON name) is in docs/tools.md, the README's safe `perfmem`
 * commands run, and every link of the README resolves inside the packed package.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { REGISTER, REPO, perfmem } from './helpers.js';
import { nodeOptions, nodeTimestampColumn } from '../../src/cli/node-options.js';

const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const TOOLS = readFileSync(join(REPO, 'docs/tools.md'), 'utf8');

/** A registered idle Node process under its own PERFMEM_DIR. */
async function idleNode(t: { after(fn: () => void): void }): Promise<{ pid: number; env: NodeJS.ProcessEnv }> {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-docs-'));
  const env = { ...process.env, PERFMEM_DIR: dir };
  const child = spawn(process.execPath, ['--import', REGISTER, '-e', 'setInterval(() => {}, 1000)', 'app.js', '--port', '8080'], { env, stdio: 'ignore' });
  t.after(() => { child.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });
  const file = join(dir, `hsperfdata_${userInfo().username}`, String(child.pid));
  const end = Date.now() + 15_000;
  while (!existsSync(file)) {
    assert.ok(Date.now() < end, 'region created');
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 1500)); // a few samples: every collector has declared its counters
  return { pid: child.pid!, env };
}

function marker(name: string): number {
  const m = new RegExp(`<!-- counters:${name} -->(\\d+)<!-- /counters -->`).exec(README);
  assert.ok(m, `README marker counters:${name}`);
  return Number(m[1]);
}

test('README: the counter figures are what a live registered process publishes', { timeout: 60_000 }, async (t) => {
  const { pid, env } = await idleNode(t);
  const r = await perfmem(['snap', String(pid), '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const names = (JSON.parse(r.stdout) as { name: string }[]).map((c) => c.name);
  // The rule the README states: node.* without the per-resource-type, per-worker and per-bucket ones.
  const node = names.filter((n) => n.startsWith('node.') && !n.startsWith('node.eventLoop.delay.bucket.') && !n.startsWith('node.worker.')
    && !(n.startsWith('node.resources.') && n !== 'node.resources.total'));
  assert.equal(node.length, marker('node'), 'update the README figure (and this is why it cannot drift)');
  assert.equal(names.filter((n) => /^(sun|java)\./.test(n)).length, marker('jdk'));
});

test('docs/tools.md names every Node column of stat and its JSON name', () => {
  for (const option of nodeOptions) {
    assert.ok(TOOLS.includes(`\`-${option.name}\``), option.name);
    for (const c of option.columns) {
      assert.ok(TOOLS.includes(`\`${c.json}\` (${c.header})`), `${option.name}: \`${c.json}\` (${c.header})`);
    }
  }
  assert.ok(TOOLS.includes(`\`${nodeTimestampColumn.json}\` (Timestamp`));
  for (const extra of ['elu', 'delaySamples', 'delaySource', 'cpuIntervalMs', 'intervalMs', 'blockedMs', 'fresh', 'stale']) {
    assert.ok(TOOLS.includes(`\`${extra}\``), extra);
  }
});

/** `perfmem ...` command lines in the README's code blocks (prompt and comments removed). */
function readmeCommands(): string[][] {
  const out: string[][] = [];
  for (const block of README.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (let line of block[1]!.split('\n')) {
      line = line.replace(/^\$ /, '').replace(/\s+#.*$/, '').trim();
      const m = /^(?:npx )?perfmem (.*)$/.exec(line);
      if (m !== null && !/[|&$;<>]/.test(m[1]!)) out.push(m[1]!.split(/\s+/));
    }
  }
  return out;
}

test('the README\'s perfmem commands run (the safe ones, on a live process for a pid)', { timeout: 120_000 }, async (t) => {
  const { pid, env } = await idleNode(t);
  const commands = readmeCommands();
  assert.ok(commands.length >= 3, JSON.stringify(commands));
  const safe = new Set(['ps', 'snap', 'stat', 'register-path', 'help', 'version']);
  let ran = 0;
  for (const args of commands) {
    if (!safe.has(args[0]!) && !(args[0] === 'shm' && args[1] === 'ls')) continue;
    const real = args.map((a) => (/^\d{4,}$/.test(a) ? String(pid) : a));
    // `stat ... <interval>` without a count runs until stopped: two rows here.
    if (real[0] === 'stat' && real.length >= 4 && /^\d+(ms|s)?$/.test(real[real.length - 1]!) && real.indexOf(String(pid)) === real.length - 2) real.push('2');
    const r = await perfmem(real, { env });
    assert.equal(r.code, 0, `perfmem ${real.join(' ')}: ${r.stderr}`);
    ran++;
  }
  assert.ok(ran >= 2, `ran ${ran}`);
});

test('npm pack: every link of the README resolves inside the package', { timeout: 120_000 }, (t) => {
  let files: string[];
  try {
    const json = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    files = (JSON.parse(json) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  } catch (err) {
    return t.skip(`npm pack failed here: ${(err as Error).message.split('\n')[0]}`);
  }
  const links = [...README.matchAll(/\]\(([^)#:]+)(#[^)]*)?\)/g)].map((m) => m[1]!);
  assert.ok(links.length > 0);
  for (const link of links) assert.ok(files.includes(link), `${link} is linked from the README but not packed`);
  assert.ok(files.includes('bin/perfmem.js') && files.includes('dist/src/runtime/register.js'));
});
