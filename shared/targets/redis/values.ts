/**
 * What one event contributes to a guard script call: its keys and its arguments (see scripts.ts for the layout).
 * The document keeps the source's fields without Cosmos DB system properties (as in the other targets). In the hash
 * format every field value is JSON, so a reader gets back exactly the type it had ("1" and 1 stay apart); a field
 * named `_sync` is the target's and is dropped from the document.
 */
import type { ChangeEvent } from '../../events/envelope.js';
import { projectedFields, type Projection } from '../projection.js';
import { TargetError } from '../target.js';
import { HASH_VERSION_FIELD, versionRecord } from './scripts.js';

export interface EventArgs {
  keys: string[];
  args: string[];
  /** Size of the value(s) (UTF-16 units unless measured), for sizing script calls. */
  bytes: number;
}

export interface ValueSettings {
  key: string;
  /** The companion key holding a JSON value's version (json format only). */
  versionKey: string;
  format: 'json' | 'hash';
  maxValueBytes: number;
  project?: Projection | undefined;
  /** The key template leaves out the source or the partition key: the record carries both (see scripts.ts). */
  recordRef?: boolean;
}

function documentOf(event: ChangeEvent, project: Projection | undefined): Record<string, unknown> | null {
  if (event.operation === 'delete') return null;
  const projected: unknown = projectedFields(event, project);
  // The json script tells a delete by its empty value, so a live document must serialize to a JSON object.
  if (typeof projected !== 'object' || projected === null || Array.isArray(projected)) {
    throw new TypeError('the projection did not return an object');
  }
  return projected as Record<string, unknown>;
}

function hashFields(document: Record<string, unknown>): string[] {
  const fields: string[] = [];
  for (const [name, value] of Object.entries(document)) {
    if (name !== HASH_VERSION_FIELD) fields.push(name, JSON.stringify(value ?? null));
  }
  return fields;
}

/** The size of one argument; Redis closes the connection on one over proto-max-bulk-len, failing the whole batch. */
function checkedSize(value: string, event: ChangeEvent, maxValueBytes: number): number {
  // A UTF-16 unit is at most 3 UTF-8 bytes: only values that could be too large are measured exactly.
  const size = value.length * 3 <= maxValueBytes ? value.length : Buffer.byteLength(value, 'utf8');
  if (size > maxValueBytes) {
    throw TargetError.permanent(
      'REDIS_VALUE_TOO_LARGE',
      `document ${event.documentId}: a value of ${size} bytes exceeds maxValueBytes (${maxValueBytes})`,
    );
  }
  return size;
}

/** Throws a permanent TargetError when a value is too large, and whatever a projection throws. */
export function eventArgs(event: ChangeEvent, settings: ValueSettings): EventArgs {
  const document = documentOf(event, settings.project);
  const ref = settings.recordRef ? JSON.stringify([event.source.name, event.partitionKey]) : undefined;
  const record = versionRecord(event.version.lsn, event.version.ts, document === null, event.eventId, ref);
  if (settings.format === 'json') {
    const value = document ? JSON.stringify(document) : '';
    const bytes = checkedSize(value, event, settings.maxValueBytes);
    return { keys: [settings.key, settings.versionKey], args: [record, value], bytes };
  }
  const fields = document ? hashFields(document) : [];
  const args = [record, String(fields.length)];
  let bytes = 0;
  for (const part of fields) {
    bytes += checkedSize(part, event, settings.maxValueBytes);
    args.push(part);
  }
  return { keys: [settings.key], args, bytes };
}
