// Shared by the shm tests: unique object names that are always removed afterwards.
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let serial = 0;

/** A fresh '/name' unique to this process; `cleanup()` removes every one handed out. */
export function uniqueName(tag = 'obj'): string {
  const name = `/perfmem-test-${process.pid}-${tag}-${serial++}`;
  made.push(name);
  return name;
}

const made: string[] = [];

export function cleanup(): void {
  for (const name of made.splice(0)) rmSync(`/dev/shm${name}`, { force: true, recursive: true });
}

/** Runs test/fixtures/<script>.js with `args`; returns its exit status, signal and output. */
export function runFixture(script: string, args: string[], options: { uid?: number; gid?: number; shell?: string; wrap?: string[]; nodeArgs?: string[] } = {}) {
  const file = fileURLToPath(new URL(`../fixtures/${script}.js`, import.meta.url));
  const argv = [process.execPath, ...(options.nodeArgs ?? []), file, ...args];
  // `shell` runs first in the same shell (e.g. 'ulimit -n 64'); `wrap` is a command that ends by exec-ing its arguments.
  const command = options.shell !== undefined ? ['/bin/sh', '-c', `${options.shell}; exec "$@"`, 'sh', ...argv] : [...(options.wrap ?? []), ...argv];
  const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', uid: options.uid, gid: options.gid, timeout: 30_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export const isRoot = process.getuid?.() === 0;
