/** Reading back and removing poison records on Azurite: what the store wrote, per target, body and row together. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { blobContainerFor } from '../../shared/clients/blobs.js';
import { tableClientFor } from '../../shared/clients/tables.js';
import { countPoison } from '../../shared/poison/count.js';
import { PoisonReader, type StoredPoisonRecord } from '../../shared/poison/reader.js';
import { poisonBlobName, poisonRowKey, type PoisonRecord } from '../../shared/poison/record.js';
import { StoragePoisonStore } from '../../shared/poison/store.js';
import { randomTableName, storageConnection } from '../state/helpers.js';

let azurite: LocalAzurite;
beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});
afterAll(async () => {
  await azurite?.close();
});

function setup() {
  const table = tableClientFor(storageConnection(azurite), randomTableName('poison'));
  const container = blobContainerFor(storageConnection(azurite), randomTableName('c').toLowerCase());
  return {
    table,
    container,
    store: new StoragePoisonStore(table, container),
    reader: new PoisonReader(table, container),
  };
}

function record(overrides: Partial<PoisonRecord> = {}): PoisonRecord {
  return {
    target: 'copy',
    reason: 'COSMOS_400',
    description: 'rejected by the target',
    messageId: 'm-1',
    eventId: 'e-1',
    source: 'orders',
    documentKey: '{"documentId":"d1","partitionKey":"c1"}',
    sessionId: 'bucket-07',
    correlationId: 'corr-1',
    deliveryCount: 2,
    enqueuedTimeUtc: new Date('2026-12-04T10:00:00.000Z'),
    sequenceNumber: '42',
    recordedAt: new Date('2026-12-04T10:00:01.000Z'),
    body: Buffer.from('{"eventId":"e-1"}'),
    ...overrides,
  };
}

async function all(reader: PoisonReader, target: string): Promise<StoredPoisonRecord[]> {
  const found: StoredPoisonRecord[] = [];
  for await (const item of reader.list(target)) found.push(item);
  return found;
}

describe('PoisonReader', () => {
  it('lists a target’s records with every field the store wrote, and only that target’s', async () => {
    const { store, reader } = setup();
    await store.record([record(), record({ messageId: 'm-2', eventId: 'e-2' }), record({ target: 'other' })]);
    const found = await all(reader, 'copy');
    expect(found.map((item) => item.rowKey)).toEqual(['m-1', 'm-2']);
    expect(found[0]).toEqual({
      target: 'copy',
      rowKey: 'm-1',
      reason: 'COSMOS_400',
      description: 'rejected by the target',
      messageId: 'm-1',
      eventId: 'e-1',
      source: 'orders',
      documentKey: '{"documentId":"d1","partitionKey":"c1"}',
      sessionId: 'bucket-07',
      correlationId: 'corr-1',
      deliveryCount: 2,
      enqueuedTimeUtc: new Date('2026-12-04T10:00:00.000Z'),
      sequenceNumber: '42',
      recordedAt: new Date('2026-12-04T10:00:01.000Z'),
      bodyBlob: poisonBlobName('copy', 'm-1'),
      bodyBytes: 17,
    });
    expect((await all(reader, 'other')).map((item) => item.rowKey)).toEqual(['m-1']);
    expect(await all(reader, 'nobody')).toEqual([]);
  });

  it('lists nothing before the table exists', async () => {
    const { reader } = setup();
    expect(await all(reader, 'copy')).toEqual([]);
    await expect(reader.get('copy', 'm-1')).resolves.toBeUndefined();
  });

  it('reads a body byte for byte, also one that is not text, under a hashed row key', async () => {
    const { store, reader } = setup();
    const body = Buffer.from([0x7b, 0xff, 0x00, 0x22]);
    await store.record([record({ messageId: 'a/b#c', body })]);
    const key = poisonRowKey('a/b#c', body);
    const found = await reader.get('copy', key);
    expect(found?.messageId).toBe('a/b#c');
    expect((await reader.readBody(found as StoredPoisonRecord)).equals(body)).toBe(true);
  });

  it('deletes row and blob, and deleting again is harmless', async () => {
    const { store, reader, container, table } = setup();
    await store.record([record(), record({ messageId: 'm-2' })]);
    const [first] = await all(reader, 'copy');
    await reader.delete(first as StoredPoisonRecord);
    await reader.delete(first as StoredPoisonRecord);
    expect((await all(reader, 'copy')).map((item) => item.rowKey)).toEqual(['m-2']);
    await expect(container.getBlobClient(poisonBlobName('copy', 'm-1')).exists()).resolves.toBe(false);
    await expect(container.getBlobClient(poisonBlobName('copy', 'm-2')).exists()).resolves.toBe(true);
    await expect(countPoison(table, 'copy')).resolves.toBe(1);
  });

  it('names the blob when a record’s body is missing', async () => {
    const { store, reader, container } = setup();
    await store.record([record()]);
    await container.getBlobClient(poisonBlobName('copy', 'm-1')).delete();
    const [found] = await all(reader, 'copy');
    await expect(reader.readBody(found as StoredPoisonRecord)).rejects.toMatchObject({
      code: 'STATE_ROW_INVALID',
      retryable: false,
      message: expect.stringContaining('blob poison-messages/copy/m-1') as unknown,
    });
  });

  it('fails with a retryable error naming what it tried when storage cannot be reached', async () => {
    const unreachable = {
      kind: 'connectionString',
      setting: 'Broken',
      connectionString:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;',
    } as const;
    const reader = new PoisonReader(tableClientFor(unreachable, 'poisony'), blobContainerFor(unreachable, 'poisony'));
    await expect(all(reader, 'copy')).rejects.toMatchObject({
      code: 'STATE_UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining('list poison records of target copy in table poisony') as unknown,
    });
  });
});
