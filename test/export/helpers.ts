/** Test helpers for the exporters: promtool, and a Node process's sample with hostile strings. */
import { spawnSync } from 'node:child_process';
import { emptyRates } from '../../src/monitor/rates.js';
import type { ProcessSample } from '../../src/monitor/types.js';
import { emptyHistogram, recordDelay } from '../../src/runtime/loop-histogram.js';

export function havePromtool(): boolean {
  return spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** promtool check metrics: its lint findings, '' when clean. */
export function promtool(text: string): string {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return r.status === 0 ? '' : `${r.stdout}${r.stderr}`.trim() || `exit ${r.status}`;
}

export function nodeSample(over: Partial<ProcessSample> = {}): ProcessSample {
  const h = emptyHistogram();
  for (const ms of [0.01, 0.5, 1, 1, 2, 40, 300, 2500, 70_000]) recordDelay(h, ms * 1e6);
  return {
    pid: 101, user: 'app"user', runtime: 'node', app: 'shop\n"api"\\x', worker: '2', command: '/srv/x.js --secret=hunter2', vmArgs: '--import r',
    runtimeVersion: 'v20.20.2', startTimeMs: 1_700_000_000_000, path: '/tmp/x', state: 'blocked', blockedMs: 2500, sampledAtMs: 0,
    gauges: { rssBytes: 5e7, heapUsedBytes: 1e7, heapTotalBytes: 2e7, heapLimitBytes: 4e9, handles: 3, threads: 11, uptimeSeconds: 10 },
    rates: { ...emptyRates(1), elu: 0.5, loopDelayP99Ms: 2500, loopDelayP50Ms: 1, loopDelayMaxMs: 2500, loopDelayMinMs: 0, loopDelayMeanMs: 3, loopDelayStddevMs: 4, loopDelayP90Ms: 40 },
    counters: new Map<string, number | string>([
      ['sun.os.hrt.frequency', 1e9], ['node.version', 'v20.20.2'], ['node.memory.heapTotal', 2e7], ['node.memory.heapUsed', 1e7], ['node.memory.external', 1e6],
      ['node.heap.space.newLargeObject.size', 5], ['node.heap.space.old.used', 6], ['node.heap.space.old.available', 7],
      ['node.resources.TCPWrap', 2], ['node.resources.total', 3], ['node.gc.minor.count', 5], ['node.gc.minor.time', 2e6],
      ['node.gc.major.count', 1], ['node.gc.major.time', 3e7], ['node.eventLoop.delay.count', 9], ['weird name!{}', 4], ['__proto__', 1],
    ]),
    loopHistogram: h,
    proc: { cpuUserSeconds: 1.25, cpuSystemSeconds: 0.25, rssBytes: 5e7, threads: 11, startTimeSeconds: 1_700_000_000, vsizeBytes: 1e9 },
    ...over,
  };
}

