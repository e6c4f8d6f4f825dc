import { describe, expect, it } from 'vitest';
import { changeEventSchema } from '../../../shared/events/envelope.js';
import { quarantineBlobName, safeJson } from '../../../shared/publish/quarantine.js';
import { toServiceBusMessage } from '../../../shared/publish/to-message.js';
import { mapAllVersionsItem, mapLatestVersionItem } from '../../../shared/events/map-change.js';
import { makeEvent } from '../../support/events.js';

describe('toServiceBusMessage', () => {
  it('carries the envelope as UTF-8 JSON with deterministic id, session bucket and rule properties', () => {
    const event = makeEvent({ id: 'é/1', pk: 'customer-7', lsn: 12, data: { type: 'order' } });
    const message = toServiceBusMessage(event, { sessionBuckets: 8, typeField: 'type' });
    expect(changeEventSchema.parse(JSON.parse((message.body as Buffer).toString('utf8')))).toEqual(event);
    expect(message).toMatchObject({
      contentType: 'application/json',
      messageId: event.eventId,
      subject: 'upsert',
      applicationProperties: { source: 'test-source', operation: 'upsert', type: 'order', schemaVersion: 1 },
    });
    expect(message.sessionId).toMatch(/^bucket-[0-7]$/);
    expect(
      toServiceBusMessage(makeEvent({ id: 'other', pk: 'customer-7', lsn: 1 }), { sessionBuckets: 8 }).sessionId,
    ).toBe(message.sessionId);
  });

  it('leaves out the type property for deletes and for non-scalar types', () => {
    const deleted = toServiceBusMessage(makeEvent({ lsn: 1, op: 'delete' }), { sessionBuckets: 4, typeField: 'type' });
    expect(deleted.applicationProperties).not.toHaveProperty('type');
    expect(deleted.subject).toBe('delete');
    const objectType = toServiceBusMessage(makeEvent({ lsn: 1, data: { type: { a: 1 } } }), {
      sessionBuckets: 4,
      typeField: 'type',
    });
    expect(objectType.applicationProperties).not.toHaveProperty('type');
  });
});

it('writes bodies that parse back to the same event, for upserts, deletes and text that needs escaping', () => {
  const source = {
    name: 'src "quoted"',
    account: 'acct',
    database: 'db',
    container: 'c',
    partitionKeyPaths: ['/pk'],
    softDelete: { field: 'gone', value: true },
    changeFeedMode: 'LatestVersion' as const,
  };
  const at = '2026-11-26T10:00:00.000Z';
  const items = [
    mapLatestVersionItem({ id: 'é"\\\n\ud800', pk: 'p\u2028', _lsn: 1, _ts: 2, nested: { a: [1, null] } }, source, at),
    mapLatestVersionItem({ id: 'd', pk: 'p', _lsn: 3, _ts: 4, gone: true }, source, at),
    mapAllVersionsItem(
      { previous: { id: 'd', pk: 7 }, metadata: { operationType: 'delete', lsn: 5, crts: 6 } },
      source,
      at,
    ),
  ];
  const events = [
    ...items.map((mapped) => {
      if (!mapped.ok) throw new Error(mapped.reason);
      return mapped.event;
    }),
    makeEvent({ lsn: 1, op: 'delete' }),
    { ...makeEvent({ lsn: 2 }), correlationId: 'caller-supplied' },
  ];
  for (const event of events) {
    const body = (toServiceBusMessage(event, { sessionBuckets: 1 }).body as Buffer).toString('utf8');
    expect(body).toBe(JSON.stringify(event));
    expect(changeEventSchema.parse(JSON.parse(body))).toEqual(event);
  }
});

it('throws a TypeError for payloads JSON cannot hold, which the publisher turns into a quarantine', () => {
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic['self'] = cyclic;
  expect(() => toServiceBusMessage(makeEvent({ lsn: 1, data: { big: 1n } }), { sessionBuckets: 1 })).toThrow(TypeError);
  expect(() => toServiceBusMessage(makeEvent({ lsn: 1, data: cyclic }), { sessionBuckets: 1 })).toThrow(TypeError);
});

describe('quarantine helpers', () => {
  it('renders cycles and BigInts without throwing', () => {
    const item: Record<string, unknown> = { id: 'x', n: 5n };
    item['self'] = item;
    expect(JSON.parse(safeJson(item))).toEqual({ id: 'x', n: '5n', self: '[Circular]' });
  });

  it('names blobs by source, day, code and content so the same item lands in the same blob', () => {
    const entry = {
      source: 's',
      code: 'MISSING_ID',
      reason: 'r',
      documentId: undefined,
      item: { a: 1 },
      quarantinedAt: '2026-11-26T10:00:00.000Z',
    };
    expect(quarantineBlobName(entry)).toMatch(/^s\/2026-11-26\/MISSING_ID\/[0-9a-f]{32}\.json$/);
    expect(quarantineBlobName({ ...entry, reason: 'other' })).toBe(quarantineBlobName(entry));
    expect(quarantineBlobName({ ...entry, item: { a: 2 } })).not.toBe(quarantineBlobName(entry));
  });
});
