/**
 * The claim check through the real SDKs: the publisher against the local broker (Service Bus Standard's 256 KB message
 * limit) and Azurite, the subscriber runner resolving what it received, storage failing on either side (through a
 * TCP proxy that can be broken), and a custom subscriber's function resolving large events without being told how.
 */
import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { startServiceBusBroker, type LocalServiceBus } from '../../local-stack/servicebus/index.js';
import { BlobClaimStore } from '../../shared/claims/store.js';
import { parseConfig } from '../../shared/config/load.js';
import { changeEventSchema } from '../../shared/events/envelope.js';
import { sessionIdFor } from '../../shared/events/ids.js';
import { mapLatestVersionItem } from '../../shared/events/map-change.js';
import { applyFunctionOptions } from '../../shared/functions/apply.js';
import { createLogger } from '../../shared/logging.js';
import type { PoisonRecord } from '../../shared/poison/record.js';
import { publishChanges, type PublishSource } from '../../shared/publish/publisher.js';
import { BlobQuarantineStore } from '../../shared/publish/quarantine.js';
import { toServiceBusMessage } from '../../shared/publish/to-message.js';
import type { Delivery } from '../../shared/subscribe/delivery.js';
import { processBatch, type SubscriberDeps } from '../../shared/subscribe/runner.js';
import { MemoryTarget } from '../support/memory-target.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const TOPIC = 'events';
const SUBSCRIPTION = 'all';
const config = {
  UserConfig: {
    Namespaces: [
      {
        Name: 'sbemulatorns',
        Queues: [],
        Topics: [
          {
            Name: TOPIC,
            Properties: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: 'PT10M' },
            Subscriptions: [
              { Name: SUBSCRIPTION, Properties: { RequiresSession: true, LockDuration: 'PT1M' }, Rules: [] },
            ],
          },
        ],
      },
    ],
    Logging: { Type: 'Console' },
  },
};

const source: PublishSource = {
  name: 'orders',
  account: 'localhost',
  database: 'shop',
  container: 'orders',
  partitionKeyPaths: ['/customerId'],
  softDelete: { field: '_deleted', value: true },
  changeFeedMode: 'LatestVersion',
  typeField: 'type',
};
const publishedAt = new Date('2026-12-05T10:00:00.000Z');
const doc = (id: string, customerId: string, lsn: number, size = 0) => ({
  id,
  customerId,
  type: 'order',
  blob: 'x'.repeat(size),
  _lsn: lsn,
  _ts: 1_700_000_000 + lsn,
});
/** A document whose event is exactly `bytes` long as the publisher serialises it. */
function docWithEventSize(id: string, lsn: number, bytes: number) {
  const sizeOf = (item: ReturnType<typeof doc>) => {
    const mapped = mapLatestVersionItem(item, source, publishedAt.toISOString());
    if (!mapped.ok) throw new Error(mapped.reason);
    return (toServiceBusMessage(mapped.event, { sessionBuckets: 4 }).body as Buffer).length;
  };
  const item = doc(id, 'c-edge', lsn, bytes - sizeOf(doc(id, 'c-edge', lsn)));
  expect(sizeOf(item)).toBe(bytes);
  return item;
}

const deliveryOf = (message: ServiceBusReceivedMessage): Delivery => ({
  body: message.body as Buffer,
  messageId: String(message.messageId),
  sessionId: message.sessionId,
  correlationId: undefined,
  deliveryCount: message.deliveryCount ?? 1,
  enqueuedTimeUtc: message.enqueuedTimeUtc,
  sequenceNumber: message.sequenceNumber?.toString(),
  replayKind: undefined,
});

