/**
 * Events as table rows. Documents keep the source's fields without Cosmos DB system properties (as in the Cosmos
 * target); deletes become tombstone rows: `deleted = true`, `document = null`, version kept.
 */
import type { ChangeEvent } from '../../events/envelope.js';
import { projectedFields, type Projection } from '../projection.js';

export interface Row {
  eventId: string;
  source: string;
  /** JSON text of the partition key: keeps "1" and 1 apart and holds hierarchical keys as arrays. */
  partitionKey: string;
  id: string;
  lsn: number;
  ts: number;
  deleted: boolean;
  /** JSON text, or null for a tombstone. */
  document: string | null;
}

export function rowFor(event: ChangeEvent, project: Projection | undefined): Row {
  let document: string | null = null;
  if (event.operation === 'upsert') {
    document = JSON.stringify(projectedFields(event, project));
  }
  return {
    eventId: event.eventId,
    source: event.source.name,
    partitionKey: JSON.stringify(event.partitionKey),
    id: event.documentId,
    lsn: event.version.lsn,
    ts: event.version.ts,
    deleted: event.operation === 'delete',
    document,
  };
}

/** Rough size of a row on the wire, for splitting batches that would make one parameter too large. */
export function rowBytes(row: Row): number {
  return (row.document?.length ?? 0) * 2 + row.id.length + row.partitionKey.length + 64;
}

/**
 * Groups rows into statements: at most one row per document key in each (ON CONFLICT may not touch a row twice)
 * and at most `maxBytes` of documents. A coalesced batch with small documents is exactly one group.
 */
export function statementGroups(rows: readonly Row[], maxBytes: number): Row[][] {
  const groups: { rows: Row[]; keys: Set<string>; bytes: number }[] = [];
  for (const row of rows) {
    const key = JSON.stringify([row.source, row.partitionKey, row.id]);
    const size = rowBytes(row);
    let group = groups.find((candidate) => !candidate.keys.has(key) && candidate.bytes + size <= maxBytes);
    if (!group) {
      group = { rows: [], keys: new Set(), bytes: 0 };
      groups.push(group);
    }
    group.rows.push(row);
    group.keys.add(key);
    group.bytes += size;
  }
  return groups.map((group) => group.rows);
}
