/**
 * GET /dbs/{db}/colls/{coll}/pkranges: the container's partition key ranges, as the service serves them (REST API
 * "List Partition Key Ranges"): each with a string `id`, its EPK interval, `parents` (the ids it was split from),
 * `_rid`, `ridPrefix`, `throughputFraction` and `status: "online"`. @azure/cosmos reads the whole list
 * (PartitionKeyRangeCache) and reads it again after a 410/1002; the .NET and Python SDKs read it as an incremental feed
 * (`A-IM` with the previous `etag` in `If-None-Match`) that must end in 304, or the .NET SDK asks forever. The etag
 * changes with every split; a changed etag gets the full current list, which those SDKs merge by `parents`.
 */
import type { IncomingMessage } from 'node:http';
import type { ContainerRegistry } from './container-registry.js';
import type { ContainerState } from './container-state.js';
import { notFoundResource } from './errors.js';
import { header, type Reply } from './http-io.js';
import type { PhysicalPartition } from './physical-partition.js';

/** The low nibble-pair the service puts in the last byte of a partition key range's resource id (its type). */
const PARTITION_KEY_RANGE_RID_TYPE = 0x50;

export function readPartitionKeyRanges(
  registry: ContainerRegistry,
  path: { databaseId: string; containerId: string },
  req: IncomingMessage,
): Reply {
  const resolved = registry.resolve(path.databaseId, path.containerId);
  if (!resolved) throw notFoundResource();
  const { state } = resolved;
  const etag = `"${state.partitionsVersion}"`;
  const incremental = header(req, 'a-im') !== undefined;
  if (incremental && header(req, 'if-none-match') === etag) return { status: 304, headers: { etag } };
  const containerSelf = resolved.container.definition as { _self?: unknown };
  const selfPrefix = typeof containerSelf._self === 'string' ? containerSelf._self : undefined;
  const ranges = state.partitions.map((partition) => rangeResource(state, partition, selfPrefix));
  return {
    status: 200,
    headers: { etag, 'x-ms-item-count': String(ranges.length) },
    body: { _rid: state.containerRid, PartitionKeyRanges: ranges, _count: ranges.length },
  };
}

function rangeResource(
  state: ContainerState,
  partition: PhysicalPartition,
  containerSelf: string | undefined,
): Record<string, unknown> {
  const rid = rangeRid(state.containerRid, partition.id);
  return {
    id: partition.id,
    _rid: rid,
    ...(containerSelf ? { _self: `${containerSelf.replace(/\/?$/, '/')}pkranges/${rid}/` } : {}),
    _etag: `"${state.containerRid}-${partition.id}"`,
    minInclusive: partition.minInclusive,
    maxExclusive: partition.maxExclusive,
    ridPrefix: Number(partition.id),
    throughputFraction: 1 / state.partitions.length,
    status: 'online',
    parents: [...partition.parents],
    lsn: partition.currentLsn,
    _ts: partition.createdAtSeconds,
  };
}

/** The container's resource id followed by eight bytes naming the range, as the service's range `_rid`s are built. */
function rangeRid(containerRid: string, rangeId: string): string {
  const suffix = Buffer.alloc(8);
  suffix.writeUInt32LE(Number(rangeId) + 1, 0);
  suffix[7] = PARTITION_KEY_RANGE_RID_TYPE;
  return Buffer.concat([Buffer.from(containerRid, 'base64'), suffix]).toString('base64');
}
