import { setMaxListeners } from 'node:events';

/**
 * Start/stop plumbing shared by the triggers: one AbortController per trigger that every wait listens to, and a set
 * of in-flight work that `stop()` waits for, so `close()` never cuts an invocation short and leaves no timer behind.
 */

/** Waits `ms`, or less when `signal` aborts. Resolves `true` when the full time passed, `false` when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `operation` with a signal of its own that follows `signal`. Long-lived signals are handed to SDK calls made
 * over and over (receives, session accepts); this way a listener such a call leaves behind dies with the child,
 * instead of piling up on the trigger's signal for as long as the host runs.
 */
export async function withChildSignal<T>(
  signal: AbortSignal,
  operation: (child: AbortSignal) => Promise<T>,
): Promise<T> {
  const child = new AbortController();
  const abort = (): void => child.abort();
  if (signal.aborted) child.abort();
  else signal.addEventListener('abort', abort, { once: true });
  try {
    return await operation(child.signal);
  } finally {
    signal.removeEventListener('abort', abort);
  }
}

export class Lifecycle {
  readonly #controller = new AbortController();

  constructor() {
    // Every concurrent wait of a trigger (e.g. one per session worker) listens to this one signal.
    setMaxListeners(0, this.#controller.signal);
  }

  readonly #inFlight = new Set<Promise<unknown>>();
  #stopping: Promise<void> | undefined;

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get stopped(): boolean {
    return this.#controller.signal.aborted;
  }

  /**
   * Runs `work` in the background and remembers it until it settles. `work` must handle its own errors: a rejection
   * here is a bug in the host, reported through `onUnexpected` rather than left unhandled.
   */
  spawn(work: () => Promise<void>, onUnexpected: (error: unknown) => void): void {
    const running = work().catch(onUnexpected);
    this.#inFlight.add(running);
    void running.finally(() => this.#inFlight.delete(running));
  }

  /** Aborts every wait, then waits until all spawned work has finished; safe to call more than once. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#controller.abort();
      while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    })();
    return this.#stopping;
  }
}
