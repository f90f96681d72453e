/**
 * Untrusted strings (from a region, a file or an object name) made inert on a terminal: every
 * C0 and C1 control character, DEL, and the backslash that introduces an escape are shown as
 * escapes (`\n`, `\t`, `\x1b`, `\u009b`, `\\`), so no string can move the cursor, forge a row,
 * set the window title or hide text. Unicode line and paragraph separators and bidirectional
 * overrides are escaped too: some terminals act on them. `--json` output needs none of this
 * (JSON.stringify escapes control characters).
 */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\\\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function escapeOne(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The string with every character that could act on a terminal shown as an escape. */
export function escapeTerminal(s: string): string {
  return s.replace(UNSAFE, escapeOne);
}
