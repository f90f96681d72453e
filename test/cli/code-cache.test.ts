/**
 * The CLI bundle's V8 code caches (scripts/bundle.mjs writes them, bin/perfmem.js reads them):
 * this Node accepts them, and a cache that does not fit its file is refused without changing
 * what a command prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Script } from 'node:vm';
import { fixtureFiles } from '../perfdata/jdk.js';
import { perfmem, REPO } from './helpers.js';

const BUNDLE = join(REPO, 'dist/src/cli-bundle');
const SHORT_LIVED = ['main', 'errors', 'ps', 'snap', 'stat', 'stack', 'shm', 'register-path'];

/** Compiles `file` as bin/perfmem.js does, with `cache`; true when V8 took the cache. */
function accepted(file: string, cache: Buffer): boolean {
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData: cache });
  return script.cachedDataRejected === false;
}

test('every short-lived command has a code cache this Node accepts; the long-running ones have none', () => {
  for (const name of SHORT_LIVED) {
    const file = join(BUNDLE, `${name}.cjs`);
    assert.ok(accepted(file, readFileSync(`${file}.cache`)), `${name}.cjs.cache is accepted`);
  }
  const caches = readdirSync(BUNDLE).filter((n) => n.endsWith('.cache')).map((n) => n.slice(0, -'.cjs.cache'.length));
  assert.deepEqual(caches.sort(), [...SHORT_LIVED].sort());
});

test('a cache that does not fit its file (another file\'s, or older than it) is not used: the output is the same', async (t) => {
  // A copy of the command (bin/ and the CLI bundle, as the package lays them out) to spoil.
  const root = mkdtempSync(join(tmpdir(), 'perfmem-code-cache-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(REPO, 'bin'), join(root, 'bin'), { recursive: true });
  cpSync(BUNDLE, join(root, 'dist/src/cli-bundle'), { recursive: true });
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
