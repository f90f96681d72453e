/**
 * Time as the region counts it: ticks of CLOCK_MONOTONIC in nanoseconds (the region
 * publishes sun.os.hrt.frequency = 1e9). CLOCK_MONOTONIC is system-wide, so a reader in
 * another process on the same host can compare a published tick count with its own clock.
 */
export const TICKS_PER_MS = 1_000_000;

/** Now, in ticks. */
export function nowTicks(): bigint {
  return process.hrtime.bigint();
}

/** Milliseconds (fractional, as perf_hooks reports them) to whole ticks. */
export function msToTicks(ms: number): number {
  return Math.round(ms * TICKS_PER_MS);
}

/** Microseconds (as process.resourceUsage reports CPU time) to ticks. */
export function usToTicks(us: number): number {
  return us * 1000;
}
