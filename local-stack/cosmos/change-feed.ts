/**
 * Reads one page of the change feed of one partition key range (or an EPK sub-range of it). The continuation is an
 * LSN of that range's sequence: a page holds the changes after it, and the next continuation is the LSN of the last
 * change returned (or the range's current LSN when nothing matched). A split's children continue their parent's
 * sequence, so a continuation taken from the parent reads on in either child without loss or repetition.
 *
 * - LatestVersion: each live document once, at the LSN of its latest write, in LSN order; no deletes. Items are the
 *   documents with `_lsn` added, as Azure does for change-feed results only.
 * - AllVersionsAndDeletes: every create, replace and delete in LSN order, as `{ current, previous, metadata }`.
 */
import type { JsonObject } from './base-server.js';
import type { ChangeRecord, ContainerState } from './container-state.js';
import { partitionKeyObject, type PartitionKeyValues } from './partition-key.js';
import { epkInRange, type PhysicalPartition } from './physical-partition.js';
import type { RangeScope } from './range-scope.js';

export type ChangeFeedMode = 'LatestVersion' | 'AllVersionsAndDeletes';

export type ChangeFeedStart =
  { kind: 'beginning' } | { kind: 'now' } | { kind: 'time'; timeMs: number } | { kind: 'continuation'; lsn: number };

export interface ChangeFeedQuery {
  mode: ChangeFeedMode;
  start: ChangeFeedStart;
  maxItemCount: number;
  /** Only this logical partition's changes when set (a partition-key-scoped feed). */
  partitionKey?: PartitionKeyValues | undefined;
  partitionKeyPaths: string[];
}

export interface ChangeFeedPage {
  /** Empty means "not modified" (HTTP 304). */
  items: JsonObject[];
  continuationLsn: number;
}

function startLsn(partition: PhysicalPartition, start: ChangeFeedStart): number {
  switch (start.kind) {
    case 'beginning':
      return 0;
    case 'now':
      return partition.currentLsn;
    case 'time':
      return partition.lsnBeforeTime(start.timeMs);
    case 'continuation':
      return start.lsn;
  }
}

export function readChangeFeed(state: ContainerState, scope: RangeScope, query: ChangeFeedQuery): ChangeFeedPage {
  const { partition, bounds } = scope;
  const after = startLsn(partition, query.start);
  const partitionKeyJson = query.partitionKey ? JSON.stringify(query.partitionKey) : undefined;
  const items: JsonObject[] = [];
  let lastLsn = after;
  for (let index = partition.indexAfterLsn(after); items.length < query.maxItemCount; index += 1) {
    const record = partition.recordAt(index);
    if (!record) break;
    if (partitionKeyJson !== undefined && record.partitionKeyJson !== partitionKeyJson) continue;
    if (!epkInRange(record.epk, bounds)) continue;
    if (query.mode === 'LatestVersion') {
      if (!record.current || !state.isLatest(record)) continue;
      items.push({ ...record.current, _lsn: record.lsn });
    } else {
      items.push(allVersionsItem(record, query.partitionKeyPaths));
    }
    lastLsn = record.lsn;
  }
  // A continuation never moves backwards, even if a client presents one from the future.
  const continuationLsn = items.length > 0 ? lastLsn : Math.max(after, partition.currentLsn);
  return { items, continuationLsn };
}

/** The wire shape of the all-versions-and-deletes feed (wire format version 2021-09-15). */
function allVersionsItem(record: ChangeRecord, partitionKeyPaths: string[]): JsonObject {
  const metadata: JsonObject = {
    operationType: record.operation,
    lsn: record.lsn,
    crts: record.current?._ts ?? Math.floor(record.timeMs / 1000),
  };
  if (record.previous) metadata.previousImageLSN = record.previous.lsn;
  if (record.operation === 'delete') {
    metadata.timeToLiveExpired = record.timeToLiveExpired;
    metadata.id = record.id;
    metadata.partitionKey = partitionKeyObject(partitionKeyPaths, record.partitionKey);
  }
  const item: JsonObject = {};
  if (record.current) item.current = { ...record.current, _lsn: record.lsn };
  if (record.previous?.current) item.previous = { ...record.previous.current, _lsn: record.previous.lsn };
  item.metadata = metadata;
  return item;
}
