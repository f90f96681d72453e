/** Test helpers for the region layer: private base directories, live and dead processes. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The compiled fixtures directory (dist/test/fixtures). */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

let counter = 0;
/** A fresh base directory (like /tmp) for this test, removed by the returned function. */
export function tempBase(tag: string): { base: string; remove: () => void } {
  const base = `/tmp/perfmem-test-${tag}-${process.pid}-${counter++}`;
  rmSync(base, { recursive: true, force: true });
  mkdirSync(base, { mode: 0o755 });
  return { base, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** A live process that does nothing until killed (`kill()` it in finally). */
export function sleeper(): ChildProcess & { pid: number } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not start a child process');
  return child as ChildProcess & { pid: number };
}

/** The pid of a process that has exited (and been reaped). */
export function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Runs a compiled fixture script with node and collects how it ended. */
export async function runFixture(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; signal?: NodeJS.Signals; signalAfter?: string } = {}):
  Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), FIXTURES + script, ...args], {
    env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (options.signal !== undefined && options.signalAfter !== undefined && stdout.includes(options.signalAfter)) {
      const sig = options.signal;
      options.signalAfter = undefined;
      child.kill(sig);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}
