import { randomUUID } from 'node:crypto';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { startServiceBusBroker, type LocalServiceBus } from '../../local-stack/servicebus/index.js';
import { changeEventSchema } from '../../shared/events/envelope.js';
import { sessionIdFor } from '../../shared/events/ids.js';
import { createLogger } from '../../shared/logging.js';
import { BlobClaimStore } from '../../shared/claims/store.js';
import { BlobQuarantineStore } from '../../shared/publish/quarantine.js';
import { publishChanges, type PublishSource } from '../../shared/publish/publisher.js';
import { ShutdownError } from '../../shared/errors.js';
import { bodyAsJson } from '../support/events.js';

const TOPIC = 'events';
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
              {
                Name: 'all',
                Properties: { RequiresSession: true, MaxDeliveryCount: 10, LockDuration: 'PT1M' },
                Rules: [],
              },
              {
                Name: 'orders-only',
                Properties: { RequiresSession: true },
                Rules: [
                  { Name: 'orders', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "type = 'order'" } } },
                ],
              },
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
const doc = (id: string, customerId: string, lsn: number, extra: Record<string, unknown> = {}) => ({
  id,
  customerId,
  type: 'order',
  _lsn: lsn,
  _ts: 1_700_000_000 + lsn,
  ...extra,
});

