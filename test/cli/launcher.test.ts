/**
 * bin/perfmem.js executed as a command goes through its /bin/sh launcher (the file's first
 * lines): the local commands start node without NODE_EXTRA_CA_CERTS (Node parses that file at
 * every start) and `ps` with --no-opt on node's command line; serve, otlp and demo keep the
 * variable. The launcher runs from a symlink, as npm's node_modules/.bin links it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BIN } from './helpers.js';

const execFileP = promisify(execFile);
const CERT_WARNING = /Ignoring extra certs/;
/** Node 20 parses NODE_EXTRA_CA_CERTS at start and warns about a missing file; a Node that loads it lazily does not. */
const PARSES_AT_START = CERT_WARNING.test(spawnSync(process.execPath, ['-e', '0'], {
  encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: '/nonexistent/perfmem-test-certs.pem' },
}).stderr);

/** A scratch dir with a symlink to the bin and a preload that records what node was started with. */
function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-launcher-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const link = join(dir, 'perfmem');
  symlinkSync(BIN, link);
  const record = join(dir, 'record.cjs');
  const out = join(dir, 'started.json');
  writeFileSync(record, `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({
    execArgv: process.execArgv, argv: process.argv.slice(1), certs: process.env.NODE_EXTRA_CA_CERTS ?? null }));\n`);
  return { dir, link, record, out };
}

/** Runs `file args` with a missing NODE_EXTRA_CA_CERTS (Node warns at start when it parses it) and the preload. */
async function run(file: string, args: string[], record: string, env: NodeJS.ProcessEnv = {}) {
  const options = {
    env: {
      ...process.env, ...env,
      // The launcher runs `node` from PATH: this Node's, as the test runs.
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      NODE_EXTRA_CA_CERTS: '/nonexistent/perfmem-test-certs.pem',
      NODE_OPTIONS: `--require ${record}`,
    },
    encoding: 'utf8' as const,
  };
  try {
    const { stdout, stderr } = await execFileP(file, args, options);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('through the launcher (a symlink, as npm links it), a local command starts without NODE_EXTRA_CA_CERTS and gets its arguments intact', async (t) => {
  const { link, record, out } = setup(t);
  const odd = ['snap', '/nonexistent dir/it\'s "$HOME" *'];
  const res = await run(link, odd, record);
  assert.equal(res.code, 1, res.stderr);
  assert.doesNotMatch(res.stderr, CERT_WARNING);
  assert.match(res.stderr, /^perfmem: .*nonexistent dir\/it's "\$HOME" \*/m);
  const started = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(started.certs, null);
  assert.deepEqual(started.argv.slice(1), odd);
  assert.deepEqual(started.execArgv, []);
  for (const args of [['version'], ['stat', '--help'], ['shm', '--help'], ['register-path']]) {
    const r = await run(link, args, record);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, CERT_WARNING, args.join(' '));
  }
});

test('the launcher starts `ps` with --no-opt on node\'s command line, unless PERFMEM_NO_OPT=0', async (t) => {
  const { link, record, out } = setup(t);
  const res = await run(link, ['ps', '--help'], record);
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')).execArgv, ['--no-opt']);
  const on = await run(link, ['ps', '--help'], record, { PERFMEM_NO_OPT: '0' });
  assert.equal(on.code, 0, on.stderr);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')).execArgv, []);
  assert.equal(on.stdout, res.stdout);
});

test('serve and otlp keep NODE_EXTRA_CA_CERTS (they may speak TLS); `node bin/perfmem.js` bypasses the launcher', async (t) => {
  const { link, record, out } = setup(t);
  for (const command of ['serve', 'otlp']) {
    const res = await run(link, [command, '--help'], record);
    assert.equal(res.code, 0, res.stderr);
    if (PARSES_AT_START) assert.match(res.stderr, CERT_WARNING, `${command} keeps the variable: Node parsed it`);
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).certs, '/nonexistent/perfmem-test-certs.pem');
  }
  const direct = await run(process.execPath, [BIN, 'ps', '--help'], record);
  assert.equal(direct.code, 0, direct.stderr);
  assert.equal(JSON.parse(readFileSync(out, 'utf8')).certs, '/nonexistent/perfmem-test-certs.pem');
  if (PARSES_AT_START) assert.match(direct.stderr, CERT_WARNING, 'without the launcher, Node parses the variable');
});

test('the launcher\'s list of local commands is every command of `perfmem` but serve, otlp and demo', async () => {
  const { usage } = await import('../../src/cli/main.js');
  const commands = [...usage().matchAll(/^ {2}([\w-]+) /gm)].map((m) => m[1]!);
  assert.ok(commands.includes('ps') && commands.includes('serve'), usage());
  const pattern = /^":" \/\/; case "\$1" in ([^)]*)\) unset NODE_EXTRA_CA_CERTS;; esac$/m.exec(readFileSync(BIN, 'utf8'));
  assert.ok(pattern !== null, 'the launcher line is where the test expects it');
  const local = pattern[1]!.split('|').filter((c) => /^[a-z][\w-]*$/.test(c));
  assert.deepEqual(local.filter((c) => c !== 'help' && c !== 'version').sort(),
    commands.filter((c) => !['serve', 'otlp', 'demo'].includes(c)).sort());
});
