import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePerfData, readHeader, locateEntries, PSEUDO_COUNTER_NAMES } from '../../src/perfdata/index.js';
import { formatSnap } from '../../src/cli/snap-format.js';
import { fixtureFiles, haveJdk, jstatSnap } from './jdk.js';

const files = fixtureFiles();

test('there are real JVM fixture files to read', () => {
  assert.ok(files.length >= 7, `found ${files.length} fixture files`);
});

for (const file of files) {
  const name = file.slice(file.lastIndexOf('/') + 1);

  test(`${name}: parses to exactly what jstat -snap -v prints`, async (t) => {
    if (!haveJdk()) return t.skip('jstat not found');
    const parsed = parsePerfData(readFileSync(file));
    const [expected, expectedPlain] = await Promise.all([jstatSnap(`file://${file}`, true), jstatSnap(`file://${file}`, false)]);
    assert.equal(formatSnap(parsed.counters, { verbose: true }), expected);
    assert.equal(formatSnap(parsed.counters), expectedPlain);
  });

  test(`${name}: prologue and entries are consistent with HotSpot's accounting`, () => {
    const bytes = readFileSync(file);
    const header = readHeader(bytes);
    assert.equal(header.size, bytes.length);
    assert.equal(header.majorVersion, 2);
    assert.equal(header.minorVersion, 0);
    assert.equal(header.entryOffset, 32);
    assert.equal(header.overflow, 0);
    const entries = locateEntries(bytes, header);
    // Without overflow, every entry HotSpot allocated is in the file and used counts them all.
    assert.equal(entries.length, header.numEntries);
    const last = entries[entries.length - 1];
    assert.ok(last !== undefined);
    assert.equal(last.offset + last.length, header.used);
    for (const e of entries) {
      assert.equal(e.offset % 8, 0, `${e.name} is 8-byte aligned`);
      assert.equal(e.length % 8, 0);
      if (e.type === 'long') assert.equal((e.dataOffset - e.offset) % 8, 0, `${e.name}'s value is 8-byte aligned`);
    }
    const parsed = parsePerfData(bytes);
    assert.equal(parsed.counters.length, entries.length + PSEUDO_COUNTER_NAMES.length);
    assert.equal(parsePerfData(bytes, { pseudoCounters: false }).counters.length, entries.length);
  });
}
