/**
 * Runs test/fixtures/runtime-app.js as a real child Node process with perfmem/register
 * preloaded, and talks to it line by line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const REGISTER = fileURLToPath(new URL('../../src/runtime/register.js', import.meta.url));
export const APP = fileURLToPath(new URL('../fixtures/runtime-app.js', import.meta.url));

export interface AppOptions {
  env?: Record<string, string>;
  nodeArgs?: string[];
  args?: string[];
  /** Preload perfmem/register (default true). */
  register?: boolean;
  /** Run as this user (the test runs as root). */
  uid?: number;
  gid?: number;
}

export class AppProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout = '';
  stderr = '';
  readonly #waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.pid = child.pid!;
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { this.stderr += d; });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.stdout += `${line}\n`;
      for (let i = 0; i < this.#waiters.length; i++) {
        const m = line.match(this.#waiters[i]!.pattern);
        if (m) { this.#waiters.splice(i, 1)[0]!.resolve(m); break; }
      }
    });
    this.exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  static async start(options: AppOptions = {}): Promise<AppProcess> {
    const preload = options.register === false ? [] : ['--import', REGISTER];
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...preload, APP, ...(options.args ?? [])], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    });
    const app = new AppProcess(child);
    await app.line(/^ready (\d+)$/);
    return app;
  }

  /** The next stdout line matching `pattern` (lines already read are not searched). */
  line(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no line ${pattern} within ${timeoutMs} ms; stdout=${this.stdout} stderr=${this.stderr}`)), timeoutMs);
      this.#waiters.push({ pattern, resolve: (m) => { clearTimeout(timer); resolve(m); } });
    });
  }

  send(command: string): void {
    this.child.stdin!.write(`${command}\n`);
  }

  async request(command: string, answer: RegExp): Promise<RegExpMatchArray> {
    const reply = this.line(answer);
    this.send(command);
    return reply;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** A private PERFMEM_DIR for one test, removed afterwards. */
export function tempBase(): { dir: string; regionPath: (pid: number) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `perfmem-runtime-${process.pid}-`));
  const user = userInfo().username;
  return {
    dir,
    regionPath: (pid) => join(dir, `hsperfdata_${user}`, String(pid)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function exists(path: string): boolean {
  return existsSync(path);
}
