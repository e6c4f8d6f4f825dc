/** The poison store and its count on Azurite: rows, bodies kept byte for byte, idempotent re-recording. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { blobContainerFor } from '../../shared/clients/blobs.js';
import { tableClientFor } from '../../shared/clients/tables.js';
import { countPoison } from '../../shared/poison/count.js';
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
  return { table, container, store: new StoragePoisonStore(table, container) };
}

function record(overrides: Partial<PoisonRecord> = {}): PoisonRecord {
  return {
    target: 'copy',
    reason: 'InvalidEvent',
    description: 'body is not JSON',
    messageId: 'm-1',
    eventId: undefined,
    source: undefined,
    documentKey: undefined,
    sessionId: 'bucket-07',
    correlationId: undefined,
    deliveryCount: 1,
    enqueuedTimeUtc: new Date('2026-12-04T10:00:00.000Z'),
    sequenceNumber: '42',
    recordedAt: new Date('2026-12-04T10:00:01.000Z'),
    body: Buffer.from([0x7b, 0xff, 0x00, 0x22]),
    ...overrides,
  };
}

describe('StoragePoisonStore', () => {
  it('stores one row per message with its reason and the body byte for byte', async () => {
    const { table, container, store } = setup();
    await store.record([record()]);
    const row = await table.getEntity<Record<string, unknown>>('copy', 'm-1');
    expect(row).toMatchObject({
      reason: 'InvalidEvent',
      description: 'body is not JSON',
      messageId: 'm-1',
      sessionId: 'bucket-07',
      deliveryCount: 1,
      sequenceNumber: '42',
      bodyBlob: 'poison-messages/copy/m-1',
      bodyBytes: 4,
    });
    expect(row['recordedAt']).toEqual(new Date('2026-12-04T10:00:01.000Z'));
    const body = await container.getBlobClient(poisonBlobName('copy', 'm-1')).downloadToBuffer();
    expect(body.equals(Buffer.from([0x7b, 0xff, 0x00, 0x22]))).toBe(true);
  });

  it('keeps the first record when the same message is recorded again (a redelivered batch)', async () => {
    const { table, store } = setup();
    await store.record([record({ description: 'first' })]);
    await store.record([record({ description: 'second', deliveryCount: 2 })]);
    const row = await table.getEntity<Record<string, unknown>>('copy', 'm-1');
    expect(row).toMatchObject({ description: 'first', deliveryCount: 1 });
  });

  it('hashes message ids that a table key cannot hold, and keys messages without an id by their body', async () => {
    const { table, store } = setup();
    const awkward = 'a/b#c?d\\e';
    await store.record([record({ messageId: awkward }), record({ messageId: undefined, body: Buffer.from('x') })]);
    const keys: string[] = [];
    for await (const row of table.listEntities()) keys.push(row.rowKey as string);
    expect(keys.sort()).toEqual(
      [poisonRowKey(awkward, Buffer.alloc(0)), poisonRowKey(undefined, Buffer.from('x'))].sort(),
    );
    expect(keys.every((key) => /^sha256-[0-9a-f]{64}$/.test(key))).toBe(true);
    const row = await table.getEntity<Record<string, unknown>>('copy', poisonRowKey(awkward, Buffer.alloc(0)));
    expect(row['messageId']).toBe(awkward);
  });

  it('counts records per target, up to a cap, and zero before the table exists', async () => {
    const { table, store } = setup();
    await expect(countPoison(table, 'copy')).resolves.toBe(0);
    await store.record([1, 2, 3].map((n) => record({ messageId: `m-${n}` })));
    await store.record([record({ target: 'other', messageId: 'o-1' })]);
    await expect(countPoison(table, 'copy')).resolves.toBe(3);
    await expect(countPoison(table, 'other')).resolves.toBe(1);
    await expect(countPoison(table, 'copy', 2)).resolves.toBe(2);
  });

  it('records nothing for an empty list without touching storage', async () => {
    const store = new StoragePoisonStore(
      tableClientFor(
        {
          kind: 'connectionString',
          setting: 'X',
          connectionString: 'UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://127.0.0.1:1',
        },
        'nothing',
      ),
      blobContainerFor(storageConnection(azurite), 'unused'),
    );
    await expect(store.record([])).resolves.toBeUndefined();
  });

  it('fails with a retryable error naming what it tried when storage cannot be reached', async () => {
    const unreachable = {
      kind: 'connectionString',
      setting: 'Broken',
      connectionString:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;',
    } as const;
    const store = new StoragePoisonStore(
      tableClientFor(unreachable, 'poisonx'),
      blobContainerFor(unreachable, 'poisonx'),
    );
    await expect(store.record([record()])).rejects.toMatchObject({
      code: 'STATE_UNAVAILABLE',
      retryable: true,
      message: expect.stringMatching(/poison table poisonx|container poisonx|poison message m-1/) as unknown,
    });
  });
});
