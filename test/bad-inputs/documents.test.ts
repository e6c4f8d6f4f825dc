/**
 * Bad and awkward documents on the publish path, one row each (docs/bad-inputs.md, "Documents"): what the change-feed
 * mapping makes of them (an event, or a quarantine verdict with its code and reason) and, for those that become
 * events, that the message body carries them intact to the subscriber's parser. What the publisher does with the
 * verdicts against the local stack (quarantine blobs, TOO_LARGE, NOT_SERIALIZABLE) is proved in
 * test/publish/publisher.int.test.ts; the claim check's choice of what goes by reference in test/claims/*.int.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { mapAllVersionsItem, mapLatestVersionItem, type PublishSource } from '../../shared/events/map-change.js';
import { ClaimUploads } from '../../shared/publish/claim-uploads.js';
import { toServiceBusMessage } from '../../shared/publish/to-message.js';
import { readMessage } from '../../shared/subscribe/parse-message.js';
import { MemoryClaims } from '../claims/memory-claims.js';

const source: PublishSource = {
  name: 'orders',
  account: 'localhost',
  database: 'shop',
  container: 'orders',
  partitionKeyPaths: ['/customerId'],
  softDelete: { field: '_deleted', value: true },
  changeFeedMode: 'LatestVersion',
};
const hierarchical: PublishSource = { ...source, partitionKeyPaths: ['/tenant', '/region', '/customerId'] };
const now = '2026-01-02T03:04:05.000Z';
const doc = (extra: Record<string, unknown> = {}) => ({
  id: 'o1',
  customerId: 'c1',
  _lsn: 42,
  _ts: 1_700_000_000,
  ...extra,
});
const without = (key: string) => Object.fromEntries(Object.entries(doc()).filter(([name]) => name !== key));

/** The body a subscriber receives for `item`, read back as the subscriber reads it. */
function roundTrip(item: unknown, from: PublishSource = source) {
  const mapped = mapLatestVersionItem(item, from, now);
  if (!mapped.ok) throw new Error(`quarantined: ${mapped.reason}`);
  const message = toServiceBusMessage(mapped.event, { sessionBuckets: 64 });
  const read = readMessage(message.body as Buffer);
  if (read.kind !== 'event') throw new Error(`not read back as an event: ${JSON.stringify(read)}`);
  return { event: mapped.event, read: read.event, bytes: (message.body as Buffer).length };
}

