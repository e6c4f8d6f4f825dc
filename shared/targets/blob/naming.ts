/**
 * Blob names. Every name is a pure function of the event, so a retry or a redelivery always finds the blob it wrote.
 *
 * Segments are escaped to a small alphabet: ASCII letters, digits, "_" and "-" stay as they are; every other UTF-8
 * byte (including ".", "/", "~", "%", quotes and all non-ASCII) becomes "~" and two upper-case hex digits. The result
 * needs no URL escaping, never holds a "/" of its own, never ends with a dot, and decodes back exactly.
 *
 * latest:  <prefix>/<source>/<partition key>/<document id>.json
 *          The partition key segment is the escaped string for a non-empty string key; any other key (number,
 *          boolean, null, empty string, hierarchical array) is "~J" + the escaped JSON text, so 1 and "1" differ.
 *          When a segment would exceed 255 characters or the name 1,024 (Azure's limits), or the id is not valid
 *          UTF-16, the name is <prefix>/<source>/~H/<sha256 of the document key>.json instead; the body names the key.
 * archive: <prefix>/<source>/<yyyy>/<mm>/<dd>/<hh>/<event id>.ndjson, the hour (UTC) of the change's source `_ts`.
 */
import { createHash } from 'node:crypto';
import { documentKey, type ChangeEvent, type PartitionKeyValue } from '../../events/envelope.js';

const MAX_NAME = 1_024;
const MAX_SEGMENT = 255;
const KEPT = /^[A-Za-z0-9_-]$/;
const JSON_MARKER = '~J';
const HASHED_FOLDER = '~H';
/** 9999-12-31T23:59:59Z: later times have no four-digit year, so no yyyy folder. */
const LAST_FOUR_DIGIT_YEAR_SECOND = 253_402_300_799;

export function escapeSegment(text: string): string {
  let out = '';
  for (const char of text) {
    if (KEPT.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `~${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of `escapeSegment`; throws on text `escapeSegment` cannot have produced. */
export function unescapeSegment(segment: string): string {
  if (!/^(?:[A-Za-z0-9_-]|~[0-9A-F]{2})*$/.test(segment)) throw new Error(`not an escaped segment: ${segment}`);
  const bytes: number[] = [];
  for (let index = 0; index < segment.length;) {
    if (segment[index] === '~') {
      bytes.push(Number.parseInt(segment.slice(index + 1, index + 3), 16));
      index += 3;
    } else {
      bytes.push(segment.charCodeAt(index));
      index += 1;
    }
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
}

export function partitionKeySegment(partitionKey: PartitionKeyValue): string {
  return typeof partitionKey === 'string' && partitionKey !== ''
    ? escapeSegment(partitionKey)
    : `${JSON_MARKER}${escapeSegment(JSON.stringify(partitionKey))}`;
}

/** The inverse of `partitionKeySegment`; throws on a segment it cannot have produced. */
export function parsePartitionKeySegment(segment: string): PartitionKeyValue {
  return segment.startsWith(JSON_MARKER)
    ? (JSON.parse(unescapeSegment(segment.slice(JSON_MARKER.length))) as PartitionKeyValue)
    : unescapeSegment(segment);
}

export const join = (prefix: string, segments: string[]): string =>
  (prefix ? [prefix, ...segments] : segments).join('/');

/** What names a document: an event, or a ref read back (only the source's name is used). */
type KeyFields = Pick<ChangeEvent, 'partitionKey' | 'documentId'> & { source: Pick<ChangeEvent['source'], 'name'> };

export function latestBlobName(prefix: string, event: KeyFields): string {
  const source = escapeSegment(event.source.name);
  const readable = [source, partitionKeySegment(event.partitionKey), `${escapeSegment(event.documentId)}.json`];
  const name = join(prefix, readable);
  const fits = name.length <= MAX_NAME && readable.every((part) => part.length <= MAX_SEGMENT);
  if (fits && isWellFormed(event.documentId) && isWellFormedKey(event.partitionKey)) return name;
  // documentKey reads only the source's name, which a ref read back has too.
  const hash = createHash('sha256')
    .update(documentKey(event as Pick<ChangeEvent, keyof KeyFields>))
    .digest('hex');
  return join(prefix, [source, HASHED_FOLDER, `${hash}.json`]);
}

/** A lone surrogate has no UTF-8 form: escaping would turn two different ids into the same replacement bytes. */
export const isWellFormed = (text: string): boolean => !/\p{Cs}/u.test(text);

export function isWellFormedKey(partitionKey: PartitionKeyValue): boolean {
  const parts = Array.isArray(partitionKey) ? partitionKey : [partitionKey];
  return parts.every((part) => typeof part !== 'string' || isWellFormed(part));
}

/** What a latest-mode name says about its document; `hashed` names carry the key only in the blob's body. */
export type ParsedLatestName =
  | { kind: 'readable'; source: string; partitionKey: PartitionKeyValue; documentId: string }
  | { kind: 'hashed'; source: string; hash: string };

export function parseLatestBlobName(prefix: string, name: string): ParsedLatestName | undefined {
  const rest = prefix ? (name.startsWith(`${prefix}/`) ? name.slice(prefix.length + 1) : undefined) : name;
  const parts = rest?.split('/');
  if (parts?.length !== 3 || !parts[2]?.endsWith('.json')) return undefined;
  const [sourcePart, keyPart, file] = parts as [string, string, string];
  const last = file.slice(0, -'.json'.length);
  try {
    const source = unescapeSegment(sourcePart);
    if (keyPart === HASHED_FOLDER) return { kind: 'hashed', source, hash: last };
    return {
      kind: 'readable',
      source,
      partitionKey: parsePartitionKeySegment(keyPart),
      documentId: unescapeSegment(last),
    };
  } catch {
    // Not a name this target wrote (another writer's blob in the same folder): report it as not ours.
    return undefined;
  }
}

/**
 * The hour folder comes from the change's source timestamp, never from the time of writing: a redelivery hours later
 * must reach the same name, or the archive would hold the event twice.
 */
export function archiveBlobName(prefix: string, event: Pick<ChangeEvent, 'source' | 'version' | 'eventId'>): string {
  if (event.version.ts > LAST_FOUR_DIGIT_YEAR_SECOND) {
    throw new RangeError(`source timestamp ${event.version.ts} is beyond year 9999 and has no yyyy/mm/dd/hh folder`);
  }
  const iso = new Date(event.version.ts * 1_000).toISOString();
  const hour = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13)];
  const escaped = escapeSegment(event.eventId);
  // Ids the publisher makes are 64 hex characters; only an exotic id needs hashing to stay under the segment limit.
  const file = escaped.length <= MAX_SEGMENT - 7 ? escaped : createHash('sha256').update(event.eventId).digest('hex');
  return join(prefix, [escapeSegment(event.source.name), ...hour, `${file}.ndjson`]);
}

/** The folder holding every blob of one source, in either mode: `<prefix>/<source>/`. */
export const sourceFolder = (prefix: string, source: string): string => `${join(prefix, [escapeSegment(source)])}/`;

/** Whether a name is an archive blob's: `<source folder><yyyy>/<mm>/<dd>/<hh>/<file>.ndjson`. */
export const isArchiveBlobName = (folder: string, name: string): boolean =>
  name.startsWith(folder) && /^\d{4}\/\d{2}\/\d{2}\/\d{2}\/[A-Za-z0-9_~-]+\.ndjson$/.test(name.slice(folder.length));
