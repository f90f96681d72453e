/**
 * /proc/<pid>/stat through a descriptor kept open between samples: one pread a sample instead
 * of open, fstat, read and close. The descriptor stays bound to the process it was opened for:
 * once that process is reaped, reads fail (ESRCH) even when its pid has been given to another,
 * and the caller falls back to the path (readProcStat), which tells a reused pid by its start.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parseProcStat, type ProcStat } from '../perfmemory/proc.js';

/** A stat line is under 1 KiB (the command is at most 16 bytes, the rest ~50 numbers). */
const buffer = Buffer.allocUnsafe(4096);

export class ProcStatFile {
  #fd: number | undefined;
  #failed = false;

  constructor(readonly pid: number, readonly procRoot = '/proc') {}

  /** The stat of the process the descriptor was opened for; undefined once it is unreadable (gone, or never opened). */
  read(): ProcStat | undefined {
    if (this.#fd === undefined) {
      if (this.#failed) return undefined;
      try {
        this.#fd = openSync(`${this.procRoot}/${this.pid}/stat`, 'r');
      } catch {
        this.#failed = true;
        return undefined;
      }
    }
    let n: number;
    try {
      n = readSync(this.#fd, buffer, 0, buffer.length, 0);
    } catch {
      this.close();
      this.#failed = true;
      return undefined;
    }
    // A line that fills the buffer is not one /proc writes: parse it no further.
    return n > 0 && n < buffer.length ? parseProcStat(buffer.toString('latin1', 0, n)) : undefined;
  }

  close(): void {
    if (this.#fd !== undefined) {
      try { closeSync(this.#fd); } catch { /* already closed */ }
      this.#fd = undefined;
    }
  }
}
