/**
 * The names of perfmem's own identity counters, apart from identity.ts: readers (a listing, a
 * view, the CLI) need only these strings, and identity.ts takes the process's start clock from
 * node:perf_hooks when it loads (about 1 ms of a short command's start-up).
 */

/** The counter that marks a region written by perfmem, and its runtime ("node"). */
export const KIND_COUNTER = 'perfmem.kind';
/** perfmem's package version in the region (tells a reader which perfmem wrote it). */
export const VERSION_COUNTER = 'perfmem.version';
/**
 * The writer's start time in clock ticks after boot (field 22 of /proc/<pid>/stat): compared
 * with the live process's own, it tells a reused pid apart exactly, whatever the wall clock did.
 */
export const START_TICKS_COUNTER = 'perfmem.proc.starttime';

/** Ticks per second of the region's clock (nanoseconds, like HotSpot on Linux). */
export const HRT_FREQUENCY = 1_000_000_000;
