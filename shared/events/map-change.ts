/**
 * Pure mapping from the two change-feed shapes the Cosmos DB trigger delivers to event envelopes. Anything that cannot
 * become a valid event is returned as a quarantine verdict with a reason, never thrown, so one bad document cannot
 * block the batch it arrived in.
 */
import { z } from 'zod';
import { EVENT_SCHEMA_VERSION, type ChangeEvent, type EventSource, type PartitionKeyValue } from './envelope.js';
import { eventIdFor } from './ids.js';

/**
 * A source as the publish path sees it: the envelope's `source` fields (EventSource, the wire format) plus what mapping
 * and publishing need. Built once per source from its configuration (SourceConfig, the setting's shape) by
 * `publishSourceOf`; the two differ because the setting has options the publish path does not read (leases, polling).
 */
export interface PublishSource extends EventSource {
  /** Partition key paths, e.g. ['/customerId'], or up to three for hierarchical keys. */
  partitionKeyPaths: readonly string[];
  /** LatestVersion mode: a document whose `field` equals `value` is published as a delete (`deleteKind: 'soft'`). */
  softDelete?: { field: string; value: unknown } | undefined;
  changeFeedMode: 'LatestVersion' | 'AllVersionsAndDeletes';
  /** Document field copied to the message property `type`. */
  typeField?: string | undefined;
}

export type QuarantineCode =
  | 'NOT_AN_OBJECT'
  | 'MISSING_ID'
  | 'MISSING_PARTITION_KEY'
  | 'MISSING_VERSION'
  | 'UNKNOWN_OPERATION'
  /** Raised by the publisher when the envelope cannot be serialised (a BigInt or a cycle); not by the mappers. */
  | 'NOT_SERIALIZABLE';

export type MappingResult =
  | { ok: true; event: ChangeEvent }
  | { ok: false; code: QuarantineCode; reason: string; documentId: string | undefined; item: unknown };

/** The all-versions-and-deletes item shape (wire names), validated loosely: unknown fields pass through. */
const allVersionsItemSchema = z.object({
  current: z.record(z.string(), z.unknown()).nullish(),
  previous: z.record(z.string(), z.unknown()).nullish(),
  metadata: z.object({
    operationType: z.string(),
    lsn: z.number().int().nonnegative(),
    crts: z.number().int().nonnegative(),
    previousImageLSN: z.number().optional(),
    timeToLiveExpired: z.boolean().optional(),
    id: z.string().optional(),
    partitionKey: z.record(z.string(), z.unknown()).optional(),
  }),
});

/** Callers mapping a whole batch pass the time once as a string; formatting a date per item is measurable. */
const isoTime = (now: Date | string): string => (typeof now === 'string' ? now : now.toISOString());

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Paths come from configuration (partition key, soft-delete and type fields), so a handful are read for every item;
 * splitting them once instead of per read is measurable on the publish path. Cleared if it ever grows, to stay bounded.
 */
const pathSegments = new Map<string, readonly string[]>();
const PATH_CACHE_LIMIT = 256;

function segmentsOf(path: string): readonly string[] {
  let segments = pathSegments.get(path);
  if (segments === undefined) {
    if (pathSegments.size >= PATH_CACHE_LIMIT) pathSegments.clear();
    segments = path.split('/').filter((part) => part.length > 0);
    pathSegments.set(path, segments);
  }
  return segments;
}

