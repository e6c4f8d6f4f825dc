/**
 * The shape of documents in a Cosmos DB target container: the source document (projected, without the source's
 * system properties) plus a `_sync` record holding the version that wrote it. A delete leaves a tombstone: the same
 * id with `_sync.deleted: true` and no source fields, so a late, older update is recognised as stale.
 */
import type { ChangeEvent, EventVersion, PartitionKeyValue } from '../../events/envelope.js';
import { projectedFields, type Projection } from '../projection.js';

export interface SyncRecord {
  source: string;
  lsn: number;
  ts: number;
  deleted: boolean;
  eventId: string;
}

export interface TargetDocument {
  id: string;
  _sync: SyncRecord;
  [field: string]: unknown;
}

/** Hierarchical source keys become one string value, since the target container has a single key path. */
export function targetKeyValue(partitionKey: PartitionKeyValue): string | number | boolean | null {
  return Array.isArray(partitionKey) ? JSON.stringify(partitionKey) : partitionKey;
}

export function versionOf(document: { _sync?: unknown } | undefined): EventVersion | undefined {
  const sync = document?._sync;
  if (typeof sync !== 'object' || sync === null) return undefined;
  const { lsn, ts } = sync as Record<string, unknown>;
  return typeof lsn === 'number' && typeof ts === 'number' ? { lsn, ts } : undefined;
}

export function buildTargetDocument(
  event: ChangeEvent,
  keyField: string,
  project: Projection | undefined,
): TargetDocument {
  const sync: SyncRecord = {
    source: event.source.name,
    lsn: event.version.lsn,
    ts: event.version.ts,
    deleted: event.operation === 'delete',
    eventId: event.eventId,
  };
  const key = { [keyField]: targetKeyValue(event.partitionKey) };
  if (event.operation === 'delete') return { id: event.documentId, ...key, _sync: sync };
  const projected = projectedFields(event, project);
  // id, key and _sync are the target's bookkeeping: a projection cannot move or forge them.
  return { ...projected, id: event.documentId, ...key, _sync: sync };
}
