/**
 * Process life-cycle hooks of the `register` entry: telemetry is flushed on SIGTERM/SIGINT,
 * when the event loop empties (`beforeExit`) and, as far as still possible, at `exit`, and
 * the process ends as it would have without us:
 *
 * - A signal the app handles itself (it has its own listener): the app decides when and how
 *   to exit, typically after finishing requests in flight -- whose telemetry is still to
 *   come. So we only flush what is buffered at the signal, and shut the SDK down when the app
 *   exits: its `process.exit()` is carried out (same code) once the shutdown has flushed
 *   everything or the shutdown timeout passed, whichever is first (nothing asynchronous
 *   runs after `process.exit()`). An app that lets the event loop drain instead is shut
 *   down by the `beforeExit` hook.
 * - A signal nobody else handles: after flushing (bounded by the shutdown timeout) our
 *   listener is removed and the signal re-raised, so Node's default applies: the process
 *   dies of the signal (exit status 128 + signal number). A second signal while flushing
 *   re-raises at once.
 */
import { diag } from '@opentelemetry/api';

export interface ShutdownTarget {
  shutdown(): Promise<void>;
  finalizeSync(): void;
  /** Exports what is buffered without shutting down. */
  forceFlush?(): Promise<void>;
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
    if (appHandlesIt) {
      // Shutting down now would drop the telemetry of the requests the app still finishes.
      void target.forceFlush?.();
      shutDownAtExit();
      return;
    }
    void target.shutdown().finally(() => {
      if (proc.listenerCount(signal) <= 1) reraise(signal);
    });
  };

  let exitDeferred = false;
  const shutDownAtExit = (): void => {
    if (exitDeferred) return;
    exitDeferred = true;
    const originalExit = proc.exit.bind(proc);
    proc.exit = (code?: number | string | null) => {
      diag.debug(
        'lorechat-otel: exit requested after a signal; exiting when telemetry is shut down',
      );
      void target.shutdown().finally(() => {
        proc.exit = originalExit;
        originalExit(code);
      });
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
