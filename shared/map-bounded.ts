/**
 * Runs `work` over `items` with at most `limit` in flight, results in input order. After the first failure no new item
 * starts; the ones in flight are awaited and then that failure is rethrown, so no write outlives the batch that
 * started it (a batch that throws is retried, and a straggler landing after the retry began would only add noise).
 *
 * One pool for every place that fans out I/O: the Cosmos DB target's bulk chunks and contended writes, the Blob and
 * webhook targets, and the lag estimator.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
  return results;
}
