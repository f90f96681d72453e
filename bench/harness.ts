/**
 * The benchmark convention. A file `bench/<name>.bench.ts` ends with `benchMain([...groups])`:
 *   node dist/bench/<name>.bench.js --list        prints "<group>\t<variant>" lines
 *   node dist/bench/<name>.bench.js <group> <variant>   runs that one variant, prints one JSON result line
 * `npm run bench` (bench/run.ts) runs every variant in a process of its own, so JIT state and heap of
 * one variant never colour another, and writes the tables of BENCHMARKS.md with ratios to each
 * group's baseline. Benchmarks measure; they never assert a time.
 */

export interface Variant {
  /** The reference the other variants of the group are divided by (the physical limit or the peer). */
  baseline?: boolean;
  /** Extra node flags for this variant's process (e.g. ['--expose-gc']). */
  nodeArgs?: string[];
  /** Returns the measurement in the group's unit. */
  run(): number | Promise<number>;
  note?: string;
}

export interface BenchGroup {
  name: string;
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
      for (const [name, v] of Object.entries(g.variants)) {
        process.stdout.write(`${g.name}\t${name}\t${(v.nodeArgs ?? []).join(' ')}\n`);
      }
    }
    return;
  }
  const group = groups.find((g) => g.name === first);
  const variant = group?.variants[second ?? ''];
  if (group === undefined || variant === undefined) {
    process.stderr.write(`usage: node <bench file> --list | <group> <variant>\n`);
    process.exitCode = 2;
    return;
  }
  const value = await variant.run();
  const result: BenchResult = {
    group: group.name,
    variant: second!,
    value,
    unit: group.unit,
    baseline: variant.baseline === true,
    ...(group.description ? { description: group.description } : {}),
    ...(variant.note ? { note: variant.note } : {}),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}
