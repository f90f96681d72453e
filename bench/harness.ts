/**
 * The benchmark convention. A file `bench/<name>.bench.ts` ends with `benchMain([...groups])`:
 *   node dist/bench/<name>.bench.js --list        prints "<group>\t<variant>" lines
 *   node dist/bench/<name>.bench.js <group> <variant>   runs that one variant, prints one JSON result line
 * `npm run bench` (bench/run.ts) runs every variant in a process of its own, so JIT state and heap of
 * one variant never colour another, and writes the tables of BENCHMARKS.md with ratios to each
 * group's baseline. Benchmarks measure; they never assert a time.
 *
 * A group whose variants must run at the same time or interleaved (whole commands timed round
 * by round, idle processes side by side) has `runAll()` instead: each variant is still a process
 * of its own, started by the group's process, and `<group> --all` prints one line per variant.
 *
 * `goals` are the targets for a group, checked by `npm run bench -- --check`.
 */
import { execFileSync } from 'node:child_process';

export interface Variant {
  /** The reference the other variants of the group are divided by (the physical limit or the peer). */
  baseline?: boolean;
  /** Extra node flags for this variant's process (e.g. ['--expose-gc']). */
  nodeArgs?: string[];
  /** Returns the measurement in the group's unit (absent in a group with runAll). */
  run?(): number | Promise<number>;
  note?: string;
}

/**
 * A target for one variant of a group: its ratio to the baseline at most `maxRatio`, its
 * difference from the baseline (in the group's unit) at most `maxDelta`, or its own value at
 * most `max`, or below another variant's. `npm run bench -- --check` fails when one is missed.
 */
export interface Goal {
  variant: string;
  maxRatio?: number;
  maxDelta?: number;
  /** The variant maxRatio and maxDelta compare with, instead of the baseline. */
  to?: string;
  max?: number;
  /** Another variant of the group (a peer) this one must beat: a smaller value. */
  below?: string;
  /** Where the goal comes from, e.g. 'issue 10 item 1'. */
  source: string;
}

export interface BenchGroup {
  name: string;
  goals?: Goal[];
  /** Measures every variant in one go (side by side or interleaved); keyed by variant name. */
  runAll?: () => Promise<Record<string, number>>;
  /** What one measurement means, e.g. 'ns/op', 'µs/op', '% of one core'. */
  unit: string;
  description?: string;
  variants: Record<string, Variant>;
}

export interface BenchResult {
  group: string;
  variant: string;
  value: number;
  unit: string;
  baseline: boolean;
  description?: string;
  note?: string;
  goals?: Goal[];
}

/**
 * Nanoseconds per operation of `body(n)`, which must perform n operations. Calibrates n to
 * about 20 ms a round, then takes the median of `rounds` rounds after a warm-up.
 */
export function nsPerOp(body: (n: number) => void, rounds = 15): number {
  let n = 1000;
  for (;;) {
    const t = time(body, n);
    if (t > 20e6 || n > 2 ** 30) break;
    n *= t < 1e6 ? 10 : 2;
  }
  for (let i = 0; i < 3; i++) time(body, n);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(time(body, n) / n);
  return median(samples);
}

/** Microseconds per call of `fn`, median of `rounds` rounds of `perRound` calls each. */
export function usPerCall(fn: () => void, perRound = 200, rounds = 15): number {
  for (let i = 0; i < perRound; i++) fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) fn();
    samples.push(Number(process.hrtime.bigint() - start) / perRound / 1000);
  }
  return median(samples);
}

function time(body: (n: number) => void, n: number): number {
  const start = process.hrtime.bigint();
  body(n);
  return Number(process.hrtime.bigint() - start);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A value the optimiser cannot prove unused: benchmarks fold results into it. */
export const sink = { value: 0 as unknown };

/** The command-line side of the convention; call it once at the end of a bench file. */
export async function benchMain(groups: BenchGroup[]): Promise<void> {
  const [first, second] = process.argv.slice(2);
  if (first === '--list') {
    for (const g of groups) {
      if (g.runAll) {
        process.stdout.write(`${g.name}\t--all\t\n`);
        continue;
      }
      for (const [name, v] of Object.entries(g.variants)) {
        process.stdout.write(`${g.name}\t${name}\t${(v.nodeArgs ?? []).join(' ')}\n`);
      }
    }
    return;
  }
  const group = groups.find((g) => g.name === first);
  const result = (name: string, variant: Variant, value: number): BenchResult => ({
    group: group!.name,
    variant: name,
    value,
    unit: group!.unit,
    baseline: variant.baseline === true,
    ...(group!.description ? { description: group!.description } : {}),
    ...(variant.note ? { note: variant.note } : {}),
    ...(group!.goals ? { goals: group!.goals } : {}),
  });
  if (group?.runAll && second === '--all') {
    const values = await group.runAll();
    for (const [name, variant] of Object.entries(group.variants)) {
      const value = values[name];
      if (value !== undefined) process.stdout.write(JSON.stringify(result(name, variant, value)) + '\n');
    }
    return;
  }
  const variant = group?.variants[second ?? ''];
  if (group === undefined || variant?.run === undefined) {
    process.stderr.write(`usage: node <bench file> --list | <group> <variant> | <group> --all\n`);
    process.exitCode = 2;
    return;
  }
  process.stdout.write(JSON.stringify(result(second!, variant, await variant.run())) + '\n');
}

/**
 * Runs whole commands round by round in a shuffled order, so load that comes and goes on a
 * shared machine falls on every variant alike; returns the median of each, in ms. `measure`
 * turns one finished run into the figure (default: its wall time).
 */
export function interleavedCommands(
  commands: Record<string, { file: string; args: string[]; env?: NodeJS.ProcessEnv }>,
  rounds: number,
  measure?: (stdout: string, wallMs: number) => number,
): Record<string, number> {
  const names = Object.keys(commands);
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  const once = (name: string): number => {
    const c = commands[name]!;
    const start = process.hrtime.bigint();
    const out = execFileSync(c.file, c.args, { env: c.env ?? process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
    const wall = Number(process.hrtime.bigint() - start) / 1e6;
    return measure ? measure(out, wall) : wall;
  };
  for (const n of names) once(n); // page cache, JIT code cache
  for (let r = 0; r < rounds; r++) {
    const order = [...names].sort(() => Math.random() - 0.5);
    for (const n of order) samples.get(n)!.push(once(n));
  }
  return Object.fromEntries(names.map((n) => [n, median(samples.get(n)!)]));
}
