/**
 * escapeTerminal for text that must stay byte-identical to the JDK's where it is harmless:
 * every character that can act on a terminal is escaped as escapeTerminal escapes it, but a
 * backslash, which cannot, is left alone. `snap` uses it so that its text equals jstat's for
 * every printable string (Windows paths included); the error printer uses it on messages whose
 * untrusted parts were already escaped (so their backslashes are not doubled).
 */
import { escapeTerminal } from './escape.js';

export function escapeControls(s: string): string {
  return s.replace(/[^\\]+/g, escapeTerminal);
}
