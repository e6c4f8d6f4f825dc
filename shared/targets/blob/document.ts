/**
 * What the Blob target writes. latest: the document (projected, without the source's system properties) plus a
 * `_sync` record, like the Cosmos target; a delete leaves a tombstone `{ id, _sync: { deleted: true, ... } }`. The
 * version also goes into blob metadata (`lsn`, `ts`, `deleted`) so the version guard needs a HEAD, not a download.
 * archive: one NDJSON line per event, the envelope as published plus `archivedAt`; its metadata also names the
 * document (`documentid`, `partitionkey`, escaped like name segments) so reading back needs a listing, not downloads.
 */
import type { ChangeEvent, EventVersion, PartitionKeyValue } from '../../events/envelope.js';
import { projectedFields, type Projection } from '../projection.js';
import {
  escapeSegment,
  isWellFormed,
  isWellFormedKey,
  partitionKeySegment,
  parsePartitionKeySegment,
  unescapeSegment,
} from './naming.js';

export interface BlobSyncRecord {
  source: string;
  /** The key is in the body because a hashed blob name (see naming.ts) does not show it. */
  partitionKey: PartitionKeyValue;
  lsn: number;
  ts: number;
  deleted: boolean;
  eventId: string;
}

/** Throws when the projection throws; the caller rejects the event. */
export function latestBody(event: ChangeEvent, project: Projection | undefined): string {
  const sync: BlobSyncRecord = {
    source: event.source.name,
    partitionKey: event.partitionKey,
    lsn: event.version.lsn,
    ts: event.version.ts,
    deleted: event.operation === 'delete',
    eventId: event.eventId,
  };
  if (event.operation === 'delete') return JSON.stringify({ id: event.documentId, _sync: sync });
  // id and _sync are the target's bookkeeping: a projection cannot move or forge them.
  return JSON.stringify({ ...projectedFields(event, project), id: event.documentId, _sync: sync });
}

/** Metadata values are ASCII header values; names are C# identifiers. Storage returns names in lower case. */
export function versionMetadata(event: ChangeEvent): Record<string, string> {
  return {
    lsn: String(event.version.lsn),
    ts: String(event.version.ts),
    deleted: String(event.operation === 'delete'),
  };
}

/** The version a blob holds, or undefined for a blob this target did not write (it is then overwritten). */
export function versionFromMetadata(metadata: Record<string, string> | undefined): EventVersion | undefined {
  const lsn = metadata?.['lsn'];
  const ts = metadata?.['ts'];
  if (lsn === undefined || ts === undefined || !/^\d{1,15}$/.test(lsn) || !/^\d{1,15}$/.test(ts)) return undefined;
  return { lsn: Number(lsn), ts: Number(ts) };
}

/**
 * With a projection the payload is projected exactly as in latest mode (so fields dropped for privacy never reach the
 * archive); without one the envelope is kept verbatim, system properties included, because the archive is a log.
 */
export function archiveLine(event: ChangeEvent, archivedAt: Date, project: Projection | undefined): string {
  const payload = event.operation === 'upsert' && project ? projectedFields(event, project) : null;
  const line = payload ? { ...event, payload } : event;
  return `${JSON.stringify({ ...line, archivedAt: archivedAt.toISOString() })}\n`;
}

/**
 * Azure allows 8 KB of metadata per blob, names included: a document whose escaped id and key would take more than
 * this is named in the body only (reading back then downloads that blob).
 */
const MAX_REF_METADATA_CHARS = 6 * 1024;

/** The archive's metadata naming an event's document, or nothing when it would not fit or not decode exactly. */
export function refMetadata(event: Pick<ChangeEvent, 'documentId' | 'partitionKey'>): Record<string, string> {
  if (!isWellFormed(event.documentId) || !isWellFormedKey(event.partitionKey)) return {};
  const documentid = escapeSegment(event.documentId);
  const partitionkey = partitionKeySegment(event.partitionKey);
  return documentid.length + partitionkey.length <= MAX_REF_METADATA_CHARS ? { documentid, partitionkey } : {};
}

/** The document an archive blob's metadata names, or undefined when it names none (older blobs, long keys). */
export function refFromMetadata(
  metadata: Record<string, string> | undefined,
): { documentId: string; partitionKey: PartitionKeyValue } | undefined {
  const documentid = metadata?.['documentid'];
  const partitionkey = metadata?.['partitionkey'];
  if (documentid === undefined || partitionkey === undefined) return undefined;
  try {
    return { documentId: unescapeSegment(documentid), partitionKey: parsePartitionKeySegment(partitionkey) };
  } catch {
    return undefined;
  }
}
