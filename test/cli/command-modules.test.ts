/**
 * What a short command loads: `perfmem snap` and `perfmem ps` read other processes' regions,
 * so their bundles hold none of the region writer's modules, whose top-level code would run at
 * every start (identity.ts takes the process's start clock from node:perf_hooks, shm/mapping.ts
 * reads /proc/sys/vm/max_map_count). Node's list of loaded built-in modules tells.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, startNode } from './helpers.js';

const execFileP = promisify(execFile);

/** The built-in modules `perfmem <args>` loaded (process.moduleLoadList at exit), and its output. */
async function builtinsOf(args: string[], dir: string): Promise<{ modules: string[]; stdout: string }> {
  const list = join(dir, `modules-${args[0]}.txt`);
  const preload = join(dir, 'record.cjs');
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
  const { stdout } = await execFileP(process.execPath, ['-r', preload, BIN, ...args], { maxBuffer: 16 << 20 });
  return { modules: readFileSync(list, 'utf8').split('\n'), stdout };
}

test('snap and ps load no module of the region writer (no node:perf_hooks at start)', async (t) => {
  const node = await startNode(t, "setInterval(() => {}, 1000); console.log('ready');");
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-command-modules-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const snap = await builtinsOf(['snap', String(node.pid)], dir);
  assert.match(snap.stdout, /^perfmem\.proc\.starttime=\d+$/m, 'snap printed the counters');
  const ps = await builtinsOf(['ps'], dir);
  assert.match(ps.stdout, new RegExp(`^\\s*${node.pid}\\s+node\\s`, 'm'), 'ps listed the process');
  for (const [name, run] of [['snap', snap], ['ps', ps]] as const) {
    assert.ok(run.modules.includes('NativeModule fs'), `${name}: the list is Node's module list`);
    assert.ok(!run.modules.includes('NativeModule perf_hooks'), `${name} loaded node:perf_hooks`);
  }
});
