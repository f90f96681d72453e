/**
 * Writing to stdout from a command: waits when the pipe is full, and ends the process quietly
 * when the reader goes away (`perfmem stat ... | head`), as Unix tools do.
 *
 * writeOnce() is for the commands that print once and end (ps, snap, register-path): it writes
 * to file descriptor 1 with write(2) directly (fs.writeSync), not through process.stdout,
 * because creating that stream costs about 3 ms of CPU when stdout is a pipe (it loads Node's
 * stream and net modules; measured), more than the rest of a `perfmem snap` run. A full pipe
 * blocks that write, as it blocks jstat's (such a command installs no signal handler, so Ctrl-C
 * still ends it). The commands that keep printing (stat, watch, demo) use writeOut(), the
 * stream, so that their signal handlers run while the reader is slow.
 */
import { once } from 'node:events';
import { writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

let guarded = false;

function guardBrokenPipe(): void {
  if (guarded) return;
  guarded = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

export async function writeOut(text: string): Promise<void> {
  guardBrokenPipe();
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

/**
 * writeOut() for a command's one and only output: straight to fd 1. If fd 1 is non-blocking
 * (EAGAIN) or a write fails otherwise, the rest goes through writeOut() (the stream's own
 * back-pressure and errors); a reader that went away (EPIPE) ends the process quietly.
 */
export async function writeOnce(text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done, bytes.length - done);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
  }
  guardBrokenPipe();
  if (!process.stdout.write(bytes.subarray(done))) await once(process.stdout, 'drain');
}

/** Sleeps in short steps so that Ctrl-C ends the output between rows, never inside one. */
export async function interruptibleSleep(ms: number, stopped: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!stopped()) {
    const left = end - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(left, 50));
  }
}
