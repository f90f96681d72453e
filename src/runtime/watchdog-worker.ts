/**
 * The watchdog thread's body (see watchdog.ts). Opens this process's region from its own thread
 * (perfmemory's openRegionCounters), publishes CPU time, RSS and the main loop's heartbeat age,
 * and captures the main thread's JavaScript stack: automatically once a block has lasted
 * `stackAfterMs`, and on request (stack-request.ts).
 *
 * One wake-up per period while the loop runs: the thread sleeps until just after the main
 * thread's next sample is due. A late sample means a block; how long it has lasted comes from
 * the main thread's CPU time since the last sample (/proc/self/task/<pid>/schedstat, exact in
 * ns, so a CPU-bound block is dated to within a few ms whenever it began in the period), or at
 * least from the heartbeat's lateness; the thread then sleeps until the threshold is reached.
 *
 * The stack: an inspector session connected to the main thread (no port) enables the
 * debugger, asks for a pause, which V8 serves by interrupting the running JavaScript, takes
 * the call frames from the `Debugger.paused` event, resumes and disables the debugger.
 */
import { workerData } from 'node:worker_threads';
import { Session } from 'node:inspector';
import { closeSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { openRegionCounters } from '../perfmemory/index.js';
import { STACK_MAX_BYTES, STACK_STATUS, type StackStatus, type WatchdogData } from './watchdog.js';
import { formatStack } from './stack-format.js';
import { pendingRequests, requestDirectories, isRequestFor } from './stack-request.js';
import type { StackFrame } from '../monitor/types.js';

const data = workerData as WatchdogData;
const region = openRegionCounters(data.path);
const counter = (name: string) => region.long(name);
const c = data.counters;
const mainHeartbeat = counter(data.mainHeartbeat);
const heartbeat = counter(c.heartbeat), loopAge = counter(c.loopAge), maxLoopAge = counter(c.maxLoopAge);
const cpuUser = counter(c.cpuUser), cpuSystem = counter(c.cpuSystem), rss = counter(c.rss);
const stackText = region.string(c.stack), stackTime = counter(c.stackTime), stackWall = counter(c.stackWall);
const stackStatus = counter(c.stackStatus), stackSeq = counter(c.stackSeq), stackCost = counter(c.stackCost);
const periodNs = BigInt(data.periodMs) * 1_000_000n;
// How long after a sample was due the thread looks: room for a sample that is merely slow.
const slackMs = Math.min(100, Math.max(5, Math.floor(data.periodMs / 4)));
let maxAge = 0n;

// --- the main thread, seen from /proc (the main thread's tid is the pid) ---

const scratch = Buffer.alloc(128);
function readProc(path: string): string {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return ''; }
  try { return scratch.toString('latin1', 0, readSync(fd, scratch, 0, scratch.length, 0)); } catch { return ''; } finally { closeSync(fd); }
}
const schedstatPath = `/proc/self/task/${data.pid}/schedstat`;
/**
 * How long the main thread has been runnable, in ns: its time on a CPU plus its time waiting
 * for one (schedstat's first two fields), so that a CPU-bound block on a busy host counts in
 * full. 0 when /proc cannot tell.
 */
function mainRuntimeNs(): bigint {
  const text = readProc(schedstatPath);
  const m = /^(\d+) (\d+)/.exec(text);
  return m ? BigInt(m[1]!) + BigInt(m[2]!) : 0n;
}
// epoll_wait, epoll_pwait, epoll_pwait2 on x86-64; epoll_pwait, epoll_pwait2 on arm64.
const EPOLL_SYSCALLS: Record<string, readonly number[]> = { x64: [232, 281, 441], arm64: [22, 441] };
/** Whether the main thread waits for events in libuv's epoll (an idle loop), per /proc. */
function mainIsIdle(): boolean | undefined {
  const numbers = EPOLL_SYSCALLS[process.arch];
  const text = readProc(`/proc/self/task/${data.pid}/syscall`);
  if (numbers === undefined || text === '') return undefined;
  if (text.startsWith('running')) return false;
  return numbers.includes(Number(text.slice(0, text.indexOf(' '))));
}

