/**
 * Process life-cycle hooks of the `register` entry. What is flushed when:
 *
 * - The event loop empties (`beforeExit`, an app that simply finishes): everything is
 *   flushed and shut down, bounded by `shutdownTimeoutMs`; the shutdown holds the loop with
 *   one timer for at most that long. None of our handles (batch timers, retry timers,
 *   request sockets, the metric reader's interval, the Prometheus server) keeps a finished
 *   app alive, so `beforeExit` comes whatever the Collector does. If the bound passes and a
 *   handle of an exporter we do not own (gRPC) still holds the loop, the process ends with
 *   the exit code it would have had.
 * - `exit` (always last; the only hook after `process.exit()` or an uncaught exception):
 *   synchronous work only. Pending turns are ended, the embedded files' buffers written, the
 *   OTLP/HTTP queues' unsent items spooled (sent at the next start), the summary printed.
 * - A signal the app handles itself (it has its own listener): the app decides when and how
 *   to exit, typically after finishing requests in flight -- whose telemetry is still to
 *   come. So we only flush what is buffered at the signal, and shut down when the app
 *   exits: its `process.exit()` is carried out (same code) once the shutdown has flushed
 *   everything or the shutdown timeout passed, whichever is first.
 * - A signal nobody else handles: after flushing (bounded by the shutdown timeout) our
 *   listener is removed and the signal re-raised, so Node's default applies: the process
 *   dies of the signal (exit status 128 + signal number). A second signal while flushing
 *   re-raises at once.
 *
 * Installed once per process (the `register` entry guards against a double load), so the
 * listener count tells whether the app has a handler of its own.
 */
import { diag } from '@opentelemetry/api';

export interface ShutdownTarget {
  shutdown(): Promise<void>;
  /** Whether the shutdown gave up at its bound. */
  shutdownTimedOut?(): boolean;
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
    void target.shutdown().then(() => {
      if (!target.shutdownTimedOut?.()) return;
      // `beforeExit` came: the app had nothing left to do, so what still holds the loop past
      // the bound is an exporter of ours (the gRPC exporter's calls run to their own
      // deadline). End as the loop would have ended: same exit code. The timer is
      // unreferenced, so when nothing holds the loop the process ends by itself first.
      setTimeout(() => proc.exit(), 50).unref();
    });
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
