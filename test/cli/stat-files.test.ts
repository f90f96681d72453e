/**
 * `perfmem stat` on saved regions of JVMs from JDK 6 to 8 (Linux, macOS, Windows): every
 * option prints, to the character, what the JDK's jstat prints for `file://` the same file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { fixtureFiles } from '../perfdata/jdk.js';
import { haveJdk, inParallel, perfmem, tool } from './helpers.js';
import { jvmOptions } from '../../src/cli/jvm-options.js';

test('stat on saved JVM regions: the same text as jstat for every option', { timeout: 180_000 }, async (t) => {
  if (!haveJdk()) return t.skip('jstat not found');
  const files = fixtureFiles();
  // Every option on the oldest and newest JVM's files, -gcutil and -t -gc on all of them.
  const full = new Set(['xin_2036', 'xin_13984']);
  const cases: [string, string[]][] = [];
  for (const file of files) {
    const options = full.has(basename(file)) ? jvmOptions.map((o) => [`-${o.name}`]) : [['-gcutil'], ['-gc', '-t']];
    for (const args of options) cases.push([file, args]);
  }
  await inParallel(cases, 4, async ([file, args]) => {
    const ours = await perfmem(['stat', ...args, file, '10', '2']);
    const theirs = await tool('jstat', [...args, `file://${file}`, '10', '2']);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, theirs.stdout, `${basename(file)} ${args.join(' ')}`);
  });
});