describe('the claim check through the local broker and Azurite', () => {
  let broker: LocalServiceBus;
  let azurite: LocalAzurite;
  let proxy: TcpProxy;
  let client: ServiceBusClient;
  let blobs: BlobServiceClient;
  const logger = createLogger({ debug: () => {}, info: () => {}, warn: () => {}, error: () => {} });

  beforeAll(async () => {
    [broker, azurite] = await Promise.all([startServiceBusBroker({ config }), startAzurite({ silent: true })]);
    proxy = await startTcpProxy(Number(new URL(azurite.blobEndpoint).port));
    client = new ServiceBusClient(broker.connectionString, { retryOptions: { timeoutInMs: 2_000, maxRetries: 1 } });
    blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await broker?.close();
    await azurite?.close();
  });

  /** A fresh claim container, directly and through the breakable proxy (one try per request: no SDK retries). */
  function claimContainer(): { direct: ContainerClient; proxied: BlobClaimStore } {
    const name = `claims-${randomUUID().slice(0, 8)}`;
    const proxied = BlobServiceClient.fromConnectionString(
      azurite.connectionString.replace(
        /BlobEndpoint=http:\/\/127\.0\.0\.1:\d+/,
        `BlobEndpoint=http://127.0.0.1:${proxy.port}`,
      ),
      { retryOptions: { maxTries: 1 } },
    );
    return { direct: blobs.getContainerClient(name), proxied: new BlobClaimStore(proxied.getContainerClient(name)) };
  }

  const publisherDeps = (store: BlobClaimStore) => ({
    sender: client.createSender(TOPIC),
    quarantine: new BlobQuarantineStore(blobs.getContainerClient(`q-${randomUUID().slice(0, 8)}`)),
    claims: { store, maxEventBytes: 16 * 1024 * 1024 },
    sessionBuckets: 4,
    logger,
    now: () => publishedAt,
  });

  function subscriberDeps(store: BlobClaimStore, target = new MemoryTarget('t')) {
    const poisoned: PoisonRecord[] = [];
    const deps: SubscriberDeps = {
      target,
      claims: store,
      recorder: { record: async () => {} },
      poison: { record: async (records) => void poisoned.push(...records) },
      logger,
      backoff: { attempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
    };
    return { deps, target, poisoned };
  }

  async function drain(): Promise<ServiceBusReceivedMessage[]> {
    const received: ServiceBusReceivedMessage[] = [];
    for (;;) {
      let receiver;
      try {
        receiver = await client.acceptNextSession(TOPIC, SUBSCRIPTION, {
          maxAutoLockRenewalDurationInMs: 0,
          skipParsingBodyAsJson: true,
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'ServiceTimeout') return received;
        throw error;
      }
      for (;;) {
        const batch = await receiver.receiveMessages(100, { maxWaitTimeInMs: 300 });
        if (batch.length === 0) break;
        for (const message of batch) await receiver.completeMessage(message);
        received.push(...batch);
      }
      await receiver.close();
    }
  }

  async function blobNames(container: ContainerClient): Promise<string[]> {
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat()) names.push(blob.name);
    return names.sort();
  }

  it('sends a large event as a reference in its place in the feed, and the subscriber applies the event', async () => {
    const { direct, proxied } = claimContainer();
    const items = [doc('a', 'c1', 1), doc('b', 'c1', 2, 300 * 1024), doc('c', 'c1', 3), doc('d', 'c2', 4, 700 * 1024)];
    const summary = await publishChanges(publisherDeps(proxied), source, items);
    // One batch: a body known to be too large neither flushes the batch being filled nor is sent itself.
    expect(summary).toMatchObject({ items: 4, published: 4, batches: 1, claimChecked: 2, quarantined: 0 });
    expect(await blobNames(direct)).toHaveLength(2);

    const received = await drain();
    expect(received).toHaveLength(4);
    const bodies = received.map(
      (message) => JSON.parse((message.body as Buffer).toString('utf8')) as Record<string, unknown>,
    );
    const c1 = received.filter((message) => message.sessionId === sessionIdFor('c1', 4));
    expect(
      c1.map((message) => (JSON.parse((message.body as Buffer).toString()) as { documentId: string }).documentId),
    ).toEqual(['a', 'b', 'c']);
    const large = received.filter((message) => message.applicationProperties?.['claimBlob'] !== undefined);
    expect(large).toHaveLength(2);
    for (const message of large) {
      const body = JSON.parse((message.body as Buffer).toString('utf8')) as {
        eventId: string;
        claimCheck: { blob: string };
      };
      expect((message.body as Buffer).length).toBeLessThan(1_024);
      expect(message).toMatchObject({ messageId: body.eventId, contentType: 'application/json', subject: 'upsert' });
      expect(message.applicationProperties).toMatchObject({
        source: 'orders',
        operation: 'upsert',
        schemaVersion: 1,
        type: 'order',
        claimBlob: `${direct.containerName}/${body.claimCheck.blob}`,
      });
      const stored = changeEventSchema.parse(
        JSON.parse((await direct.getBlobClient(body.claimCheck.blob).downloadToBuffer()).toString('utf8')),
      );
      expect(stored.eventId).toBe(message.messageId);
    }
    expect(bodies.filter((body) => 'schemaVersion' in body)).toHaveLength(2);

    const { deps, target, poisoned } = subscriberDeps(proxied);
    const applied = await processBatch(deps, received.map(deliveryOf));
    expect(applied).toMatchObject({ received: 4, applied: 4, deadLettered: 0 });
    expect(poisoned).toEqual([]);
    const held = [...target.liveDocuments().values()];
    expect(held.map((document) => [document['id'], String(document['blob']).length]).sort()).toEqual([
      ['a', 0],
      ['b', 300 * 1024],
      ['c', 0],
      ['d', 700 * 1024],
    ]);
  });

  it('decides by what fits an empty batch: a body just under the limit goes through the claim check too', async () => {
    const { proxied } = claimContainer();
    const limit = (await client.createSender(TOPIC).createMessageBatch()).maxSizeInBytes;
    expect(limit).toBe(256 * 1024);
    const items = [docWithEventSize('edge', 10, limit - 16), docWithEventSize('fits', 11, limit - 4_000)];
    const summary = await publishChanges(publisherDeps(proxied), source, items);
    expect(summary).toMatchObject({ published: 2, claimChecked: 1, batches: 1 });
    const received = await drain();
    expect(received.map((message) => message.applicationProperties?.['claimBlob'] !== undefined)).toEqual([
      true,
      false,
    ]);
  });

  it('re-uploads a retried batch to the same blob, and duplicate detection drops the re-sent reference', async () => {
    const { direct, proxied } = claimContainer();
    const items = [doc('r1', 'c3', 20, 300 * 1024), doc('r2', 'c3', 21)];
    await publishChanges(publisherDeps(proxied), source, items);
    const first = await blobNames(direct);
    await publishChanges(publisherDeps(proxied), source, items);
    expect(await blobNames(direct)).toEqual(first);
    expect(first).toEqual([expect.stringMatching(/^2026-12-05\/[0-9a-f]{64}\.json$/)]);
    expect(await drain()).toHaveLength(2);
  });

  it('sends nothing while the claim container is down, and all of it once it is back', async () => {
    const { proxied } = claimContainer();
    const items = [doc('s1', 'c4', 30), doc('s2', 'c4', 31, 300 * 1024), doc('s3', 'c4', 32)];
    proxy.break();
    try {
      await expect(publishChanges(publisherDeps(proxied), source, items)).rejects.toMatchObject({
        code: 'CLAIM_UPLOAD_FAILED',
        retryable: true,
      });
    } finally {
      proxy.repair();
    }
    // The small event before the large one was not sent either: it waits in the batch behind the upload.
    expect(await drain()).toEqual([]);
    expect(await publishChanges(publisherDeps(proxied), source, items)).toMatchObject({
      published: 3,
      claimChecked: 1,
    });
    expect(await drain()).toHaveLength(3);
  });

  it('fails the batch while storage is down, and sets aside references to a missing or changed blob', async () => {
    const { direct, proxied } = claimContainer();
    await publishChanges(publisherDeps(proxied), source, [doc('f1', 'c5', 40, 300 * 1024)]);
    const deliveries = (await drain()).map(deliveryOf);
    const blob = (JSON.parse(Buffer.from(deliveries[0]?.body ?? []).toString()) as { claimCheck: { blob: string } })
      .claimCheck.blob;

    const down = subscriberDeps(proxied);
    proxy.break();
    try {
      await expect(processBatch(down.deps, deliveries)).rejects.toMatchObject({
        code: 'CLAIM_UNAVAILABLE',
        retryable: true,
      });
    } finally {
      proxy.repair();
    }
    expect(down.target.rows.size).toBe(0);
    expect(await processBatch(down.deps, deliveries)).toMatchObject({ applied: 1 });

    const original = await direct.getBlobClient(blob).downloadToBuffer();
    const changed = Buffer.from(original);
    changed[changed.length - 2] = 0x20;
    await direct.getBlockBlobClient(blob).uploadData(changed);
    const corrupt = subscriberDeps(proxied);
    expect(await processBatch(corrupt.deps, deliveries)).toMatchObject({ applied: 0, deadLettered: 1 });
    expect(corrupt.poisoned[0]).toMatchObject({ reason: 'ClaimCheckCorrupt', eventId: deliveries[0]?.messageId });

    await direct.deleteBlob(blob);
    const missing = subscriberDeps(proxied);
    expect(await processBatch(missing.deps, deliveries)).toMatchObject({ applied: 0, deadLettered: 1 });
    expect(missing.poisoned[0]).toMatchObject({
      reason: 'ClaimCheckMissing',
      description: expect.stringContaining(`claim blob ${direct.containerName}/${blob} does not exist`),
      body: deliveries[0]?.body,
    });
  });

  it('resolves large events for a custom subscriber registered with applyFunctionOptions, from the settings alone', async () => {
    const { direct, proxied } = claimContainer();
    await publishChanges(publisherDeps(proxied), source, [doc('h1', 'c6', 50, 400 * 1024), doc('h2', 'c6', 51)]);
    const received = await drain();
    const appConfig = parseConfig({
      ServiceBus: broker.connectionString,
      AzureWebJobsStorage: azurite.connectionString,
      CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
      COSMOS_SYNC_SOURCES: JSON.stringify([
        { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
      ]),
      COSMOS_SYNC_CLAIM_CONTAINER: direct.containerName,
      COSMOS_SYNC_LOG_LEVEL: 'error',
    });
    const target = new MemoryTarget('price-history');
    const poisoned: PoisonRecord[] = [];
    const options = applyFunctionOptions(
      appConfig,
      { name: target.name, subscription: SUBSCRIPTION, ordered: false, sources: undefined },
      () => ({
        target,
        recorder: { record: async () => {} },
        poison: { record: async (records) => void poisoned.push(...records) },
      }),
    );
    const context = new InvocationContext({
      functionName: 'apply-price-history',
      triggerMetadata: { messageIdArray: received.map((message) => String(message.messageId)) },
      logHandler: () => {},
    });
    await options.handler(
      received.map((message) => message.body as Buffer),
      context,
    );
    expect(poisoned).toEqual([]);
    expect([...target.liveDocuments().values()].map((document) => String(document['blob']).length).sort()).toEqual([
      0,
      400 * 1024,
    ]);
  });
});
