/**
 * A signal of its own for one batch's claim-container requests, following the app's shutdown signal. The requests of
 * a batch (several at once) listen to it instead of the one app-wide signal, which every concurrent invocation shares
 * and which Node warns about past ten listeners; `end` detaches it and cancels whatever of the batch still runs (an
 * upload nobody waits for any more after the batch failed).
 */
export interface ScopedSignal {
  signal: AbortSignal;
  end(): void;
}

export function scopedSignal(parent: AbortSignal | undefined): ScopedSignal {
  const scoped = new AbortController();
  const follow = (): void => scoped.abort(parent?.reason);
  if (parent?.aborted) follow();
  else parent?.addEventListener('abort', follow, { once: true });
  return {
    signal: scoped.signal,
    end: () => {
      parent?.removeEventListener('abort', follow);
      scoped.abort();
    },
  };
}
