/**
 * What one event contributes to a guard script call: its keys and its arguments (see scripts.ts for the layout).
 * The document keeps the source's fields without Cosmos DB system properties (as in the other targets). In the hash
 * format every field value is JSON, so a reader gets back exactly the type it had ("1" and 1 stay apart); a field
 * named `_sync` is the target's and is dropped from the document.
 */
import type { ChangeEvent } from '../../events/envelope.js';
import type { Projection } from '../cosmos/document.js';
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
  /** The companion key holding a JSON value's version. */
  versionKey: string;
  format: 'json' | 'hash';
  maxValueBytes: number;
  project?: Projection | undefined;
}

const SOURCE_SYSTEM_PROPERTIES = new Set(['_rid', '_self', '_etag', '_attachments', '_ts', '_lsn']);

function documentOf(event: ChangeEvent, project: Projection | undefined): Record<string, unknown> | null {
  if (event.operation === 'delete') return null;
  const fields: Record<string, unknown> = {};
  for (const name in event.payload) {
    if (!SOURCE_SYSTEM_PROPERTIES.has(name)) fields[name] = event.payload[name];
  }
  return project ? project(fields, event) : fields;
}

function hashFields(document: Record<string, unknown>): string[] {
  const fields: string[] = [];
  for (const [name, value] of Object.entries(document)) {
    if (name !== HASH_VERSION_FIELD) fields.push(name, JSON.stringify(value ?? null));
  }
  return fields;
}

/** Throws a permanent TargetError when a value is too large, and whatever a projection throws. */
export function eventArgs(event: ChangeEvent, settings: ValueSettings): EventArgs {
  const document = documentOf(event, settings.project);
  const record = versionRecord(event.version.lsn, event.version.ts, document === null, event.eventId);
  let payload: string[];
  if (settings.format === 'json') payload = [document ? JSON.stringify(document) : ''];
  else payload = document ? hashFields(document) : [];
  let bytes = 0;
  for (const part of payload) {
    // A UTF-16 unit is at most 3 UTF-8 bytes: only values that could be too large are measured exactly.
    const size = part.length * 3 <= settings.maxValueBytes ? part.length : Buffer.byteLength(part, 'utf8');
    // Redis closes the connection on an argument over proto-max-bulk-len, which would fail the whole batch.
    if (size > settings.maxValueBytes) {
      throw TargetError.permanent(
        'REDIS_VALUE_TOO_LARGE',
        `document ${event.documentId}: a value of ${size} bytes exceeds maxValueBytes (${settings.maxValueBytes})`,
      );
    }
    bytes += size;
  }
  return settings.format === 'json'
    ? { keys: [settings.key, settings.versionKey], args: [record, ...payload], bytes }
    : { keys: [settings.key], args: [record, String(payload.length), ...payload], bytes };
}
