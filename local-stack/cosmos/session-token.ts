/**
 * Session tokens. The service's V2 form is `{partitionKeyRangeId}:{version}#{globalLsn}[#{regionId}={localLsn}...]`,
 * one per partition key range, comma-separated when an answer spans several; a single-region account with one
 * partition answers `0:-1#<lsn>`. Change-feed lag estimators (the .NET ChangeFeedEstimator among them) take the global
 * LSN after the first '#' as "latest LSN of the partition" and compare it with the `_lsn` of the first unread change,
 * so each range's token carries that range's current LSN, and the `lsn` header is sent when one range is meant.
 */
import type { IncomingMessage } from 'node:http';
import type { ContainerRegistry } from './container-registry.js';
import type { ContainerState } from './container-state.js';
import { CosmosHttpError } from './errors.js';
import { partitionKeyFromHeaders } from './partition-key.js';
import type { PhysicalPartition } from './physical-partition.js';
import { requestedRangeId } from './range-scope.js';
import type { ResourcePath } from './resource-path.js';

export function sessionToken(rangeId: string, lsn: number): string {
  return `${rangeId}:-1#${lsn}`;
}

export function rangeSessionHeaders(partition: PhysicalPartition): Record<string, string> {
  return { 'x-ms-session-token': sessionToken(partition.id, partition.currentLsn), lsn: String(partition.currentLsn) };
}

export function sessionHeaders(
  registry: ContainerRegistry,
  path: ResourcePath,
  req: IncomingMessage,
): Record<string, string> {
  if (path.kind === 'other') return {};
  const resolved = resolveAnswered(registry, path.databaseId, path.containerId);
  if (!resolved) return {};
  const { state } = resolved;
  const partition = addressedPartition(state, req);
  if (partition) return rangeSessionHeaders(partition);
  return { 'x-ms-session-token': state.partitions.map((each) => sessionToken(each.id, each.currentLsn)).join(',') };
}

/** The one range a request is about: named, implied by its partition key, or the container's only range. */
function addressedPartition(state: ContainerState, req: IncomingMessage): PhysicalPartition | undefined {
  const rangeId = requestedRangeId(req);
  if (rangeId !== undefined) return state.partitionById(rangeId);
  const partitionKey = validPartitionKey(req);
  if (partitionKey !== undefined) return state.partitionForKey(partitionKey);
  return state.partitions.length === 1 ? state.partitions[0] : undefined;
}

/**
 * The router resolves the container before answering, so a failure to create its partitions (a `physicalPartitions`
 * function answering an invalid count) has already been answered as this request's error; no token then.
 */
function resolveAnswered(
  registry: ContainerRegistry,
  databaseId: string,
  containerId: string,
): ReturnType<ContainerRegistry['resolve']> {
  try {
    return registry.resolve(databaseId, containerId);
  } catch (error) {
    if (error instanceof CosmosHttpError) return undefined;
    throw error;
  }
}

/** A malformed partition key header has already been answered with its 400; the token then covers every range. */
function validPartitionKey(req: IncomingMessage): ReturnType<typeof partitionKeyFromHeaders> {
  try {
    return partitionKeyFromHeaders(req.headers);
  } catch (error) {
    if (error instanceof CosmosHttpError) return undefined;
    throw error;
  }
}
