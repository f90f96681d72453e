/**
 * Runs a cleanup once when the process ends, on every path JavaScript can see: a normal exit,
 * process.exit(n), an uncaught exception or unhandled rejection (all emit 'exit'), and SIGINT,
 * SIGTERM, SIGHUP (which kill Node without 'exit' when nobody listens).
 *
 * The process must end exactly as it would have without us:
 * - 'exit' listeners cannot change the exit code, and ours never throws.
 * - A signal listener is installed only for a signal not ignored right now (SigIgn): a signal
 *   some native code set to SIG_IGN stays ignored. (Node resets inherited dispositions at startup,
 *   so under nohup plain Node dies of SIGHUP, and so does a process with a region.) When the signal arrives and ours is the only listener, the cleanup runs, our
 *   listeners are removed (Node restores the default action) and the signal is raised again,
 *   so the process dies by that signal. When the app has its own listener, the app owns the
 *   signal: we do nothing then, and the 'exit' listener cleans up if the app exits.
 * - Node's signal watchers are unref'd: they never keep the event loop alive.
 * Trade-off: while the main thread is blocked, a caught signal waits for the event loop (a busy
 * loop is not killed by SIGTERM until it yields); SIGKILL always works, and the next process's
 * stale-file cleanup removes what a killed process leaves behind.
 */
import { constants } from 'node:os';
import { ignoredSignals } from './proc.js';

export const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type ExitSignal = (typeof EXIT_SIGNALS)[number];

export interface ExitHook {
  /** Removes the listeners without running the cleanup. */
  remove(): void;
}

export function onProcessEnd(cleanup: () => void, options: { signals?: boolean } = {}): ExitHook {
  let done = false;
  const runOnce = (): void => {
    if (done) return;
    done = true;
    try {
      cleanup();
    } catch {
      // Never let a failed cleanup change how the process ends.
    }
  };
  const ignored = options.signals === false ? new Set<number>() : ignoredSignals();
  const listeners = new Map<ExitSignal, () => void>();

  const remove = (): void => {
    process.removeListener('exit', runOnce);
    for (const [sig, listener] of listeners) process.removeListener(sig, listener);
    listeners.clear();
  };

  for (const sig of options.signals === false ? [] : EXIT_SIGNALS) {
    if (ignored.has(constants.signals[sig])) continue;
    const listener = (): void => {
      if (process.listenerCount(sig) > 1) return; // the app handles this signal itself
      runOnce();
      remove();
      process.kill(process.pid, sig);
    };
    listeners.set(sig, listener);
    process.on(sig, listener);
  }
  process.on('exit', runOnce);
  return { remove };
}
