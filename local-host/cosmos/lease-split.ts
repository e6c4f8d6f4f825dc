/**
 * What becomes of a lease whose partition key range is gone (a split or merge answered 410 with substatus 1002 or
 * 1007), decided the way the Change Feed Processor decides it (azure-cosmos-dotnet-v3,
 * `Microsoft.Azure.Cosmos/src/ChangeFeedProcessor/Bootstrapping/PartitionSynchronizerCore.cs`,
 * `HandlePartitionGoneAsync`, with the lease documents of `LeaseManagement/DocumentServiceLeaseManagerCosmos.cs`).
 * Pure: the caller creates the children, deletes the parent and acquires the children.
 *
 * - Split of a "version" 0 lease: one "version" 0 lease per child range (id and LeaseToken = the child's id, FeedRange =
 *   the child's range), each carrying the parent's continuation.
 * - Split of a "version" 1 (EPK) lease: "version" 1 leases that cut the parent's own range at the children's
 *   boundaries, LeaseToken "<min>-<max>", each carrying the parent's continuation.
 * - One range over the lease's range: a merge (the processor would redirect the lease to the merged range). The local
 *   Cosmos DB cannot merge, so the caller reports it instead of handling it.
 */
import {
  LEASE_VERSION_EPK_RANGE,
  LEASE_VERSION_PARTITION_KEY_RANGE,
  epkLeaseToken,
  leaseId,
  type LeaseDocument,
} from '../../shared/leases/lease-documents.js';

export interface PartitionRange {
  id: string;
  min: string;
  max: string;
}

export type GoneResolution =
  | { kind: 'split'; children: LeaseDocument[] }
  /** The lease's range is still one physical range: nothing to split (a stale route; read again). */
  | { kind: 'unchanged' }
  | { kind: 'merge'; range: PartitionRange };

export class LeaseRangeError extends Error {
  constructor(lease: LeaseDocument, reason: string) {
    super(`lease ${lease.id}: ${reason}`);
    this.name = 'LeaseRangeError';
  }
}

/** The ranges overlapping [min, max), by min. Effective partition keys are upper-case hex: text order is key order. */
export function overlappingRanges(
  range: { min: string; max: string },
  ranges: readonly PartitionRange[],
): PartitionRange[] {
  return ranges
    .filter((candidate) => candidate.min < range.max && range.min < candidate.max)
    .sort((a, b) => (a.min < b.min ? -1 : a.min > b.min ? 1 : 0));
}

function child(
  parent: LeaseDocument,
  storePrefix: string,
  version: number,
  leaseToken: string,
  range: { min: string; max: string },
  continuation: string | null,
  now: Date,
): LeaseDocument {
  return {
    id: leaseId(storePrefix, leaseToken),
    version,
    LeaseToken: leaseToken,
    FeedRange: { Range: { min: range.min, max: range.max } },
    Owner: null,
    ContinuationToken: continuation,
    timestamp: now.toISOString(),
    // The processor copies the parent's properties onto the children when it acquires them.
    properties: { ...parent.properties },
    ...(parent.Mode !== undefined ? { Mode: parent.Mode } : {}),
  };
}

/**
 * @param continuation where the parent's reader stood: its last checkpoint, or a later "nothing new" position.
 * @param ranges the monitored container's current partition key ranges, read fresh (not from a cache).
 */
export function resolveGoneLease(
  parent: LeaseDocument,
  continuation: string | null,
  ranges: readonly PartitionRange[],
  storePrefix: string,
  now = new Date(),
): GoneResolution {
  const range = parent.FeedRange?.Range;
  if (!range) throw new LeaseRangeError(parent, 'the lease names no FeedRange, so its child ranges cannot be found');
  const overlapping = overlappingRanges(range, ranges);
  const [first] = overlapping;
  if (!first) throw new LeaseRangeError(parent, 'its range is gone but no partition key range overlaps it');
  if (overlapping.length === 1) {
    const same = first.min === range.min && first.max === range.max;
    const sameToken = parent.version === LEASE_VERSION_EPK_RANGE || first.id === parent.LeaseToken;
    return same && sameToken ? { kind: 'unchanged' } : { kind: 'merge', range: first };
  }
  if (parent.version === LEASE_VERSION_EPK_RANGE) {
    // Cut the parent's range (which may be narrower than the children) at each child's upper bound.
    const children: LeaseDocument[] = [];
    let min = range.min;
    for (const next of overlapping.slice(0, -1)) {
      const piece = { min, max: next.max };
      children.push(
        child(parent, storePrefix, LEASE_VERSION_EPK_RANGE, epkLeaseToken(piece), piece, continuation, now),
      );
      min = next.max;
    }
    const last = { min, max: range.max };
    children.push(child(parent, storePrefix, LEASE_VERSION_EPK_RANGE, epkLeaseToken(last), last, continuation, now));
    return { kind: 'split', children };
  }
  return {
    kind: 'split',
    children: overlapping.map((next) =>
      child(parent, storePrefix, LEASE_VERSION_PARTITION_KEY_RANGE, next.id, next, continuation, now),
    ),
  };
}
