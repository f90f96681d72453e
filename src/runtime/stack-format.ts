/**
 * A blocked main thread's JavaScript stack as the watchdog publishes it in the region, and
 * its parser for readers. Pure, so every layer may import it.
 *
 * In a region:
 *   node.watchdog.stack       string, variable: one frame per line, innermost first, each
 *                             `<function> (<url>:<line>:<column>)` (1-based line and column;
 *                             `<anonymous>` for an unnamed function); "" when none was taken.
 *                             Bounded by the entry's size: the frames that fit, whole lines only.
 *   node.watchdog.stack.time  long, ticks, variable: CLOCK_MONOTONIC (ns) when it was taken;
 *                             0 when never.
 *   node.watchdog.stack.wall  long, none, variable: the same moment, ms since the epoch.
 */
import type { StackFrame } from '../monitor/types.js';

export const STACK_COUNTER = 'node.watchdog.stack';
export const STACK_TIME_COUNTER = 'node.watchdog.stack.time';
export const STACK_WALL_COUNTER = 'node.watchdog.stack.wall';

const FRAME = /^(.*) \((.*):(\d+):(\d+)\)$/;

/** One frame as a line of the published text (newlines in names or URLs become spaces). */
export function formatFrame(f: StackFrame): string {
  const clean = (s: string): string => s.replace(/[\r\n]/g, ' ');
  return `${clean(f.functionName) || '<anonymous>'} (${clean(f.url)}:${f.line}:${f.column})`;
}

/** The frames as the counter's text, keeping whole lines within `maxBytes` of UTF-8. */
export function formatStack(frames: readonly StackFrame[], maxBytes: number): string {
  let text = '';
  for (const f of frames) {
    const line = (text === '' ? '' : '\n') + formatFrame(f);
    if (Buffer.byteLength(text + line) > maxBytes) break;
    text += line;
  }
  return text;
}

/** Parses the counter's text; lines that are not frames are skipped. */
export function parseStack(text: string): StackFrame[] {
  const frames: StackFrame[] = [];
  for (const line of text.split('\n')) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    frames.push({ functionName: m[1]!, url: m[2]!, line: Number(m[3]), column: Number(m[4]) });
  }
  return frames;
}

/** "fn (file:line)": how `ps` and the dashboard name where a loop is stuck. */
export function describeTopFrame(frames: readonly StackFrame[]): string | undefined {
  const top = frames[0];
  if (top === undefined) return undefined;
  const file = top.url.replace(/^file:\/\//, '');
  return `${top.functionName || '<anonymous>'} (${file.slice(file.lastIndexOf('/') + 1)}:${top.line})`;
}