describe('publishChanges through the local broker', () => {
  let broker: LocalServiceBus;
  let azurite: LocalAzurite;
  let client: ServiceBusClient;
  let quarantineContainer: ReturnType<BlobServiceClient['getContainerClient']>;
  let claimContainer: ReturnType<BlobServiceClient['getContainerClient']>;
  const logs: string[] = [];
  const logger = createLogger({
    debug: () => {},
    info: (l) => logs.push(l),
    warn: (l) => logs.push(l),
    error: (l) => logs.push(l),
  });

  beforeAll(async () => {
    [broker, azurite] = await Promise.all([startServiceBusBroker({ config }), startAzurite()]);
    // Short operation timeout: acceptNextSession waits that long before saying no session is left (60 s by default).
    client = new ServiceBusClient(broker.connectionString, { retryOptions: { timeoutInMs: 2_000, maxRetries: 1 } });
    const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
    quarantineContainer = blobs.getContainerClient(`q-${randomUUID().slice(0, 8)}`);
    claimContainer = blobs.getContainerClient(`c-${randomUUID().slice(0, 8)}`);
  });
  afterAll(async () => {
    await client?.close();
    await broker?.close();
    await azurite?.close();
  });

  const deps = () => ({
    sender: client.createSender(TOPIC),
    quarantine: new BlobQuarantineStore(quarantineContainer),
    // A cap of 400 KiB so the test can exceed it without megabytes of data; the default is 16 MiB.
    claims: { store: new BlobClaimStore(claimContainer), maxEventBytes: 400 * 1024 },
    sessionBuckets: 4,
    logger,
  });

  async function drainAll(subscription: string): Promise<ServiceBusReceivedMessage[]> {
    const received: ServiceBusReceivedMessage[] = [];
    for (;;) {
      let receiver;
      try {
        receiver = await client.acceptNextSession(TOPIC, subscription, { maxAutoLockRenewalDurationInMs: 0 });
      } catch (error) {
        if ((error as { code?: string }).code === 'ServiceTimeout') return received;
        throw error;
      }
      for (;;) {
        const batch = await receiver.receiveMessages(500, { maxWaitTimeInMs: 300 });
        if (batch.length === 0) break;
        for (const message of batch) await receiver.completeMessage(message);
        received.push(...batch);
      }
      await receiver.close();
    }
  }

  it('sends many events in few batches, in order per session, with ids, sessions and rule properties', async () => {
    const items = Array.from({ length: 600 }, (_, index) =>
      doc(`o${index}`, `c${index % 7}`, index + 1, { blob: 'x'.repeat(500) }),
    );
    const summary = await publishChanges(deps(), source, items);
    expect(summary).toMatchObject({ items: 600, published: 600, quarantined: 0 });
    expect(summary.batches).toBeGreaterThan(1);
    expect(summary.batches).toBeLessThan(10);

    const received = await drainAll('all');
    expect(received).toHaveLength(600);
    const events = received.map((message) => changeEventSchema.parse(bodyAsJson(message.body)));
    for (const [index, message] of received.entries()) {
      const event = events[index];
      expect(message.messageId).toBe(event?.eventId);
      expect(message.sessionId).toBe(sessionIdFor(event?.partitionKey ?? null, 4));
      expect(message.applicationProperties).toMatchObject({ source: 'orders', operation: 'upsert', type: 'order' });
    }
    const bySession = new Map<string, number[]>();
    for (const event of events) {
      const session = sessionIdFor(event.partitionKey, 4);
      bySession.set(session, [...(bySession.get(session) ?? []), event.version.lsn]);
    }
    for (const lsns of bySession.values()) expect(lsns).toEqual([...lsns].sort((a, b) => a - b));
    expect(await drainAll('orders-only')).toHaveLength(600);
  });

  it('lets duplicate detection absorb a re-sent batch', async () => {
    const items = [doc('d1', 'c1', 1000), doc('d2', 'c2', 1001)];
    await publishChanges(deps(), source, items);
    await publishChanges(deps(), source, items);
    expect(await drainAll('all')).toHaveLength(2);
  });

  it('quarantines unmappable items and those above the claim cap with reasons, and publishes the rest', async () => {
    const items = [
      doc('ok', 'c1', 2000),
      { customerId: 'c1', _lsn: 2001, _ts: 1 },
      doc('large', 'c1', 2002, { blob: 'y'.repeat(300 * 1024) }),
      doc('huge', 'c1', 2005, { blob: 'y'.repeat(500 * 1024) }),
      doc('gone', 'c2', 2003, { _deleted: true }),
      doc('bigint', 'c2', 2004, { amount: 10n }),
    ];
    const summary = await publishChanges(deps(), source, items);
    expect(summary).toMatchObject({
      published: 3,
      claimChecked: 1,
      quarantined: 3,
      quarantinedByCode: { MISSING_ID: 1, TOO_LARGE: 1, NOT_SERIALIZABLE: 1 },
    });
    const received = await drainAll('all');
    expect(received.map((message) => message.subject).sort()).toEqual(['delete', 'upsert', 'upsert']);
    // The 300 KB event went through the claim check: its message is a reference.
    expect(received.filter((message) => message.applicationProperties?.['claimBlob'] !== undefined)).toHaveLength(1);
    const blobs: string[] = [];
    for await (const blob of quarantineContainer.listBlobsFlat()) blobs.push(blob.name);
    expect(blobs).toHaveLength(3);
    expect(blobs.some((name) => name.includes('/NOT_SERIALIZABLE/'))).toBe(true);
    expect(blobs.some((name) => name.includes('/TOO_LARGE/'))).toBe(true);
    const missing = blobs.find((name) => name.includes('/MISSING_ID/')) as string;
    const stored = JSON.parse((await quarantineContainer.getBlobClient(missing).downloadToBuffer()).toString('utf8'));
    expect(stored).toMatchObject({ source: 'orders', code: 'MISSING_ID', item: { customerId: 'c1', _lsn: 2001 } });
    expect(logs.some((line) => line.includes('"event":"change.quarantined"'))).toBe(true);
  });

  it('throws a retryable error when Service Bus cannot take the batch', async () => {
    const sender = client.createSender('no-such-topic');
    await expect(publishChanges({ ...deps(), sender }, source, [doc('x', 'c', 1)])).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      retryable: true,
    });
  });

  it('stops sending when the app shuts down, so the change feed hands the batch over again', async () => {
    const items = Array.from({ length: 600 }, (_, index) =>
      doc(`s${index}`, `c${index % 7}`, 3000 + index, { blob: 'x'.repeat(500) }),
    );
    const shutdown = new AbortController();
    const sender = client.createSender(TOPIC);
    // Shut down as soon as the first batch has gone out: no later batch may start.
    let sent = 0;
    const watching = {
      createMessageBatch: sender.createMessageBatch.bind(sender),
      sendMessages: async (...args: Parameters<typeof sender.sendMessages>) => {
        await sender.sendMessages(...args);
        sent += 1;
        shutdown.abort(new ShutdownError());
      },
    };
    await expect(
      publishChanges({ ...deps(), sender: watching, signal: shutdown.signal }, source, items),
    ).rejects.toBeInstanceOf(ShutdownError);
    expect(sent).toBe(1);
    const received = await drainAll('all');
    expect(received.length).toBeGreaterThan(0);
    expect(received.length).toBeLessThan(600);
    // Publishing the same batch again (the trigger's retry) sends the rest; duplicate detection drops the first part.
    await publishChanges(deps(), source, items);
    expect(received.length + (await drainAll('all')).length).toBe(600);
  });
});
