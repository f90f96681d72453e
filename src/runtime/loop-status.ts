/**
 * Is a process's event loop blocked? Decided from its published counters alone, by a
 * reader in another process: the sampler stamps node.heartbeat (CLOCK_MONOTONIC ticks) every
 * node.sample.period ticks, so a heartbeat older than a few periods means the loop has not
 * run its timers since. Pure: the caller passes the counters and its own clock reading.
 */
import type { CounterInfo, LongValue } from '../perfdata/types.js';

export type CounterSource =
  | Iterable<CounterInfo>
  | ReadonlyMap<string, CounterInfo | LongValue | string>
  | ((name: string) => CounterInfo | LongValue | string | undefined);

export interface LoopStatus {
  /** 'unknown': not a perfmem runtime region (no heartbeat), or the heartbeat was never set. */
  state: 'running' | 'blocked' | 'unknown';
  /** Time since the loop last ran the sampler, in ms (0 when unknown). */
  heartbeatAgeMs: number;
  /** The sampling period, in ms (0 when unknown). */
  periodMs: number;
  /** While blocked, how long at least: the heartbeat's age. 0 otherwise. */
  blockedForMs: number;
}

export interface LoopStatusOptions {
  /** Periods without a heartbeat before the loop counts as blocked (default 3). */
  periods?: number;
  /** And at least this long, in ms (default 0), to ignore short pauses under tiny periods. */
  minBlockedMs?: number;
}

function lookup(source: CounterSource): (name: string) => unknown {
  if (typeof source === 'function') return source;
  if (source instanceof Map) return (name) => source.get(name);
  const byName = new Map<string, CounterInfo>();
  for (const c of source as Iterable<CounterInfo>) byName.set(c.name, c);
  return (name) => byName.get(name);
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'object' && v !== null && 'value' in v) v = (v as CounterInfo).value;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

const UNKNOWN: LoopStatus = { state: 'unknown', heartbeatAgeMs: 0, periodMs: 0, blockedForMs: 0 };

/**
 * `nowTicks` is the reader's CLOCK_MONOTONIC in ns (`process.hrtime.bigint()`), comparable
 * with the writer's on the same host.
 */
export function loopStatus(counters: CounterSource, nowTicks: bigint | number, options: LoopStatusOptions = {}): LoopStatus {
  const get = lookup(counters);
  const heartbeat = asNumber(get('node.heartbeat'));
  const period = asNumber(get('node.sample.period'));
  const frequency = asNumber(get('sun.os.hrt.frequency')) ?? 1e9;
  if (heartbeat === undefined || heartbeat <= 0 || period === undefined || period <= 0 || frequency <= 0) return UNKNOWN;
  const ticksPerMs = frequency / 1000;
  const periodMs = period / ticksPerMs;
  const ageMs = Math.max(0, (Number(nowTicks) - heartbeat) / ticksPerMs);
  const periods = options.periods ?? 3;
  const limit = Math.max(periods * periodMs, options.minBlockedMs ?? 0);
  const blocked = ageMs > limit;
  return { state: blocked ? 'blocked' : 'running', heartbeatAgeMs: ageMs, periodMs, blockedForMs: blocked ? ageMs : 0 };
}
