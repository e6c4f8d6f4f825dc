/**
 * Reading back what a Redis target holds (for `cosmos-sync verify`) from its version records, never the values.
 * Versions of given refs: json format, one MGET of the `<key>:_sync` keys per page; hash format, one HGET of the
 * `_sync` field per key, pipelined. The pages' commands are all written before any reply is read: one round trip.
 * The listing of a source: SCAN over the pattern its keys match (the source's segment spelled out, the other
 * placeholders `*`), each key checked against the template, and the records of a page read as above.
 *
 * A tombstone expires after `tombstoneTtlSeconds`; after that the target holds nothing for that document. SCAN may
 * return a key twice when the keyspace is resized during the walk, so the listing may repeat a document.
 */
import type { Redis } from 'ioredis';
import type { PartitionKeyValue } from '../../events/envelope.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';
import { chunk, samePartitionKey } from '../read-back.js';
import type { DocumentRef, HeldDocument, HeldVersion } from '../target.js';
import { batchError, isTransientRedisError } from './errors.js';
import { compileKeyParser, sourcePattern, VERSION_KEY_SUFFIX, type KeyParts } from './keys.js';
import { HASH_VERSION_FIELD, parseVersionRecord, type ParsedVersionRecord } from './scripts.js';

export interface ReadSettings {
  target: string;
  client: Redis;
  keyTemplate: string;
  format: 'json' | 'hash';
  pageSize: number;
  keyOf: (parts: KeyParts) => string;
}

/** The version records of `keys` (document keys), one page per command, all pages on the wire at once. */
async function records(settings: ReadSettings, keys: readonly string[]): Promise<Array<string | null>> {
  if (keys.length === 0) return [];
  try {
    if (settings.format === 'json') {
      const pages = chunk(keys, settings.pageSize);
      const replies = await Promise.all(
        pages.map((page) => settings.client.mget(page.map((key) => `${key}${VERSION_KEY_SUFFIX}`))),
      );
      return replies.flat();
    }
    const pipeline = settings.client.pipeline();
    for (const key of keys) pipeline.hget(key, HASH_VERSION_FIELD);
    const replies = (await pipeline.exec()) ?? [];
    return keys.map((_, index) => {
      const [error, value] = replies[index] ?? [new Error('no reply'), null];
      // WRONGTYPE: someone else's key under that name, which holds nothing of this target's.
      if (error && isTransientRedisError(error)) throw error;
      return error ? null : (value as string | null);
    });
  } catch (error) {
    throw batchError(settings.target, error);
  }
}

/** The document a version record is for: the parts the key spells, the rest from the record. */
function documentOf(parts: Partial<KeyParts>, record: ParsedVersionRecord): DocumentRef | undefined {
  const source = parts.source ?? record.ref?.source;
  const partitionKey: PartitionKeyValue | undefined = parts.partitionKey ?? record.ref?.partitionKey;
  // A record written before records carried the ref, under a template that does not spell it: it cannot be named.
  if (source === undefined || partitionKey === undefined || parts.id === undefined) return undefined;
  return { source, partitionKey, documentId: parts.id };
}

const heldOf = (record: ParsedVersionRecord): HeldVersion => ({
  version: { lsn: record.lsn, ts: record.ts },
  deleted: record.deleted,
});

export async function readHeldVersions(
  settings: ReadSettings,
  refs: readonly DocumentRef[],
  signal?: AbortSignal,
): Promise<Array<HeldVersion | undefined>> {
  // Its client cannot cancel a request in flight: a shutdown stops the read before it starts.
  throwIfShuttingDown(signal);
  const keys = refs.map((ref) =>
    settings.keyOf({ source: ref.source, partitionKey: ref.partitionKey, id: ref.documentId }),
  );
  const texts = await records(settings, keys);
  return refs.map((ref, index) => {
    const record = parseVersionRecord(texts[index] ?? '');
    if (!record) return undefined;
    // Under a template without {source} or {partitionKey}, the key may hold another source's or key's document.
    if (
      record.ref &&
      (record.ref.source !== ref.source || !samePartitionKey(record.ref.partitionKey, ref.partitionKey))
    )
      return undefined;
    return heldOf(record);
  });
}

export async function* listHeld(
  settings: ReadSettings,
  source: string,
  signal?: AbortSignal,
): AsyncIterable<HeldDocument[]> {
  const suffix = settings.format === 'json' ? VERSION_KEY_SUFFIX : '';
  const pattern = `${sourcePattern(settings.keyTemplate, source)}${suffix}`;
  const parse = compileKeyParser(settings.keyTemplate);
  let cursor = '0';
  let pending = new Map<string, Partial<KeyParts>>();
  do {
    throwIfShuttingDown(signal);
    let keys: string[];
    try {
      [cursor, keys] = await settings.client.scan(cursor, 'MATCH', pattern, 'COUNT', settings.pageSize);
    } catch (error) {
      throw batchError(settings.target, error);
    }
    for (const scanned of keys) {
      const key = suffix ? scanned.slice(0, -suffix.length) : scanned;
      const parts = parse(key);
      if (parts && (parts.source === undefined || parts.source === source)) pending.set(key, parts);
    }
    // Pages of about `pageSize` documents, whatever SCAN found per call: a call over a busy database may find none.
    if (pending.size < settings.pageSize && cursor !== '0') continue;
    const page = await heldPage(settings, source, pending);
    pending = new Map();
    if (page.length > 0) yield page;
  } while (cursor !== '0');
}

async function heldPage(
  settings: ReadSettings,
  source: string,
  keys: Map<string, Partial<KeyParts>>,
): Promise<HeldDocument[]> {
  const texts = await records(settings, [...keys.keys()]);
  const page: HeldDocument[] = [];
  [...keys.values()].forEach((parts, index) => {
    const record = parseVersionRecord(texts[index] ?? '');
    const document = record && documentOf(parts, record);
    if (record && document?.source === source) page.push({ ...document, ...heldOf(record) });
  });
  return page;
}
