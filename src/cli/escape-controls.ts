/**
 * escapeTerminal for text that must stay byte-identical to the JDK's where it is harmless:
 * every character that can act on a terminal is escaped as escapeTerminal escapes it, but a
 * backslash, which cannot, is left alone. `snap` uses it so that its text equals jstat's for
 * every printable string (Windows paths included); the error printer uses it on messages whose
 * untrusted parts were already escaped (so their backslashes are not doubled).
 */
import { escapeTerminal } from './escape.js';

/** What escapeTerminal escapes, but the backslash. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export function escapeControls(s: string): string {
  // Almost every name and value has nothing to escape: one test instead of a replace per run
  // between backslashes (snap calls this twice per counter).
  if (!CONTROL.test(s)) return s;
  return s.replace(/[^\\]+/g, escapeTerminal);
}
