/**
 * Counter names as HotSpot forms them: dot-separated segments of ASCII letters, digits and
 * underscores (`sun.gc.collector.0.time`, `sun.rt._sync_Inflations`).
 */
import { PerfDataError } from './errors.js';
import { MAX_NAME_BYTES } from './limits.js';
import { PSEUDO_COUNTER_NAMES } from './layout.js';

const SEGMENT = /^[A-Za-z0-9_]+$/;
const VALID = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*$/;
const RESERVED: ReadonlySet<string> = new Set(PSEUDO_COUNTER_NAMES);

/** Why `name` is not a valid counter name, or undefined when it is. */
export function counterNameProblem(name: unknown): string | undefined {
  // One match for a valid name (a process declares some 200 at start-up); the segments are
  // looked at one by one only to say what is wrong.
  if (typeof name === 'string' && name.length <= MAX_NAME_BYTES && VALID.test(name)) {
    return RESERVED.has(name) ? 'it is reserved for the pseudo-counter jvmstat derives from the prologue' : undefined;
  }
  if (typeof name !== 'string') return 'it is not a string';
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_NAME_BYTES) return `it is longer than ${MAX_NAME_BYTES} characters (readers refuse longer names)`;
  const segments = name.split('.');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment.length === 0) return `segment ${i + 1} is empty`;
    if (!SEGMENT.test(segment)) {
      return `segment ${JSON.stringify(segment)} has a character other than ASCII letters, digits and _`;
    }
  }
  if (RESERVED.has(name)) return 'it is reserved for the pseudo-counter jvmstat derives from the prologue';
  return undefined;
}

/** Throws ERR_PERFDATA_NAME unless `name` is a dotted ASCII identifier. */
export function validateCounterName(name: unknown): asserts name is string {
  const problem = counterNameProblem(name);
  if (problem !== undefined) {
    throw new PerfDataError('ERR_PERFDATA_NAME', `perfdata: invalid counter name ${JSON.stringify(String(name))}: ${problem}`);
  }
}
