/**
 * The CLI bundle's V8 code caches (scripts/bundle.mjs writes them, bin/perfmem.js reads them):
 * this Node accepts them, and a cache that does not fit its file is refused without changing
 * what a command prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Script } from 'node:vm';
import { fixtureFiles } from '../perfdata/jdk.js';
import { perfmem, REPO } from './helpers.js';

const BUNDLE = join(REPO, 'dist/src/cli-bundle');
const SHORT_LIVED = ['main', 'errors', 'ps', 'snap', 'stat', 'stack', 'shm', 'register-path'];

/** Compiles `file` as bin/perfmem.js does (its text, already in the module wrapper), with `cache`; true when V8 took the cache. */
function accepted(file: string, cache: Buffer): boolean {
  const script = new Script(readFileSync(file, 'utf8'), { filename: file, cachedData: cache });
  return script.cachedDataRejected === false;
}

/** The same in a process under V8's --no-opt, as bin/perfmem.js runs `ps` (V8 refuses a cache made under other flags). */
function acceptedWithoutOpt(file: string): boolean {
  const check = `const { readFileSync } = require('node:fs');
    const file = process.argv[1];
    const script = new (require('node:vm').Script)(readFileSync(file, 'utf8'), { filename: file, cachedData: readFileSync(file + '.cache') });
    process.stdout.write(String(script.cachedDataRejected === false));`;
  return execFileSync(process.execPath, ['--no-opt', '-e', check, file], { encoding: 'utf8' }) === 'true';
}

test('every short-lived command has a code cache this Node accepts (ps\'s under --no-opt, as it runs); the long-running ones have none', () => {
  for (const name of SHORT_LIVED) {
    const file = join(BUNDLE, `${name}.cjs`);
    if (name === 'ps') {
      assert.ok(acceptedWithoutOpt(file), 'ps.cjs.cache is accepted under --no-opt');
      assert.ok(!accepted(file, readFileSync(`${file}.cache`)), 'ps.cjs.cache is refused under default flags (the control)');
    } else {
      assert.ok(accepted(file, readFileSync(`${file}.cache`)), `${name}.cjs.cache is accepted`);
    }
  }
  const caches = readdirSync(BUNDLE).filter((n) => n.endsWith('.cache')).map((n) => n.slice(0, -'.cjs.cache'.length));
  assert.deepEqual(caches.sort(), [...SHORT_LIVED].sort());
});

test('a cache that does not fit its file (another file\'s, or older than it) is not used: the output is the same', async (t) => {
  // A copy of the command (bin/, the CLI bundle and its loader, as the package lays them out) to spoil.
  const root = mkdtempSync(join(tmpdir(), 'perfmem-code-cache-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(REPO, 'bin'), join(root, 'bin'), { recursive: true });
  cpSync(BUNDLE, join(root, 'dist/src/cli-bundle'), { recursive: true });
  copyFileSync(join(REPO, 'dist/src/bundle-load.cjs'), join(root, 'dist/src/bundle-load.cjs'));
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
  const copy = join(root, 'dist/src/cli-bundle');
  assert.ok(!existsSync(join(root, 'dist/.tsbuildinfo')));

  // snap's cache replaced by ps's: a valid V8 cache, for another source.
  copyFileSync(join(copy, 'ps.cjs.cache'), join(copy, 'snap.cjs.cache'));
  assert.equal(accepted(join(copy, 'snap.cjs'), readFileSync(join(copy, 'snap.cjs.cache'))), false);
  // main's cache made older than main.cjs: bin/perfmem.js does not even hand it to V8.
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(join(copy, 'main.cjs.cache'), old, old);

  const [file] = fixtureFiles();
  const expected = await perfmem(['snap', file!]);
  assert.equal(expected.code, 0, expected.stderr);
  const got = await promisify(execFile)(process.execPath, [join(root, 'bin/perfmem.js'), 'snap', file!], { encoding: 'utf8' });
  assert.equal(got.stdout, expected.stdout);
  assert.equal(got.stderr, '');
  // And with the cache turned off.
  const off = await perfmem(['snap', file!], { env: { ...process.env, PERFMEM_CODE_CACHE: '0' } });
  assert.equal(off.stdout, expected.stdout);
});

test('`perfmem ps` runs the same with V8\'s optimizing compiler off (its default) and on (PERFMEM_NO_OPT=0)', async () => {
  const off = await perfmem(['ps', '--help']);
  const on = await perfmem(['ps', '--help'], { env: { ...process.env, PERFMEM_NO_OPT: '0' } });
  assert.equal(off.code, 0, off.stderr);
  assert.equal(on.code, 0, on.stderr);
  assert.match(off.stdout, /^usage: perfmem ps/);
  assert.equal(on.stdout, off.stdout);
  assert.equal(off.stderr, '');
});