describe('documents that can never be published are quarantined with a code and a reason', () => {
  it.each<[string, unknown, PublishSource, string, RegExp]>([
    ['a document without id', without('id'), source, 'MISSING_ID', /^document has no string "id"$/],
    ['an empty id', doc({ id: '' }), source, 'MISSING_ID', /no string "id"/],
    ['a numeric id', doc({ id: 42 }), source, 'MISSING_ID', /no string "id"/],
    ['an array instead of a document', [doc()], source, 'NOT_AN_OBJECT', /not a JSON object/],
    ['null instead of a document', null, source, 'NOT_AN_OBJECT', /not a JSON object/],
    [
      'a missing partition key',
      without('customerId'),
      source,
      'MISSING_PARTITION_KEY',
      /^document has no scalar value at partition key path \/customerId$/,
    ],
    ['an object as partition key', doc({ customerId: { a: 1 } }), source, 'MISSING_PARTITION_KEY', /\/customerId/],
    [
      'a hierarchical key with its middle level missing',
      doc({ tenant: 't1' }),
      hierarchical,
      'MISSING_PARTITION_KEY',
      /partition key path \/tenant, \/region, \/customerId$/,
    ],
    [
      'no _lsn',
      without('_lsn'),
      source,
      'MISSING_VERSION',
      /^document has no integer "_lsn" and "_ts" \(each from 0 to 2\^53-1\)$/,
    ],
    ['a non-numeric _lsn', doc({ _lsn: '42' }), source, 'MISSING_VERSION', /"_lsn"/],
    ['a negative _lsn', doc({ _lsn: -1 }), source, 'MISSING_VERSION', /"_lsn"/],
    ['a fractional _lsn', doc({ _lsn: 4.5 }), source, 'MISSING_VERSION', /"_lsn"/],
    ['no _ts', without('_ts'), source, 'MISSING_VERSION', /"_ts"/],
    [
      'an _lsn beyond 2^53 (subscribers could not compare it exactly)',
      doc({ _lsn: 2 ** 60 }),
      source,
      'MISSING_VERSION',
      /2\^53-1/,
    ],
    ['a negative _ts', doc({ _ts: -5 }), source, 'MISSING_VERSION', /"_ts"/],
  ])('%s', (_label, item, from, code, reason) => {
    const result = mapLatestVersionItem(item, from, now);
    expect(result).toMatchObject({ ok: false, code, item });
    if (result.ok) return;
    expect(result.reason).toMatch(reason);
  });

  it.each<[string, unknown, string, RegExp]>([
    [
      'an all-versions item whose metadata.lsn is not a number',
      { current: doc(), metadata: { operationType: 'create', lsn: '7', crts: 1 } },
      'NOT_AN_OBJECT',
      /^not an all-versions change-feed item \(metadata\.lsn: /,
    ],
    [
      'an all-versions item with an unknown operation',
      { current: doc(), metadata: { operationType: 'upsert', lsn: 7, crts: 1 } },
      'UNKNOWN_OPERATION',
      /^unknown operationType "upsert"$/,
    ],
    [
      'an all-versions delete without id',
      { metadata: { operationType: 'delete', lsn: 7, crts: 1, partitionKey: { customerId: 'c1' } } },
      'MISSING_ID',
      /^delete item has no document id$/,
    ],
    [
      'an all-versions delete without partition key',
      { metadata: { operationType: 'delete', lsn: 7, crts: 1, id: 'o1' } },
      'MISSING_PARTITION_KEY',
      /^delete item has no partition key in metadata or previous$/,
    ],
  ])('%s', (_label, item, code, reason) => {
    const result = mapAllVersionsItem(item, { ...source, changeFeedMode: 'AllVersionsAndDeletes' }, now);
    expect(result).toMatchObject({ ok: false, code });
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('a BigInt or a cycle in a document cannot be encoded: the publisher quarantines it as NOT_SERIALIZABLE', () => {
    const cyclic: Record<string, unknown> = doc();
    cyclic['self'] = cyclic;
    for (const item of [doc({ amount: 10n }), cyclic]) {
      const mapped = mapLatestVersionItem(item, source, now);
      if (!mapped.ok) throw new Error(mapped.reason);
      // publisher.ts turns exactly this TypeError into the NOT_SERIALIZABLE quarantine (publisher.int.test.ts).
      expect(() => toServiceBusMessage(mapped.event, { sessionBuckets: 64 })).toThrow(TypeError);
    }
  });
});

describe('awkward documents that are valid reach the subscriber intact', () => {
  it.each([
    ['an id with "/"', 'a/b'],
    ['an id with "#"', 'a#b'],
    ['an id with "?"', 'a?b=c'],
    ['an id with "\\"', 'a\\b'],
    ['an id in unicode (accents, CJK, emoji, right-to-left)', 'café-東京-🚀-שלום'],
    ['an id of 255 characters', 'x'.repeat(255)],
    ['an id of 1,024 characters', 'y'.repeat(1024)],
    ['an id with spaces and control characters', ' a\tb\n '],
  ])('%s keeps its id byte for byte', (_label, id) => {
    const { event, read } = roundTrip(doc({ id }));
    expect(event.documentId).toBe(id);
    expect(read.documentId).toBe(id);
    expect(event.eventId).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, unknown]>([
    ['a number', 17],
    ['zero', 0],
    ['a boolean', false],
    ['null', null],
    ['an empty string', ''],
  ])('a partition key that is %s is kept with its JSON type', (_label, key) => {
    const { event, read } = roundTrip(doc({ customerId: key }));
    expect(event.partitionKey).toBe(key);
    expect(read.partitionKey).toBe(key);
  });

  it('a hierarchical key with every level present, null included, is kept as an array', () => {
    const { read } = roundTrip(doc({ tenant: 't1', region: null, customerId: 3 }), hierarchical);
    expect(read.partitionKey).toEqual(['t1', null, 3]);
  });

  it('a document nested 100 levels deep is published and parsed back unchanged', () => {
    let nested: Record<string, unknown> = { leaf: true };
    for (let depth = 1; depth < 100; depth += 1) nested = { child: nested };
    const { read } = roundTrip(doc({ nested }));
    expect(read.operation === 'upsert' && read.payload['nested']).toEqual(nested);
  });

  it('numbers beyond 2^53 arrive as the double the change feed parsed (JSON has no wider integer in JavaScript)', () => {
    // The SDK hands over JSON.parse's result: 9007199254740993 is already 9007199254740992 when mapping sees it.
    const parsed = JSON.parse('{"big": 9007199254740993, "huge": 1e308}') as Record<string, number>;
    const { read } = roundTrip(doc(parsed));
    expect(read.operation === 'upsert' && read.payload['big']).toBe(2 ** 53);
    expect(read.operation === 'upsert' && read.payload['huge']).toBe(1e308);
  });

  it('a 1.9 MB document goes by claim check: the blob holds the exact event, the message a small reference', async () => {
    const { event, bytes } = roundTrip(doc({ blob: 'z'.repeat(1_900_000) }));
    // Above every Service Bus message limit but Premium's largest: the claim check carries it (docs/claim-check.md).
    expect(bytes).toBeGreaterThan(1_900_000);
    const message = toServiceBusMessage(event, { sessionBuckets: 64 });
    const claims = new MemoryClaims();
    const pending = {
      message,
      bytes: message.body as Buffer,
      event,
      item: event.payload,
      documentId: event.documentId,
    };
    const claimed = await new ClaimUploads({ store: claims, maxEventBytes: 16 * 1024 * 1024 }, undefined).claim(
      pending,
    );
    if (!claimed.ok) throw new Error(claimed.reason);
    expect(claims.blobs.get(claimed.blob)).toEqual(pending.bytes);
    expect((claimed.message.body as Buffer).length).toBeLessThan(2_000);
    expect(claimed.message.messageId).toBe(event.eventId);
  });

  it('an event above COSMOS_SYNC_CLAIM_MAX_BYTES is refused by the claim check with its size (quarantined TOO_LARGE)', async () => {
    const { event } = roundTrip(doc({ blob: 'z'.repeat(1_900_000) }));
    const message = toServiceBusMessage(event, { sessionBuckets: 64 });
    const pending = {
      message,
      bytes: message.body as Buffer,
      event,
      item: event.payload,
      documentId: event.documentId,
    };
    const claims = new MemoryClaims();
    const claimed = await new ClaimUploads({ store: claims, maxEventBytes: 1_048_576 }, undefined).claim(pending);
    expect(claimed).toEqual({
      ok: false,
      reason: `event is ${pending.bytes.length} bytes, above COSMOS_SYNC_CLAIM_MAX_BYTES (1048576), the largest event the claim check stores`,
    });
    expect(claims.puts).toEqual([]);
  });
});
