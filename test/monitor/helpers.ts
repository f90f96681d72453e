/** Test helpers for the monitor and the server: the runtime fixture app, driven line by line. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REGISTER, REPO } from '../cli/helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const APP = join(REPO, 'dist/test/fixtures/runtime-app.js');

export interface App { child: ChildProcess; pid: number; lines: string[]; send(cmd: string): void; waitFor(re: RegExp, timeoutMs?: number): Promise<string> }

/** The runtime fixture app (test/fixtures/runtime-app.ts) under perfmem/register, its region in `dir`. */
export async function startApp(dir: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<App> {
  const child = spawn(process.execPath, ['--import', REGISTER, APP, ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, PERFMEM_DIR: dir, ...env } });
  const lines: string[] = [];
  let buffered = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffered += d.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  const app: App = {
    child, pid: child.pid!, lines,
    send: (cmd) => { child.stdin!.write(`${cmd}\n`); },
    async waitFor(re, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) return hit;
        if (Date.now() > end || child.exitCode !== null) throw new Error(`no line ${re} in ${JSON.stringify(lines)}`);
        await sleep(20);
      }
    },
  };
  await app.waitFor(/^ready/);
  return app;
}

