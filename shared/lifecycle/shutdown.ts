/**
 * The app's shutdown signal, aborted when the Functions host shuts the app down (the appTerminate hook). Retries,
 * target writes that can be cancelled and Service Bus sends watch it, so a shutdown ends them promptly; what they
 * leave undone is delivered again (see ShutdownError). A new run (the appStart hook) gets a fresh signal: the local
 * host and tests start the app again in one process, which Azure never does.
 */
import { setMaxListeners } from 'node:events';
import { ShutdownError } from '../errors.js';

/**
 * One signal for the whole app: every concurrent SDK call of every invocation listens to it, so the default limit
 * of ten listeners would print MaxListenersExceededWarning under normal load. The listeners are removed when each
 * call ends; no limit is the honest setting.
 */
function newController(): AbortController {
  const fresh = new AbortController();
  setMaxListeners(0, fresh.signal);
  return fresh;
}

let controller = newController();

/** The signal of the app's current run; read it when work starts, not at module load. */
export function shutdownSignal(): AbortSignal {
  return controller.signal;
}

export function signalShutdown(): void {
  if (!controller.signal.aborted) controller.abort(new ShutdownError());
}

/** Arms a fresh signal when the previous run was shut down. */
export function startRun(): void {
  if (controller.signal.aborted) controller = newController();
}

const reasonOf = (signal: AbortSignal): Error => (signal.reason instanceof Error ? signal.reason : new ShutdownError());

/** Throws the shutdown's error when the signal has been aborted; call before starting a step that cannot be undone. */
export function throwIfShuttingDown(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw reasonOf(signal);
}

/** Runs `wait(ms)`, but rejects with the shutdown's error as soon as the signal is aborted (a retry's backoff). */
export function waitUnlessAborted(
  wait: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (!signal) return wait(ms);
  throwIfShuttingDown(signal);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(reasonOf(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    wait(ms).then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