/** Whether the main thread's sample is late by more than the slack: its loop is not turning. */
function sampleOverdue(): boolean {
  const beat = BigInt(mainHeartbeat.get());
  return beat > 0n && process.hrtime.bigint() - beat > periodNs + BigInt(slackMs) * 1_000_000n;
}

// --- stack capture ---

// Connected only while capturing: a session left connected makes Node print "Waiting for the
// debugger to disconnect..." when the process exits.
let session: Session | undefined;
function post(method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (session === undefined) { reject(new Error('no inspector session')); return; }
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

interface CdpFrame { functionName: string; url: string; location: { scriptId: string; lineNumber: number; columnNumber?: number } }

// Frames name their script by id (their own `url` is often empty): ids to URLs, as
// Debugger.enable reports every script. Bounded; an unknown id shows as its id.
const scriptUrls = new Map<string, string>();
const onScript = (m: { params: { scriptId: string; url: string } }): void => {
  if (scriptUrls.size < 100_000 && m.params.url !== '') scriptUrls.set(m.params.scriptId, m.params.url);
};

let capturing: Promise<void> | undefined;

/** Pauses the main thread's JavaScript long enough to read its frames (or finds it idle). */
async function captureStack(): Promise<{ status: StackStatus; frames: StackFrame[] }> {
  // In epoll with the sample overdue is a nested loop inside a native call (execSync,
  // spawnSync wait in one): nothing to pause. In epoll otherwise is an idle loop.
  if (mainIsIdle() === true) return { status: sampleOverdue() ? 'native' : 'idle', frames: [] };
  const s = new Session();
  s.connectToMainThread();
  session = s;
  scriptUrls.clear();
  s.on('Debugger.scriptParsed', onScript);
  let onPaused: ((m: { params: { callFrames: CdpFrame[] } }) => void) | undefined;
  const paused = new Promise<CdpFrame[] | undefined>((resolve) => {
    onPaused = (m) => resolve(m.params.callFrames);
    s.once('Debugger.paused', onPaused);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(resolve, 1000, undefined); });
  // The whole exchange is bounded: in a native call (sync I/O, Atomics.wait) the main thread
  // serves no inspector message at all until it returns to JavaScript.
  let answered = false;
  try {
    const frames = await Promise.race([
      (async () => {
        await post('Debugger.enable');
        await post('Debugger.pause');
        return paused;
      })(),
      timeout,
    ]);
    if (frames === undefined) {
      // No JavaScript ran within a second: a native call, or the loop went idle meanwhile.
      return { status: mainIsIdle() === true && !sampleOverdue() ? 'idle' : 'native', frames: [] };
    }
    await post('Debugger.resume');
    answered = true;
    return {
      status: 'frames',
      frames: frames.map((f) => ({ functionName: f.functionName, url: f.url || (scriptUrls.get(f.location.scriptId) ?? `script:${f.location.scriptId}`), line: f.location.lineNumber + 1, column: (f.location.columnNumber ?? 0) + 1 })),
    };
  } finally {
    clearTimeout(timer);
    // After a timeout the disable would wait like the rest: disconnecting ends the session,
    // and with it its debugger and the pending pause.
    if (answered) await post('Debugger.disable').catch(() => {});
    s.disconnect();
    session = undefined;
  }
}

/** Captures and publishes the stack; one capture at a time (a second asker shares it). */
function publishStack(): Promise<void> {
  capturing ??= (async () => {
    const begin = process.hrtime.bigint();
    let result: { status: StackStatus; frames: StackFrame[] };
    try {
      result = await captureStack();
    } catch {
      result = { status: 'native', frames: [] };
    }
    const end = process.hrtime.bigint();
    stackText.set(formatStack(result.frames, STACK_MAX_BYTES - 1));
    stackStatus.set(STACK_STATUS[result.status]);
    stackWall.set(Date.now());
    stackCost.set(end - begin);
    stackTime.set(end);
    // Last: a requester waits for the sequence (or the time) to move.
    stackSeq.inc();
  })().finally(() => { capturing = undefined; });
  return capturing;
}

// --- requests from `perfmem stack` ---

const dirs = requestDirectories(data.path, data.uid);
const served = new Set<string>();
const watchers = new Map<string, FSWatcher>();

function serveRequests(): void {
  const keys = dirs.flatMap((d) => pendingRequests(d, data.pid, data.uid));
  const fresh = keys.filter((k) => !served.has(k));
  // Forget requests whose files are gone (bounded by the files that exist).
  for (const k of served) if (!keys.includes(k)) served.delete(k);
  if (fresh.length === 0) return;
  for (const k of fresh) served.add(k);
  void publishStack();
}

function watchDirectories(): void {
  for (const d of dirs) {
    if (watchers.has(d.path)) continue;
    try {
      const w = watch(d.path, { persistent: false }, (_event, name) => {
        if (typeof name === 'string' && isRequestFor(name, data.pid)) serveRequests();
      });
      w.on('error', () => { w.close(); watchers.delete(d.path); });
      watchers.set(d.path, w);
    } catch {
      // Missing (root has no directory yet) or no inotify: polled each wake-up instead.
    }
  }
}

// --- the periodic wake-up ---

let block: { beat: bigint; captured: boolean } | undefined;
let reference = { at: process.hrtime.bigint(), runtime: mainRuntimeNs() };

function tick(): void {
  const now = process.hrtime.bigint();
  const beat = BigInt(mainHeartbeat.get());
  const age = beat > 0n && now > beat ? now - beat : 0n;
  if (age > maxAge) maxAge = age;
  // CPU and RSS are the whole process's, whichever thread asks.
  const cpu = process.cpuUsage();
  cpuUser.set(cpu.user * 1000);
  cpuSystem.set(cpu.system * 1000);
  rss.set(process.memoryUsage.rss());
  loopAge.set(age);
  maxLoopAge.set(maxAge);
  heartbeat.set(now);

  if (watchers.size < dirs.length) { watchDirectories(); serveRequests(); }

  let nextMs: number;
  const late = age - periodNs;
  if (late < BigInt(slackMs) * 1_000_000n) {
    // Running: remember the main thread's CPU time now, sleep until the next sample is due.
    block = undefined;
    reference = { at: now, runtime: mainRuntimeNs() };
    nextMs = beat > 0n ? Number(beat + periodNs - now) / 1e6 + slackMs : data.periodMs;
  } else {
    if (block?.beat !== beat) block = { beat, captured: false };
    // Blocked at least as long as the sample is late, and as long as the main thread has
    // been on the CPU since the loop last ran (a CPU-bound block).
    const busy = mainRuntimeNs() - reference.runtime;
    const sinceReference = now - reference.at;
    const cpuBound = busy < sinceReference ? busy : sinceReference;
    const blockedMs = Number(late > cpuBound ? late : cpuBound) / 1e6;
    if (data.stackAfterMs > 0 && !block.captured) {
      if (blockedMs >= data.stackAfterMs) {
        block.captured = true;
        void publishStack();
        nextMs = data.periodMs;
      } else {
        nextMs = data.stackAfterMs - blockedMs;
      }
    } else {
      nextMs = data.periodMs;
    }
  }
  schedule(nextMs);
}

let timer: NodeJS.Timeout | undefined;
function schedule(ms: number): void {
  clearTimeout(timer);
  timer = setTimeout(tick, Math.max(1, Math.min(data.periodMs + slackMs, Math.ceil(ms))));
}

watchDirectories();
serveRequests();
tick();
