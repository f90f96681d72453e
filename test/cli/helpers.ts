/**
 * Test helpers for the CLI: run `bin/perfmem.js` as a child process, and start real JVMs
 * and instrumented Node processes as subjects (always killed at the end of the test).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';

const execFileP = promisify(execFile);

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO, 'bin/perfmem.js');
export const REGISTER = join(REPO, 'dist/src/runtime/register.js');

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs `perfmem <args>` and collects its output (never throws on a non-zero exit). */
export async function perfmem(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [BIN, ...args], {
      env: options.env ?? process.env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

export async function tool(cmd: string, args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { timeout: 60_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let jdk: boolean | undefined;
/** True when java, javac, jps and jstat are on PATH. */
export function haveJdk(): boolean {
  if (jdk === undefined) {
    try {
      for (const t of ['java', 'javac', 'jstat', 'jps']) execFileSync('which', [t], { stdio: 'ignore' });
      jdk = true;
    } catch {
      jdk = false;
    }
  }
  return jdk;
}

/** The region file of a process in the JDK's place. */
export function hsperfdataPath(pid: number): string {
  return `/tmp/hsperfdata_${userInfo().username}/${pid}`;
}

export interface Subject { pid: number; child: ChildProcess; stop(): Promise<void> }

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
}

/** Waits until `line` appears on the child's stdout. */
function waitForLine(child: ChildProcess, line: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for '${line}' (got: ${seen})`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`subject exited with ${code} before '${line}': ${seen}`));
    });
  });
}

async function waitForFile(path: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > end) throw new Error(`no region file ${path}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const JAVA_SUBJECT = `
public class PerfmemSubject {
  static Object keep;
  public static void main(String[] args) throws Exception {
    // Some garbage and a few collections, so that the GC columns hold more than zeros.
    for (int round = 0; round < 3; round++) {
      java.util.List<byte[]> list = new java.util.ArrayList<>();
      for (int i = 0; i < 2000; i++) list.add(new byte[1024 + i]);
      keep = list;
      System.gc();
    }
    System.out.println("ready");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
`;

let javaClasses: string | undefined;
function compiledSubject(): string {
  if (javaClasses === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'perfmem-jvm-'));
    writeFileSync(join(dir, 'PerfmemSubject.java'), JAVA_SUBJECT);
    execFileSync('javac', ['-d', dir, join(dir, 'PerfmemSubject.java')]);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    javaClasses = dir;
  }
  return javaClasses;
}

/** A real JDK JVM that collected a little garbage and now sleeps; killed by `stop()`. */
export async function startJvm(t: TestContext, jvmArgs: string[] = []): Promise<Subject> {
  const child = spawn('java', [...jvmArgs, '-cp', compiledSubject(), 'PerfmemSubject', 'arg1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = stopper(child);
  t.after(stop);
  await waitForLine(child, 'ready', 30_000);
  await waitForFile(hsperfdataPath(child.pid!));
  return { pid: child.pid!, child, stop };
}

/** A Node process running `script` (source text) under `--import perfmem/register`. */
export async function startNode(t: TestContext, script: string, env: NodeJS.ProcessEnv = {}): Promise<Subject> {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-node-'));
  const file = join(dir, 'subject.mjs');
  writeFileSync(file, script);
  const child = spawn(process.execPath, ['--import', REGISTER, file, 'demo-arg'], {
    stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env },
  });
  const stop = stopper(child);
  t.after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await waitForLine(child, 'ready', 15_000);
  await waitForFile(hsperfdataPath(child.pid!));
  return { pid: child.pid!, child, stop };
}

/** Runs `fn` over `items`, `width` at a time. */
export async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for servers a test starts by port). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
