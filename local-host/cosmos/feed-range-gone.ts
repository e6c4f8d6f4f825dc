/**
 * Noticing that a lease's partition key range is gone. The processor's reader gets 410 with substatus 1002
 * (PartitionKeyRangeGone) or 1007 (CompletingSplit) and stops with `FeedRangeGoneException` (azure-cosmos-dotnet-v3,
 * `ChangeFeedProcessor/FeedProcessing/FeedProcessorCore.cs`, `DocDBErrors/ExceptionClassifier.cs`).
 *
 * `@azure/cosmos` 4.9.3 does not pass that 410 on: its feed-range change feed iterator
 * (`dist/esm/client/ChangeFeed/ChangeFeedForEpkRange.js`, `shouldRetryOnFailure`, `handleSplitOrMerge`, and
 * `getPartitionRangeId` when its routing map is already fresh) refreshes the ranges, swaps the parent for its children
 * with the parent's continuation and reads on. Its next continuation then lists the children instead of the lease's
 * one range. A lease covers one range, so that continuation is the signal: the page that came with it is not
 * delivered (the children's leases read it again from the parent's continuation), and the lease is handled as gone.
 */
import { StatusCodes } from '@azure/cosmos';
import type { LeaseDocument, LeaseFeedRange } from '../../shared/leases/lease-documents.js';

const PARTITION_KEY_RANGE_GONE = 1002;
const COMPLETING_SPLIT = 1007;

export class FeedRangeGoneError extends Error {
  constructor(
    readonly lease: LeaseDocument,
    reason: string,
  ) {
    super(`lease ${lease.LeaseToken}: its partition key range is gone (${reason})`);
    this.name = 'FeedRangeGoneError';
  }
}

/** A 410 the SDK let through, should a future version stop handling splits itself. */
export function isPartitionGone(error: unknown): boolean {
  const { code, substatus } = (error ?? {}) as { code?: unknown; substatus?: unknown };
  return code === StatusCodes.Gone && (substatus === PARTITION_KEY_RANGE_GONE || substatus === COMPLETING_SPLIT);
}

/** The ranges an SDK composite continuation lists; undefined when the token is not one. */
export function continuationRanges(sdkToken: string | undefined): { min: string; max: string }[] | undefined {
  if (!sdkToken) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(sdkToken);
  } catch {
    return undefined; // Not JSON, so not the SDK's composite token: the caller reports it as unexpected.
  }
  const ranges = (parsed as { Continuation?: unknown } | null)?.Continuation;
  if (!Array.isArray(ranges)) return undefined;
  return ranges.map((entry) => {
    const { minInclusive, maxExclusive } = entry as { minInclusive?: unknown; maxExclusive?: unknown };
    return { min: String(minInclusive), max: String(maxExclusive) };
  });
}

/** True when the reader has moved off the lease's one range (it met a split or merge). */
export function continuationLeftRange(sdkToken: string | undefined, range: LeaseFeedRange): boolean {
  const ranges = continuationRanges(sdkToken);
  if (!ranges) return false;
  const [only] = ranges;
  return ranges.length !== 1 || only?.min !== range.Range.min || only.max !== range.Range.max;
}
