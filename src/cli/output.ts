/**
 * Writing to stdout from a long-running command: waits when the pipe is full, and ends the
 * process quietly when the reader goes away (`perfmem stat ... | head`), as Unix tools do.
 */
import { once } from 'node:events';
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

/** Sleeps in short steps so that Ctrl-C ends the output between rows, never inside one. */
export async function interruptibleSleep(ms: number, stopped: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!stopped()) {
    const left = end - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(left, 50));
  }
}
