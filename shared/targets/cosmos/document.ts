/**
 * The shape of documents in a Cosmos DB target container: the source document (projected, without the source's
 * system properties) plus a `_sync` record holding the version that wrote it. A delete leaves a tombstone: the same
 * id with `_sync.deleted: true` and no source fields, so a late, older update is recognised as stale.
 *
 * A hierarchical source key is stored as its JSON text (the container has one key path), which a string key could
 * equal; `_sync.partitionKey` then keeps the array itself, so reading back gives the source's key, not the text.
 */
import type { ChangeEvent, EventVersion, PartitionKeyValue } from '../../events/envelope.js';
import { projectedFields, type Projection } from '../projection.js';

export interface SyncRecord {
  source: string;
  /** Only for a hierarchical key (an array): without it, the key path's value is the source's key. */
  partitionKey?: PartitionKeyValue;
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

/** What a stored document's `_sync` says about whose it is and which version it holds; undefined when not ours. */
export function heldOf(
  document: { _sync?: unknown; [field: string]: unknown },
  keyValue: unknown,
): { source: string; partitionKey: PartitionKeyValue; version: EventVersion; deleted: boolean } | undefined {
  const version = versionOf(document);
  const sync = document._sync as Partial<SyncRecord> | undefined;
  if (!version || typeof sync?.source !== 'string') return undefined;
  const partitionKey = sync.partitionKey ?? (keyValue as PartitionKeyValue | undefined);
  if (partitionKey === undefined) return undefined;
  return { source: sync.source, partitionKey, version, deleted: sync.deleted === true };
}

export function buildTargetDocument(
  event: ChangeEvent,
  keyField: string,
  project: Projection | undefined,
): TargetDocument {
  const sync: SyncRecord = {
    source: event.source.name,
    ...(Array.isArray(event.partitionKey) ? { partitionKey: event.partitionKey } : {}),
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
