/**
 * What `snap` and `stat` read of a live process: the region and /proc/<pid>/stat once for the
 * first read (the snapshot that was judged for staleness is the one shown), fresh reads after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { openTarget } from '../../src/cli/target.js';
import { startNode } from './helpers.js';

/**
 * Counts fs.readSync calls, and the files opened by path (openSync, readFileSync), while `fn`
 * runs (ES module imports of node:fs see the counting functions).
 */
function countReads<T>(fn: () => T): { result: T; preads: number; files: string[] } {
  const { readSync, readFileSync, openSync } = fs;
  let preads = 0;
  const files: string[] = [];
  fs.readSync = ((...args: Parameters<typeof readSync>) => {
    preads++;
    return readSync(...args);
  }) as typeof readSync;
  fs.readFileSync = ((...args: Parameters<typeof readFileSync>) => {
    files.push(String(args[0]));
    return readFileSync(...args);
  }) as typeof readFileSync;
  fs.openSync = ((...args: Parameters<typeof openSync>) => {
    files.push(String(args[0]));
    return openSync(...args);
  }) as typeof openSync;
  syncBuiltinESMExports();
  try {
    return { result: fn(), preads, files };
  } finally {
    fs.readSync = readSync;
    fs.readFileSync = readFileSync;
    fs.openSync = openSync;
    syncBuiltinESMExports();
  }
}

test('a live target reads its region and /proc/<pid>/stat once for the first read; later reads are fresh', async (t) => {
  const node = await startNode(t, "setInterval(() => {}, 1000); console.log('ready');");
  const stat = `/proc/${node.pid}/stat`;
  const open = countReads(() => openTarget(String(node.pid)));
  const target = open.result;
  t.after(() => target.close());
  assert.equal(target.stale, undefined);
  assert.equal(open.files.filter((f) => f === stat).length, 1, `one read of ${stat} to judge staleness: ${open.files.join(', ')}`);
  assert.ok(open.preads > 0, 'the region was read at open');

  const first = countReads(() => target.read());
  assert.ok(first.result !== undefined && first.result.counters.some((c) => c.name === 'perfmem.proc.starttime'));
  assert.equal(first.preads, 0, 'the first read is the snapshot taken at open');
  assert.deepEqual(first.files, [], 'and needs no /proc read');

  const second = countReads(() => target.read());
  assert.ok(second.result !== undefined);
  assert.ok(second.preads > 0, 'a later read copies the region again');
  assert.ok(second.files.includes(stat), 'and checks the process again');
});