/** Reads `/a/b` style paths; `undefined` when any step is missing. */
export function readPath(document: Record<string, unknown>, path: string): unknown {
  let current: unknown = document;
  for (const segment of segmentsOf(path)) {
    if (!isRecord(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function partitionKeyOf(document: Record<string, unknown>, paths: readonly string[]): PartitionKeyValue | undefined {
  const values: (string | number | boolean | null)[] = [];
  for (const path of paths) {
    const value = readPath(document, path);
    if (value === undefined || (value !== null && typeof value === 'object')) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean' && value !== null) {
      return undefined;
    }
    values.push(value);
  }
  return paths.length === 1 ? values[0] : values;
}

/**
 * The envelope's version bounds (envelope.ts): a value the subscribers would refuse, such as an `_lsn` past 2^53 or a
 * negative `_ts`, is quarantined here rather than published and then set aside by every target.
 */
const isVersionNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function quarantine(code: QuarantineCode, reason: string, item: unknown, documentId?: unknown): MappingResult {
  return { ok: false, code, reason, documentId: typeof documentId === 'string' ? documentId : undefined, item };
}

interface EventCore {
  source: PublishSource;
  documentId: string;
  partitionKey: PartitionKeyValue;
  lsn: number;
  ts: number;
  publishedAt: string;
}

/**
 * One frozen `source` object per descriptor, shared by all its events: it saves an allocation per event, and being
 * frozen lets the message encoder cache its JSON (see `to-message.ts`) without risk of it going stale.
 */
const eventSources = new WeakMap<PublishSource, EventSource>();

function eventSourceOf(descriptor: PublishSource): EventSource {
  let source = eventSources.get(descriptor);
  if (source === undefined) {
    const { name, account, database, container } = descriptor;
    source = Object.freeze({ name, account, database, container });
    eventSources.set(descriptor, source);
  }
  return source;
}

/**
 * Both branches are written out as literals in the same key order (no spreads): one object shape for every event,
 * which keeps JSON encoding and property reads on V8's fast paths.
 */
function envelope(
  core: EventCore,
  body:
    | { operation: 'upsert'; payload: Record<string, unknown> }
    | {
        operation: 'delete';
        deleteKind: 'hard' | 'ttl' | 'soft';
      },
): ChangeEvent {
  const eventId = eventIdFor({
    sourceName: core.source.name,
    documentId: core.documentId,
    partitionKey: core.partitionKey,
    lsn: core.lsn,
    operation: body.operation,
  });
  const source = eventSourceOf(core.source);
  const version = { lsn: core.lsn, ts: core.ts };
  return body.operation === 'upsert'
    ? {
        schemaVersion: EVENT_SCHEMA_VERSION,
        eventId,
        correlationId: eventId,
        source,
        documentId: core.documentId,
        partitionKey: core.partitionKey,
        version,
        publishedAt: core.publishedAt,
        operation: 'upsert',
        payload: body.payload,
      }
    : {
        schemaVersion: EVENT_SCHEMA_VERSION,
        eventId,
        correlationId: eventId,
        source,
        documentId: core.documentId,
        partitionKey: core.partitionKey,
        version,
        publishedAt: core.publishedAt,
        operation: 'delete',
        deleteKind: body.deleteKind,
        payload: null,
      };
}

/** LatestVersion mode: each item is the document itself, with `_lsn` and `_ts`. */
export function mapLatestVersionItem(
  item: unknown,
  source: PublishSource,
  now: Date | string = new Date(),
): MappingResult {
  return mapDocument(item, source, now, source.softDelete);
}

/**
 * `softDelete` is passed apart from `source` so all-versions mode can switch it off without copying the descriptor per
 * item, which would also defeat the per-descriptor `source` cache.
 */
function mapDocument(
  item: unknown,
  source: PublishSource,
  now: Date | string,
  soft: PublishSource['softDelete'],
): MappingResult {
  if (!isRecord(item)) return quarantine('NOT_AN_OBJECT', 'change-feed item is not a JSON object', item);
  const id = item['id'];
  if (typeof id !== 'string' || id.length === 0) {
    return quarantine('MISSING_ID', 'document has no string "id"', item);
  }
  const partitionKey = partitionKeyOf(item, source.partitionKeyPaths);
  if (partitionKey === undefined) {
    const paths = source.partitionKeyPaths.join(', ');
    return quarantine('MISSING_PARTITION_KEY', `document has no scalar value at partition key path ${paths}`, item, id);
  }
  const lsn = item['_lsn'];
  const ts = item['_ts'];
  if (!isVersionNumber(lsn) || !isVersionNumber(ts)) {
    return quarantine('MISSING_VERSION', 'document has no integer "_lsn" and "_ts" (each from 0 to 2^53-1)', item, id);
  }
  const core = { source, documentId: id, partitionKey, lsn, ts, publishedAt: isoTime(now) };
  if (soft && readPath(item, soft.field) === soft.value) {
    return { ok: true, event: envelope(core, { operation: 'delete', deleteKind: 'soft' }) };
  }
  return { ok: true, event: envelope(core, { operation: 'upsert', payload: item }) };
}

/** AllVersionsAndDeletes mode: `{ current, previous, metadata }`; deletes carry id and partition key in metadata. */
export function mapAllVersionsItem(
  item: unknown,
  source: PublishSource,
  now: Date | string = new Date(),
): MappingResult {
  const parsed = allVersionsItemSchema.safeParse(item);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid shape';
    return quarantine('NOT_AN_OBJECT', `not an all-versions change-feed item (${where})`, item);
  }
  const { current, previous, metadata } = parsed.data;
  const operation = metadata.operationType.toLowerCase();
  if (operation === 'create' || operation === 'replace') {
    if (!current) return quarantine('NOT_AN_OBJECT', `${operation} item has no "current" document`, item);
    const versioned = { ...current, _lsn: current['_lsn'] ?? metadata.lsn, _ts: current['_ts'] ?? metadata.crts };
    const mapped = mapDocument(versioned, source, now, undefined);
    return mapped.ok ? mapped : { ...mapped, item };
  }
  if (operation !== 'delete') {
    return quarantine('UNKNOWN_OPERATION', `unknown operationType "${metadata.operationType}"`, item);
  }
  const id = metadata.id ?? previous?.['id'];
  if (typeof id !== 'string' || id.length === 0)
    return quarantine('MISSING_ID', 'delete item has no document id', item);
  const keySource = previous ?? keyDocumentFromMetadata(metadata.partitionKey, source.partitionKeyPaths);
  const partitionKey = keySource ? partitionKeyOf(keySource, source.partitionKeyPaths) : undefined;
  if (partitionKey === undefined) {
    return quarantine('MISSING_PARTITION_KEY', 'delete item has no partition key in metadata or previous', item, id);
  }
  const core = {
    source,
    documentId: id,
    partitionKey,
    lsn: metadata.lsn,
    ts: metadata.crts,
    publishedAt: isoTime(now),
  };
  const deleteKind = metadata.timeToLiveExpired ? 'ttl' : 'hard';
  return { ok: true, event: envelope(core, { operation: 'delete', deleteKind }) };
}

/**
 * Delete metadata names the partition key by property (`{ "customerId": "c1" }`); rebuild a document-shaped object so
 * the same path reader serves both shapes.
 */
function keyDocumentFromMetadata(
  partitionKey: Record<string, unknown> | undefined,
  paths: readonly string[],
): Record<string, unknown> | undefined {
  if (!partitionKey) return undefined;
  const document: Record<string, unknown> = {};
  for (const path of paths) {
    const segments = path.split('/').filter((part) => part.length > 0);
    const flatName = segments.join('/');
    const value = partitionKey[flatName] ?? partitionKey[segments[segments.length - 1] ?? ''];
    let cursor = document;
    segments.forEach((segment, index) => {
      if (index === segments.length - 1) cursor[segment] = value;
      else cursor = (cursor[segment] ??= {}) as Record<string, unknown>;
    });
  }
  return document;
}
