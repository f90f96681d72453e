/**
 * Columns in jstat's model: each is an arithmetic expression over named counters, scaled,
 * formatted with a DecimalFormat pattern and aligned in a fixed width. Evaluation follows
 * jstat's rules, so the same counters give the same text:
 * - arithmetic is in doubles; x / 0 is NaN, and NaN prints as "-";
 * - a missing counter is NaN, or 0 in a column marked `required`;
 * - a string counter alone prints as text; inside arithmetic it is NaN.
 * Beyond jstat, `delta` gives per-interval rates for the Node columns.
 */
import { formatDecimal, fractionDigitsOf } from './decimal.js';
import type { NodeRow } from './node-row.js';
import { escapeTerminal } from './escape.js';

export type Expr =
  | { kind: 'ref'; name: string }
  | { kind: 'lit'; value: number }
  | { kind: 'op'; op: '+' | '-' | '*' | '/'; left: Expr; right: Expr }
  /** The change of an expression since the previous sample (since zero on the first). */
  | { kind: 'delta'; of: Expr }
  /** A figure of the row's interval computed from monotonic data (node-row.ts); NaN without one. */
  | { kind: 'row'; of: (row: NodeRow) => number };

export const ref = (name: string): Expr => ({ kind: 'ref', name });
export const lit = (value: number): Expr => ({ kind: 'lit', value });
const op = (o: '+' | '-' | '*' | '/') => (left: Expr | string, right: Expr | string): Expr => ({
  kind: 'op', op: o, left: asExpr(left), right: asExpr(right),
});
export const add = op('+');
export const sub = op('-');
export const mul = op('*');
export const div = op('/');
export const delta = (of: Expr | string): Expr => ({ kind: 'delta', of: asExpr(of) });
export const fromRow = (of: (row: NodeRow) => number): Expr => ({ kind: 'row', of });

function asExpr(e: Expr | string): Expr {
  return typeof e === 'string' ? ref(e) : e;
}

/** Sum of several counters, left to right as jstat adds them. */
export function sum(...names: (Expr | string)[]): Expr {
  const [first, ...rest] = names.map(asExpr);
  if (first === undefined) return lit(0);
  return rest.reduce((acc, e) => add(acc, e), first);
}

export type Align = 'left' | 'right' | 'center';

export interface Column {
  header: string;
  /** Where the header sits in the column (jstat writes it as ^H^, ^H or H^). */
  headerAlign: Align;
  align: Align;
  /** Minimum width; the header and the pattern can widen it. */
  width: number;
  /** The value is divided by this before formatting (K = 1024, sec = 1). */
  scale: number;
  /** DecimalFormat pattern: "0", "0.0", "0.00", ... */
  format: string;
  data: Expr;
  /** A missing counter counts as 0 instead of making the column "-". */
  required?: boolean;
  /** One line for `-options -v` and the docs. */
  description: string;
  /** Its name in `stat --json` (default: the header). */
  json?: string;
  /**
   * Shown even in a row in which the process published nothing new (figures that fold in an
   * ongoing block, or come from the watchdog thread); other columns print "-" in such a row.
   */
  live?: boolean;
}

export const K = 1024;
export const RAW = 1;
export const SEC = 1;

/** A column's layout; the defaults are jstat's (right-aligned, centred header, raw scale, "0"). */
export interface ColumnShape {
  width: number;
  scale?: number;
  format?: string;
  align?: Align;
  headerAlign?: Align;
  required?: boolean;
  json?: string;
  live?: boolean;
}

export function column(header: string, data: Expr | string, description: string, shape: ColumnShape): Column {
  return {
    header,
    headerAlign: shape.headerAlign ?? 'center',
    align: shape.align ?? 'right',
    width: shape.width,
    scale: shape.scale ?? RAW,
    format: shape.format ?? '0',
    data: asExpr(data),
    ...(shape.required ? { required: true } : {}),
    ...(shape.json !== undefined ? { json: shape.json } : {}),
    ...(shape.live ? { live: true } : {}),
    description,
  };
}

/** A named set of columns: what `stat -<name>` prints. */
export interface StatOption {
  name: string;
  summary: string;
  columns: Column[];
  /** Fields `stat --json` adds to each row of a Node process beyond the columns. */
  json?: (row: NodeRow) => Record<string, number | string>;
}

/** Values of one sample, by counter name. */
export type Sample = ReadonlyMap<string, number | bigint | string>;

export interface EvalContext {
  current: Sample;
  previous?: Sample;
  required?: boolean;
  /** The Node row figures (node-row.ts), for `row` expressions. */
  row?: NodeRow;
  /** The process published nothing new since the previous row: columns not `live` are NaN. */
  stale?: boolean;
}

/** Evaluates an expression: a number (maybe NaN) or, for a lone string counter, its text. */
export function evaluate(e: Expr, ctx: EvalContext): number | string {
  if (e.kind === 'ref') {
    const v = ctx.current.get(e.name);
    if (v === undefined) return ctx.required ? 0 : NaN;
    return typeof v === 'bigint' ? Number(v) : v;
  }
  return numeric(e, ctx);
}

function numeric(e: Expr, ctx: EvalContext): number {
  switch (e.kind) {
    case 'lit':
      return e.value;
    case 'ref': {
      const v = evaluate(e, ctx);
      return typeof v === 'string' ? NaN : v;
    }
    case 'op': {
      const l = numeric(e.left, ctx);
      const r = numeric(e.right, ctx);
      switch (e.op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        case '/': return r === 0 ? NaN : l / r;
      }
      break;
    }
    case 'delta': {
      const now = numeric(e.of, ctx);
      if (ctx.previous === undefined) return now;
      return now - numeric(e.of, { ...ctx, current: ctx.previous });
    }
    case 'row':
      return ctx.row === undefined ? NaN : e.of(ctx.row);
  }
  return NaN;
}

/** A column's final width: jstat widens it to fit the header and the pattern. */
export function columnWidth(c: Column): number {
  return Math.max(c.width, c.format.length, c.header.length);
}

export function align(s: string, width: number, how: Align): string {
  const pad = width - s.length;
  if (pad <= 0) return s;
  if (how === 'left') return s + ' '.repeat(pad);
  if (how === 'right') return ' '.repeat(pad) + s;
  const half = Math.floor(pad / 2);
  // jstat's centring: a single spare space goes after the text.
  if (half === 0) return s + ' '.repeat(pad);
  return ' '.repeat(half) + s + ' '.repeat(half + (pad % 2));
}

export function headerLine(columns: readonly Column[]): string {
  return columns.map((c) => align(c.header, columnWidth(c), c.headerAlign)).join(' ');
}

/** A column's value in a row: scaled number (NaN for "-") or text. */
export function cellValue(c: Column, ctx: EvalContext): number | string {
  if (ctx.stale && !c.live) return NaN;
  const v = evaluate(c.data, c.required ? { ...ctx, required: true } : ctx);
  return typeof v === 'string' ? v : v / c.scale;
}

export function formatCell(c: Column, ctx: EvalContext): string {
  const v = cellValue(c, ctx);
  // A string counter's text comes from the region: made inert before it reaches a terminal.
  const text = typeof v === 'string' ? escapeTerminal(v) : formatDecimal(v, fractionDigitsOf(c.format));
  return align(text, columnWidth(c), c.align);
}

export function rowLine(columns: readonly Column[], ctx: EvalContext): string {
  return columns.map((c) => formatCell(c, ctx)).join(' ');
}
