/**
 * `perfmem stat -<option> [-h<lines>] [-t] <pid|file> [<interval>[ms|s] [<count>]]`: jstat's
 * sampling tool for JVMs and Node processes alike. The JVM options print what the JDK's
 * jstat prints for the same counters; Node processes get their own options (-cpu, -heap,
 * -eventloop, -handles, -heaputil and a V8 -gc) and the JVM ones over the sun.gc.* counters the
 * runtime mirrors (so -gcutil agrees with jstat's on Node too). A target that exits ends the
 * output after its last complete row, with exit code 0.
 */
import { type Column, type EvalContext, type StatOption, type Sample, cellValue, headerLine, rowLine } from './columns.js';
import { escapeTerminal } from './escape.js';
import { nodeRow, withBlock } from './node-row.js';
import { UsageError } from './errors.js';
import { jvmOptions, timestampColumn } from './jvm-options.js';
import { handlesColumns, nodeOptions, nodeTimestampColumn } from './node-options.js';
import { toSample } from './sample.js';
import { parseStatArgs, statHelp } from './stat-args.js';
import type { ProcessKind } from '../perfmemory/index.js';
import { kindOf, openTarget, STALE_EXIT } from './target.js';
import { interruptibleSleep, writeOut } from './output.js';

/** The option set for a process kind: Node options first, the JVM ones for the rest. */
export function findOption(name: string, kind: ProcessKind): StatOption | undefined {
  if (kind === 'node') return nodeOptions.find((o) => o.name === name) ?? jvmOptions.find((o) => o.name === name);
  return jvmOptions.find((o) => o.name === name);
}

/** The columns of one option for one process, with the timestamp first under -t. */
export function columnsFor(option: StatOption, kind: ProcessKind, sample: Sample, timestamp: boolean): Column[] {
  const columns = kind === 'node' && option.name === 'handles' ? handlesColumns(sample.keys()) : option.columns;
  if (!timestamp) return columns;
  return [kind === 'node' ? nodeTimestampColumn : timestampColumn, ...columns];
}

export function optionsListing(verbose: boolean): string {
  const lines: string[] = [];
  const groups: [string, StatOption[]][] = [['JVM', jvmOptions], ['Node', nodeOptions]];
  if (!verbose) {
    const names = new Set(groups.flatMap(([, opts]) => opts.map((o) => o.name)));
    return [...names].sort().map((n) => `-${n}`).join('\n') + '\n';
  }
  for (const [kind, opts] of groups) {
    lines.push(`${kind} processes:`);
    for (const o of [...opts].sort((a, b) => a.name.localeCompare(b.name))) {
      lines.push(`  -${o.name.padEnd(16)} ${o.summary}`);
      for (const c of o.columns) lines.push(`      ${c.header.padEnd(12)} ${c.description}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** One row of `stat --json`: the columns under their JSON names; "-" is null. */
export function jsonRow(columns: readonly Column[], ctx: EvalContext, option: StatOption, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extra };
  if (ctx.row !== undefined) {
    out.intervalMs = finite(ctx.row.intervalMs);
    out.blockedMs = ctx.row.blockedMs;
    out.fresh = ctx.row.fresh;
    if (option.json !== undefined) for (const [k, v] of Object.entries(option.json(ctx.row))) out[k] = typeof v === 'number' ? finite(v) : v;
  }
  for (const c of columns) {
    const v = cellValue(c, ctx);
    out[c.json ?? c.header] = typeof v === 'number' ? finite(v) : v;
  }
  return out;
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseStatArgs(argv);
  if (args.kind === 'help') {
    await writeOut(statHelp());
    return 0;
  }
  if (args.kind === 'options') {
    await writeOut(optionsListing(args.verbose));
    return 0;
  }
  const known = findOption(args.option, 'node'); // every option of either kind
  if (known === undefined) throw new UsageError(`stat: unknown option -${escapeTerminal(args.option)} (perfmem stat -options lists them)`);

  const target = openTarget(args.target);
  let stopped = false;
  const stop = () => { stopped = true; };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const first = target.read();
    if (first === undefined) throw new UsageError(`process ${escapeTerminal(target.label)} not found`, 1);
    let current = toSample(first.counters);
    // A saved file's clock is not ours: no "now" to measure a block against.
    const now = (): number => (target.pid === undefined ? NaN : Number(process.hrtime.bigint()));
    let readAt = now();
    const kind = kindOf(current);
    const option = findOption(args.option, kind);
    if (option === undefined) {
      throw new UsageError(`stat: -${args.option} is for Node processes; ${escapeTerminal(target.label)} is a ${kind === 'jvm' ? 'JVM' : 'non-Node process'}`);
    }
    // Node's own options print "-" in a row without new data; the JVM options keep jstat's behaviour.
    const ownOption = kind === 'node' && nodeOptions.includes(option);
    const columns = columnsFor(option, kind, current, args.timestamp);
    const header = headerLine(columns);
    const ident = target.pid !== undefined ? { pid: target.pid } : { file: target.label };
    if (target.stale !== undefined) process.stderr.write(`perfmem: warning: ${escapeTerminal(target.stale)}\n`);
    let previous: Sample | undefined;
    let rows = 0;
    let sinceHeader = 0;
    if (!args.json && args.headerEvery === 0) await writeOut(header + '\n');
    for (;;) {
      const row = kind === 'node' ? nodeRow(current, previous, readAt) : undefined;
      const ctx: EvalContext = { current, previous, row, stale: ownOption && row !== undefined && !row.fresh };
      if (args.json) {
        const extra = { ...ident, time: Date.now(), ...(target.stale !== undefined ? { stale: true } : {}) };
        await writeOut(JSON.stringify(jsonRow(columns, ctx, option, extra)) + '\n');
      } else {
        if (args.headerEvery > 0 && --sinceHeader <= 0) {
          sinceHeader = args.headerEvery;
          await writeOut(header + '\n');
        }
        await writeOut(rowLine(columns, ctx) + '\n');
      }
      rows++;
      if (args.count > 0 && rows >= args.count) break;
      if (target.stale !== undefined) break; // a dead process's data never changes: one row of it
      await interruptibleSleep(args.intervalMs, () => stopped);
      if (stopped) break;
      const next = target.read();
      if (next === undefined) break; // the process exited: the output ends after its last row
      previous = row === undefined ? current : withBlock(current, row);
      current = toSample(next.counters);
      readAt = now();
    }
    return target.stale !== undefined ? STALE_EXIT : 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    target.close();
  }
}
