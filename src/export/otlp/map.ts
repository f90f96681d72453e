/**
 * Monitor samples to OTLP: one ResourceMetrics per live process, with its resource and its
 * runtime's metrics under the conventions' names. Cumulative temporality throughout: every
 * point starts at the process's start, so a collector that restarts, or a request that was
 * dropped, loses resolution but never counts.
 */
import type { AppSample, HostSample, ProcessSample } from '../../monitor/types.js';
import { mapApps } from './map-app.js';
import { MetricsBuilder } from './builder.js';
import { mapJvm } from './map-jvm.js';
import type { NodeState } from './map-node.js';
import { heapSpaces, mapNode } from './map-node.js';
import type { Attributes, ResourceMetrics } from './model.js';
import { msToUnixNano } from './model.js';
import type { ResourceOptions } from './resource.js';
import { processResource } from './resource.js';
import { METRICS as M } from './semconv.js';

export const SCOPE_NAME = 'perfmem';

export interface MapOptions extends ResourceOptions {
  /** The instrumentation scope's version: perfmem's own. */
  scopeVersion: string;
}

function lookups(counters: ReadonlyMap<string, number | string>) {
  return {
    get: (name: string): number | undefined => { const v = counters.get(name); return typeof v === 'number' && Number.isFinite(v) ? v : undefined; },
    str: (name: string): string | undefined => { const v = counters.get(name); return typeof v === 'string' ? v : undefined; },
  };
}

/** Keeps what interval figures need from one export to the next, per process. */
export class OtlpMapper {
  private readonly states = new Map<string, NodeState>();
  /** A process's resource is constant for its life: built once (its instance id is a hash). */
  private readonly resources = new Map<string, Attributes>();

  constructor(private readonly options: MapOptions) {}

  /**
   * Every running or blocked process of the sample (stale and gone ones have nothing new to
   * say), then every app with app metrics (perfmem/metrics, as the monitor aggregates them).
   */
  mapHost(sample: HostSample, apps: readonly AppSample[] = []): ResourceMetrics[] {
    const seen = new Set<string>();
    const out: ResourceMetrics[] = [];
    for (const p of sample.processes) {
      if (p.state !== 'running' && p.state !== 'blocked') continue;
      const key = `${p.pid}:${p.startTimeMs}`;
      seen.add(key);
      out.push(this.mapProcess(p, key));
    }
    if (apps.length > 0) {
      const startOf = (pids: readonly number[]): number | undefined => {
        let min: number | undefined;
        for (const p of sample.processes) if (pids.includes(p.pid) && p.startTimeMs > 0 && (min === undefined || p.startTimeMs < min)) min = p.startTimeMs;
        return min;
      };
      out.push(...mapApps(apps, startOf, sample.atMs, this.options.hostName, { name: SCOPE_NAME, version: this.options.scopeVersion }, this.options.extra));
    }
    for (const key of this.states.keys()) if (!seen.has(key)) this.states.delete(key);
    for (const key of this.resources.keys()) if (!seen.has(key)) this.resources.delete(key);
    return out;
  }

  mapProcess(p: ProcessSample, key = `${p.pid}:${p.startTimeMs}`): ResourceMetrics {
    const { get, str } = lookups(p.counters);
    const start = msToUnixNano(p.startTimeMs > 0 ? p.startTimeMs : p.sampledAtMs);
    const b = new MetricsBuilder(start, msToUnixNano(p.sampledAtMs));

    const cpuUser = p.proc?.cpuUserSeconds, cpuSystem = p.proc?.cpuSystemSeconds;
    const rss = (p.runtime === 'node' ? get('node.memory.rss') : undefined) ?? p.proc?.rssBytes ?? p.gauges.rssBytes ?? undefined;
    b.sum(M.processMemoryUsage, false, [[{}, rss]], true);
    b.gauge(M.processUptime, [[{}, p.startTimeMs > 0 ? Math.max(0, (p.sampledAtMs - p.startTimeMs) / 1000) : p.gauges.uptimeSeconds ?? undefined]]);
    b.sum(M.processThreadCount, false, [[{}, p.proc?.threads ?? p.gauges.threads ?? undefined]], true);

    if (p.runtime === 'node') {
      const state = this.states.get(key) ?? {};
      this.states.set(key, mapNode(b, get, heapSpaces(p.counters.keys()), p.loopHistogram, state));
    } else if (p.runtime === 'jvm') {
      mapJvm(b, get, str, cpuUser !== undefined && cpuSystem !== undefined ? cpuUser + cpuSystem : undefined);
    } else {
      b.sum(M.processCpuTime, true, [[{ 'cpu.mode': 'user' }, cpuUser], [{ 'cpu.mode': 'system' }, cpuSystem]]);
    }

    let resource = this.resources.get(key);
    if (resource === undefined) {
      resource = processResource(p, this.options, str('java.property.java.vm.name'));
      this.resources.set(key, resource);
    }
    return {
      resource,
      scopeMetrics: [{ scope: { name: SCOPE_NAME, version: this.options.scopeVersion }, metrics: b.metrics }],
    };
  }
}
