/**
 * Which physical partition, and which part of its EPK interval, a feed request addresses. The SDKs name a range by id
 * (`x-ms-documentdb-partitionkeyrangeid`) and, for a feed range smaller than that range, add the EPK interval
 * (`x-ms-start-epk` / `x-ms-end-epk`; @azure/cosmos 4.9 ChangeFeedForEpkRange and ClientContext.queryFeed). A range id
 * that was split away answers 410 with substatus 1002, which makes the SDK re-read pkranges and retry on the children.
 */
import type { IncomingMessage } from 'node:http';
import type { ContainerState } from './container-state.js';
import { badRequest, partitionKeyRangeGone } from './errors.js';
import { header } from './http-io.js';
import type { PartitionKeyValues } from './partition-key.js';
import type { PhysicalPartition, RangeBounds } from './physical-partition.js';

export const PARTITION_KEY_RANGE_ID_HEADER = 'x-ms-documentdb-partitionkeyrangeid';

export interface RangeScope {
  partition: PhysicalPartition;
  /** Within the partition's interval; the whole interval unless the request named a sub-range. */
  bounds: RangeBounds;
}

/** The range id header's value; a `<collection rid>,<range id>` form (PartitionKeyRangeIdentity) is read as its id. */
export function requestedRangeId(req: IncomingMessage): string | undefined {
  const value = header(req, PARTITION_KEY_RANGE_ID_HEADER)?.trim();
  if (value === undefined || value === '') return undefined;
  return value.split(',').at(-1)?.trim();
}

/**
 * The scope of a feed request: the named range (410/1002 when it is gone), the range of the partition key when one
 * is given, the only range of a single-range container; otherwise the request is ambiguous and refused.
 */
export function rangeScope(
  state: ContainerState,
  req: IncomingMessage,
  partitionKey: PartitionKeyValues | undefined,
): RangeScope {
  const rangeId = requestedRangeId(req);
  if (rangeId !== undefined) {
    const partition = state.partitionById(rangeId);
    if (!partition) throw partitionKeyRangeGone(rangeId);
    return { partition, bounds: narrowed(partition, req) };
  }
  if (partitionKey !== undefined) {
    const partition = state.partitionForKey(partitionKey);
    return { partition, bounds: partition };
  }
  const [only, ...others] = state.partitions;
  if (only && others.length === 0) return { partition: only, bounds: narrowed(only, req) };
  throw badRequest(
    `The container has ${state.partitions.length} partition key ranges: name one with ${PARTITION_KEY_RANGE_ID_HEADER} or give a partition key.`,
  );
}

/**
 * For requests that name a range only to say where the client thinks their documents live (bulk batches): a range
 * that was split away answers 410/1002, so the SDK re-reads the ranges and regroups the operations, as against the
 * service. Documents are always stored by their own EPK, whichever live range the client named.
 */
export function assertNamedRangeLive(state: ContainerState, req: IncomingMessage): void {
  const rangeId = requestedRangeId(req);
  if (rangeId !== undefined && !state.partitionById(rangeId)) throw partitionKeyRangeGone(rangeId);
}

/** The part of the partition inside the request's EPK interval, if it sent one. */
function narrowed(partition: PhysicalPartition, req: IncomingMessage): RangeBounds {
  const start = header(req, 'x-ms-start-epk')?.toUpperCase();
  const end = header(req, 'x-ms-end-epk')?.toUpperCase();
  const minInclusive = start !== undefined && start > partition.minInclusive ? start : partition.minInclusive;
  const maxExclusive = end !== undefined && end !== '' && end < partition.maxExclusive ? end : partition.maxExclusive;
  if (minInclusive >= maxExclusive) {
    throw badRequest(
      `The EPK range [${start ?? ''}, ${end ?? ''}) does not overlap partition key range ${partition.id}.`,
    );
  }
  return { minInclusive, maxExclusive };
}
