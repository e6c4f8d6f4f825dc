/**
 * The batch trigger's message cache for `minMessageBatchSize` (Service Bus extension, `Listeners/
 * ServiceBusMessageManager.cs`, `TryGetBatchofEventsWithCached`): received messages join the cache; a batch leaves it
 * once at least the minimum is there (at most the maximum), or, when a partial batch is allowed (the wait ran out, the
 * session went idle, the host stops), whatever is there.
 */
export class MessageCache<T> {
  readonly #cached: T[] = [];

  constructor(
    private readonly maxBatchSize: number,
    private readonly minBatchSize: number,
  ) {}

  get hasCached(): boolean {
    return this.#cached.length > 0;
  }

  take(received: readonly T[] = [], allowPartialBatch = false): T[] {
    this.#cached.push(...received);
    if (this.#cached.length < this.minBatchSize && !allowPartialBatch) return [];
    return this.#cached.splice(0, this.maxBatchSize);
  }
}

/** One holder at a time, in arrival order: the extension's `_cachedMessagesGuard` semaphore. */
export class Guard {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
