import { describe, expect, it } from 'vitest';
import { changeEventSchema, compareVersions } from '../../../shared/events/envelope.js';
import { mapAllVersionsItem, mapLatestVersionItem, type PublishSource } from '../../../shared/events/map-change.js';

const source: PublishSource = {
  name: 'orders',
  account: 'localhost',
  database: 'shop',
  container: 'orders',
  partitionKeyPaths: ['/customerId'],
  softDelete: { field: '_deleted', value: true },
  changeFeedMode: 'LatestVersion',
};
const now = new Date('2026-01-02T03:04:05.000Z');
const doc = (extra: Record<string, unknown> = {}) => ({
  id: 'o1',
  customerId: 'c1',
  total: 5,
  _lsn: 42,
  _ts: 1_700_000_000,
  _etag: '"e"',
  ...extra,
});

describe('mapLatestVersionItem', () => {
  it('maps a document to a valid upsert event carrying its version and payload', () => {
    const result = mapLatestVersionItem(doc(), source, now);
    if (!result.ok) throw new Error(result.reason);
    expect(changeEventSchema.parse(result.event)).toEqual(result.event);
    expect(result.event).toMatchObject({
      operation: 'upsert',
      documentId: 'o1',
      partitionKey: 'c1',
      version: { lsn: 42, ts: 1_700_000_000 },
      source: { name: 'orders', account: 'localhost', database: 'shop', container: 'orders' },
      publishedAt: '2026-01-02T03:04:05.000Z',
      payload: doc(),
    });
    expect(result.event.eventId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('turns the soft-delete marker into a delete event without payload', () => {
    const result = mapLatestVersionItem(doc({ _deleted: true }), source, now);
    expect(result).toMatchObject({ ok: true, event: { operation: 'delete', deleteKind: 'soft', payload: null } });
  });

  it('does not treat a marker with another value as a delete', () => {
    const result = mapLatestVersionItem(doc({ _deleted: 'yes' }), source, now);
    expect(result).toMatchObject({ ok: true, event: { operation: 'upsert' } });
  });

  it('gives the same event id for the same change and different ids for different LSNs', () => {
    const a = mapLatestVersionItem(doc(), source, now);
    const b = mapLatestVersionItem(doc(), source, new Date());
    const c = mapLatestVersionItem(doc({ _lsn: 43 }), source, now);
    if (!a.ok || !b.ok || !c.ok) throw new Error('mapping failed');
    expect(a.event.eventId).toBe(b.event.eventId);
    expect(c.event.eventId).not.toBe(a.event.eventId);
  });

  it('reads nested and hierarchical partition keys', () => {
    const nested = mapLatestVersionItem(doc({ tenant: { id: 't1' } }), {
      ...source,
      partitionKeyPaths: ['/tenant/id'],
    });
    expect(nested).toMatchObject({ ok: true, event: { partitionKey: 't1' } });
    const hierarchical = mapLatestVersionItem(doc({ region: 'eu' }), {
      ...source,
      partitionKeyPaths: ['/region', '/customerId'],
    });
    expect(hierarchical).toMatchObject({ ok: true, event: { partitionKey: ['eu', 'c1'] } });
  });

  it.each([
    ['a string', 'hello', 'NOT_AN_OBJECT'],
    ['an array', [doc()], 'NOT_AN_OBJECT'],
    ['no id', doc({ id: undefined }), 'MISSING_ID'],
    ['an empty id', doc({ id: '' }), 'MISSING_ID'],
    ['a numeric id', doc({ id: 7 }), 'MISSING_ID'],
    ['no partition key', doc({ customerId: undefined }), 'MISSING_PARTITION_KEY'],
    ['an object partition key', doc({ customerId: { a: 1 } }), 'MISSING_PARTITION_KEY'],
    ['no _lsn', doc({ _lsn: undefined }), 'MISSING_VERSION'],
    ['a fractional _lsn', doc({ _lsn: 1.5 }), 'MISSING_VERSION'],
  ])('quarantines %s with a reason instead of throwing', (_label, item, code) => {
    const result = mapLatestVersionItem(item, source, now);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    expect(result.reason.length).toBeGreaterThan(10);
    expect(result.item).toBe(item);
  });

  it('shares one frozen source object per descriptor, so events cannot alter each other through it', () => {
    const first = mapLatestVersionItem(doc(), source, now);
    const second = mapLatestVersionItem(doc({ id: 'o2' }), source, now);
    if (!first.ok || !second.ok) throw new Error('expected events');
    expect(second.event.source).toBe(first.event.source);
    expect(Object.isFrozen(first.event.source)).toBe(true);
    expect(first.event.source).toEqual({ name: 'orders', account: 'localhost', database: 'shop', container: 'orders' });
  });

  it('accepts the time as a preformatted string, as the publisher passes it once per batch', () => {
    const result = mapLatestVersionItem(doc(), source, '2026-01-02T03:04:05.000Z');
    expect(result).toMatchObject({ ok: true, event: { publishedAt: '2026-01-02T03:04:05.000Z' } });
  });
});

describe('mapAllVersionsItem', () => {
  const metadata = { lsn: 50, crts: 1_700_000_100, operationType: 'create' };

  it('maps create and replace to upserts at the metadata LSN when the document lacks _lsn', () => {
    const { _lsn: _omit, ...current } = doc();
    const result = mapAllVersionsItem({ current, metadata }, source, now);
    expect(result).toMatchObject({ ok: true, event: { operation: 'upsert', version: { lsn: 50 } } });
    const replaced = mapAllVersionsItem(
      { current: doc(), metadata: { ...metadata, operationType: 'replace' } },
      source,
    );
    expect(replaced).toMatchObject({ ok: true, event: { operation: 'upsert', version: { lsn: 42 } } });
  });

  it('ignores the soft-delete marker in all-versions mode (real deletes arrive as deletes)', () => {
    const result = mapAllVersionsItem({ current: doc({ _deleted: true }), metadata }, source);
    expect(result).toMatchObject({ ok: true, event: { operation: 'upsert' } });
  });

  it('maps a delete with metadata id and partition key', () => {
    const item = {
      current: {},
      metadata: { ...metadata, operationType: 'delete', id: 'o1', partitionKey: { customerId: 'c1' } },
    };
    const result = mapAllVersionsItem(item, source, now);
    if (!result.ok) throw new Error(result.reason);
    expect(changeEventSchema.parse(result.event)).toMatchObject({
      operation: 'delete',
      deleteKind: 'hard',
      documentId: 'o1',
      partitionKey: 'c1',
      version: { lsn: 50, ts: 1_700_000_100 },
      payload: null,
    });
  });

  it('marks TTL expiries and falls back to the previous image for the key', () => {
    const item = { previous: doc(), metadata: { ...metadata, operationType: 'delete', timeToLiveExpired: true } };
    expect(mapAllVersionsItem(item, source, now)).toMatchObject({
      ok: true,
      event: { operation: 'delete', deleteKind: 'ttl', documentId: 'o1', partitionKey: 'c1' },
    });
  });

  it('rebuilds hierarchical keys from delete metadata', () => {
    const item = {
      metadata: { ...metadata, operationType: 'delete', id: 'o1', partitionKey: { region: 'eu', customerId: 'c1' } },
    };
    const result = mapAllVersionsItem(item, { ...source, partitionKeyPaths: ['/region', '/customerId'] });
    expect(result).toMatchObject({ ok: true, event: { partitionKey: ['eu', 'c1'] } });
  });

  it.each([
    ['no metadata', { current: doc() }, 'NOT_AN_OBJECT'],
    [
      'an unknown operation',
      { current: doc(), metadata: { ...metadata, operationType: 'truncate' } },
      'UNKNOWN_OPERATION',
    ],
    ['a create without current', { metadata }, 'NOT_AN_OBJECT'],
    [
      'a delete without id',
      { metadata: { ...metadata, operationType: 'delete', partitionKey: { customerId: 'c1' } } },
      'MISSING_ID',
    ],
    ['a delete without key', { metadata: { ...metadata, operationType: 'delete', id: 'o1' } }, 'MISSING_PARTITION_KEY'],
    ['a negative lsn', { current: doc(), metadata: { ...metadata, lsn: -1 } }, 'NOT_AN_OBJECT'],
  ])('quarantines %s', (_label, item, code) => {
    expect(mapAllVersionsItem(item, source, now)).toMatchObject({ ok: false, code });
  });
});

describe('compareVersions', () => {
  it('orders by LSN and uses _ts only to break ties', () => {
    expect(compareVersions({ lsn: 1, ts: 9 }, { lsn: 2, ts: 1 })).toBeLessThan(0);
    expect(compareVersions({ lsn: 2, ts: 1 }, { lsn: 2, ts: 3 })).toBeLessThan(0);
    expect(compareVersions({ lsn: 2, ts: 3 }, { lsn: 2, ts: 3 })).toBe(0);
    expect(compareVersions({ lsn: 3, ts: 0 }, { lsn: 2, ts: 9 })).toBeGreaterThan(0);
  });
});
