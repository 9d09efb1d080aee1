/**
 * Process life-cycle hooks of the `register` entry: telemetry is flushed on SIGTERM/SIGINT,
 * when the event loop empties (`beforeExit`) and, as far as still possible, at `exit`, and
 * the process ends as it would have without us:
 *
 * - A signal the app handles itself (it has its own listener): we flush next to its handler
 *   and the app decides when and how to exit. If it calls `process.exit()` while the flush
 *   is still running, that exit is carried out (same code) as soon as the flush ends or
 *   the shutdown timeout passes, whichever is first: otherwise what the exporters hold
 *   would be lost, since nothing asynchronous runs after `process.exit()`.
 * - A signal nobody else handles: after flushing (bounded by the shutdown timeout) our
 *   listener is removed and the signal re-raised, so Node's default applies: the process
 *   dies of the signal (exit status 128 + signal number). A second signal while flushing
 *   re-raises at once.
 */
import { diag } from '@opentelemetry/api';

export interface ShutdownTarget {
  shutdown(): Promise<void>;
  finalizeSync(): void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** Installs the hooks; returns a function that removes them (for tests). */
export function installProcessHooks(
  target: ShutdownTarget,
  proc: NodeJS.Process = process,
): () => void {
  const flushing = new Set<NodeJS.Signals>();

  const onSignal = (signal: NodeJS.Signals): void => {
    const appHandlesIt = proc.listenerCount(signal) > 1;
    if (flushing.has(signal) && !appHandlesIt) {
      reraise(signal);
      return;
    }
    flushing.add(signal);
    diag.debug(`lorechat-otel: ${signal}, flushing telemetry`);
    const done = target.shutdown();
    if (appHandlesIt) deferExitUntil(done);
    void done.finally(() => {
      if (!appHandlesIt && proc.listenerCount(signal) <= 1) reraise(signal);
    });
  };

  let exitDeferred = false;
  const deferExitUntil = (done: Promise<void>): void => {
    if (exitDeferred) return;
    exitDeferred = true;
    const originalExit = proc.exit.bind(proc);
    let flushed = false;
    void done.finally(() => {
      flushed = true;
      proc.exit = originalExit;
    });
    proc.exit = (code?: number | string | null) => {
      if (flushed) return originalExit(code);
      diag.debug('lorechat-otel: exit requested during the final flush; exiting when it ends');
      void done.finally(() => originalExit(code));
      return undefined as never;
    };
  };

  const reraise = (signal: NodeJS.Signals): void => {
    remove();
    proc.kill(proc.pid, signal);
  };

  const onBeforeExit = (): void => {
    void target.shutdown();
  };
  const onExit = (): void => {
    target.finalizeSync();
  };

  for (const s of SIGNALS) proc.on(s, onSignal);
  proc.once('beforeExit', onBeforeExit);
  proc.once('exit', onExit);

  function remove(): void {
    for (const s of SIGNALS) proc.removeListener(s, onSignal);
    proc.removeListener('beforeExit', onBeforeExit);
    proc.removeListener('exit', onExit);
  }
  return remove;
}
